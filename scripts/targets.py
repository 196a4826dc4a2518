"""The report's figures T1-T7 of the default world over a few seeds, quickly (runs to 2025-12).

usage: .venv/bin/python scripts/targets.py [--seeds 1 2] [--scale 1] [--set key=value ...]

Each seed runs on its own process (two at a time); a target's line gives the mean over the seeds
and each seed's value, and whether each seed meets it (``helix run`` shows the same per seed;
tests/test_default_world.py holds the mean over seeds 1-8).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from helix.experiments.targets import measure_all
from helix.scenario.load import load_scenario
from helix.world.simulation import simulate


def one(args: tuple[int, float, tuple[str, ...]]) -> dict[str, Any]:
    seed, scale, sets = args
    scenario = load_scenario(seed=seed, until="2025-12", scale=scale, overrides=list(sets))
    return measure_all(simulate(scenario, keep_firms=False).observations, scenario)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    with ProcessPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(one, [(s, a.scale, tuple(a.set)) for s in a.seeds]))
    for name in runs[0]:
        sims = [r[name]["simulated"] for r in runs]
        if isinstance(sims[0], dict):
            shown = " | ".join(", ".join(f"{v:.3g}" for v in s.values()) for s in sims)
        else:
            shown = f"mean {np.mean(sims):.4g}  per seed " + ", ".join(f"{v:.4g}" for v in sims)
        print(f"{name}: {shown}   meets per seed: {[r[name]['pass'] for r in runs]}")


if __name__ == "__main__":
    main()
