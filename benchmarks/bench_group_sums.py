"""CPU time of ``kernels.group_sums`` for one to four weight arrays (10^6 rows, 80 groups).

Usage: ``.venv/bin/python benchmarks/bench_group_sums.py``; to compare two commits, run it
from two checkouts alternately (benchmarks/RESULTS.md, "Fewer compiled signatures").
"""

from __future__ import annotations

import time

import numpy as np

from helix.world import kernels


def best_ms(call: object, repeats: int = 5, calls: int = 10) -> float:
    """Best over ``repeats`` of the mean CPU milliseconds of ``calls`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            call()  # type: ignore[operator]
        best = min(best, (time.process_time() - start) / calls)
    return best * 1e3


def main() -> None:
    rng = np.random.default_rng(0)
    n, groups = 1_000_000, 80
    cells = rng.integers(0, groups, n).astype(np.int32)
    weights = [rng.random(n) for _ in range(4)]
    mask = rng.random(n) < 0.8
    shown = []
    for k in range(1, 5):
        kernels.group_sums(cells, groups, *weights[:k], where=mask)  # compile or load

        def call(k: int = k) -> None:
            kernels.group_sums(cells, groups, *weights[:k], where=mask)

        shown.append(f"k={k}: {best_ms(call):.2f} ms")
    print("  ".join(shown))


if __name__ == "__main__":
    main()
