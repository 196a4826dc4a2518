"""The venture funnel of the default world: fates of VC-backed startups six years after their
first round, five-year survival by funding status, and the validation statistics of firms.

usage: .venv/bin/python scripts/venture_funnel.py [--seeds 1 2] [--scale 1] [--set key=value ...]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from helix.experiments.validation.job import firm_statistics, venture_funnel
from helix.scenario.load import load_scenario
from helix.world.simulation import simulate


def step_ups(snapshots: dict[str, np.ndarray], events: dict[str, np.ndarray]) -> dict[str, float]:
    """Yearly log valuation change (December to December) of private firms with a round in the
    later year: what a round marks the value to, per year (Cochrane 2005 measures 0.15 mean and
    0.9 sd of log value a year once selection is corrected; observed steps are selected)."""
    year = np.char.partition(np.asarray(snapshots["month"]).astype(str), "-")[:, 0].astype(int)
    ids, value = np.asarray(snapshots["firm_id"]), np.asarray(snapshots["valuation"], float)
    kinds = np.asarray(events["event"]).astype(str)
    ev_year = np.char.partition(np.asarray(events["month"]).astype(str), "-")[:, 0].astype(int)
    funded = set(zip(np.asarray(events["firm_id"])[kinds == "funded"].tolist(),
                     ev_year[kinds == "funded"].tolist(), strict=True))  # fmt: skip
    at = {(i, y): v for i, y, v in zip(ids.tolist(), year.tolist(), value.tolist(), strict=True)}
    steps = [
        np.log(v / at[(i, y - 1)])
        for (i, y), v in at.items()
        if (i, y) in funded and at.get((i, y - 1), 0) > 0 and v > 0
    ]
    return {"step_up_mean": float(np.mean(steps)), "step_up_sd": float(np.std(steps))}


def one(args: tuple[int, float, tuple[str, ...]]) -> dict[str, float]:
    seed, scale, sets = args
    scenario = load_scenario(seed=seed, scale=scale, overrides=list(sets))
    result = simulate(scenario, keep_firms=True)
    events = result.event_table()
    return {
        **step_ups(result.snapshot_table(), events),
        **venture_funnel(events, scenario.end),
        **firm_statistics(result.snapshot_table(), events, scenario.end),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    with ProcessPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(one, [(s, a.scale, tuple(a.set)) for s in a.seeds]))
    for name in runs[0]:
        values = [r[name] for r in runs]
        shown = ", ".join(f"{v:.3g}" for v in values)
        print(f"{name}: mean {np.nanmean(values):.3g}  per seed {shown}")


if __name__ == "__main__":
    main()
