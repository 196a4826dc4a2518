"""The venture funnel of the default world: fates of VC-backed startups six years after their
first round, five-year survival by funding status, how fast startups never VC-backed fail, and
the validation statistics of firms.

usage: .venv/bin/python scripts/venture_funnel.py [--file world.toml] [--seeds 1 2] [--scale 1]
       [--set key=value ...]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from helix.experiments.validation.job import firm_statistics, venture_funnel, venture_records
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


def unbacked_failures(events: dict[str, np.ndarray]) -> dict[str, float]:
    """Of the startups never VC-backed founded in the run's first ten years: the share failed
    within 12, 24 and 60 months of founding (the liability of newness), and the startups founded
    in the run's first year."""
    v = venture_records(events)
    if v is None:
        return {}
    founded = v["founded"]
    cohort = ~v["startup_funded"] & (founded < founded.min() + 120)
    age = v["failed"][cohort] - founded[cohort]
    out = {f"unbacked_failed_by_{m}m": float(np.mean(age <= m)) for m in (12, 24, 60)}
    out["founded_first_year"] = float(np.sum(founded < founded.min() + 12))
    return out


def one(args: tuple[int, float, tuple[str, ...], str | None]) -> dict[str, float]:
    seed, scale, sets, file = args
    scenario = load_scenario(file, seed=seed, scale=scale, overrides=list(sets))
    result = simulate(scenario, keep_firms=True)
    events = result.event_table()
    return {
        **unbacked_failures(events),
        **step_ups(result.snapshot_table(), events),
        **venture_funnel(events, scenario.end),
        **firm_statistics(result.snapshot_table(), events, scenario.end),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--file", default=None, help="a world TOML (default: the shipped world)")
    a = ap.parse_args()
    with ProcessPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(one, [(s, a.scale, tuple(a.set), a.file) for s in a.seeds]))
    for name in runs[0]:
        values = [r[name] for r in runs]
        shown = ", ".join(f"{v:.3g}" for v in values)
        print(f"{name}: mean {np.nanmean(values):.3g}  per seed {shown}")


if __name__ == "__main__":
    main()
