"""Save or compare a run's full output (indicators, firm events, snapshots) bit for bit.

    python scripts/fingerprint.py save  --seed 0 --out /tmp/ref/seed0.npz [--scenario FILE]
    python scripts/fingerprint.py check --seed 0 --ref /tmp/ref/seed0.npz [--scenario FILE]

A refactor that "changes no number" must pass ``check`` for seeds 0 and 7 at scale 1.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from helix import load_scenario, simulate


def arrays(seed: int, scenario: str | None) -> dict[str, np.ndarray]:
    result = simulate(load_scenario(scenario, seed=seed))
    out: dict[str, np.ndarray] = {}
    for group, table in (
        ("indicators", result.observations.long_form()),
        ("events", result.event_table()),
        ("snapshots", result.snapshot_table()),
    ):
        for name, column in table.items():
            column = np.asarray(column)
            out[f"{group}.{name}"] = column.astype(str) if column.dtype == object else column
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["save", "check"])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--scenario", default=None)
    parser.add_argument("--out")
    parser.add_argument("--ref")
    a = parser.parse_args()
    got = arrays(a.seed, a.scenario)
    if a.action == "save":
        np.savez_compressed(a.out, **got)
        print(f"saved {len(got)} columns to {a.out}")
        return 0
    ref = dict(np.load(a.ref, allow_pickle=False))
    bad = sorted(set(ref) ^ set(got))
    for name in sorted(set(ref) & set(got)):
        x, y = ref[name], got[name]
        same = x.shape == y.shape and (
            np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)
        )
        if not same:
            bad.append(name)
    rows = len(got["indicators.value"])
    if bad:
        print(f"seed {a.seed}: DIFFERENT in {bad}")
        return 1
    print(f"seed {a.seed}: bit-identical ({len(got)} columns, {rows} indicator rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
