"""The firm-size tail and the age mix of the default world in every December, not only the last.

`helix validate` reads the Zipf tail and the age distribution in the run's last December. A
regularity the data show in every year should hold in every year of a run too, so this prints,
per December: the firms alive, the Hill exponent of the employee-size tail (largest 5%, the
fact's statistic), the smallest size in that tail, the top 1%'s share of employment, the share
of the tail's firms that were in the world at its start, and the coefficient of variation of
firm ages (docs/calibration.md, "Notes on reading the validation").

usage: .venv/bin/python scripts/size_tail.py [--file WORLD.toml] [--seed 20251001]
       [--scale 1] [--every 1] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import numpy as np

from helix.experiments.validation.statistics import coefficient_of_variation, hill_alpha
from helix.scenario.load import load_scenario
from helix.world.simulation import simulate

COLUMNS = ("december", "firms", "hill", "tail_from", "top1_share", "tail_from_start", "age_cv")


def tail_by_december(
    snapshots: Mapping[str, np.ndarray], start_year: int, every: int = 1
) -> list[dict[str, float | str]]:
    """One row per December of the snapshots (every ``every`` years from the first).

    A firm counts as "from the start" when its age in a December exceeds the months since the
    run began, i.e. it was founded before the run.
    """
    months = np.asarray(snapshots["month"]).astype(str)
    employees = np.asarray(snapshots["employees"], dtype=float)
    ages = np.asarray(snapshots["age_months"], dtype=float)
    decembers = sorted({m for m in months if m.endswith("-12")})
    rows: list[dict[str, float | str]] = []
    for december in decembers[::every]:
        alive = months == december
        size, age = employees[alive], ages[alive]
        order = np.argsort(size)
        tail = order[-max(int(0.05 * len(size)), 1) :]
        top1 = order[-max(len(size) // 100, 1) :]
        months_run = (int(december[:4]) - start_year) * 12 + 11
        rows.append(
            {
                "december": december,
                "firms": float(len(size)),
                "hill": hill_alpha(size),
                "tail_from": float(size[tail].min()),
                "top1_share": float(size[top1].sum() / max(size.sum(), 1e-12)),
                "tail_from_start": float((age[tail] > months_run).mean()),
                "age_cv": coefficient_of_variation(age),
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", default=None, help="a world file (default: the shipped world)")
    ap.add_argument("--seed", type=int, default=20251001)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--every", type=int, default=1, help="print every N-th December")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    scenario = load_scenario(args.file, args.set, seed=args.seed, scale=args.scale)
    result = simulate(scenario, keep_firms=True)
    rows = tail_by_december(result.snapshot_table(), int(scenario.start[:4]), args.every)
    print(" ".join(f"{c:>15}" for c in COLUMNS))
    for row in rows:
        print(" ".join(f"{v:>15}" if isinstance(v, str) else f"{v:>15.3g}" for v in row.values()))


if __name__ == "__main__":
    main()
