"""The first `helix run` after an install against the second: what compiling the kernels costs.

Usage (from the repository root, with the project's virtual environment)::

    .venv/bin/python benchmarks/bench_first_run.py                      # this checkout, 3 rounds
    .venv/bin/python benchmarks/bench_first_run.py --before 9886df6 --rounds 3

Each round gives numba an empty cache folder (``NUMBA_CACHE_DIR``), then runs ``helix run`` of
the shipped world twice in an empty folder, each its own process, and prints the wall seconds
of both and their difference. A helper that compiles in the background (``kernel_cache``) is
waited for before the next round, so rounds do not overlap. With ``--before REV`` that
commit's ``src/`` (``git archive``) is put first on ``PYTHONPATH`` for its rounds, alternating.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe, extract_source, with_source

HELIX = [sys.executable, "-c", "from helix.cli import main; main()", "run"]


def _round(env: dict[str, str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as here:
        env = dict(env, NUMBA_CACHE_DIR=cache)
        walls = []
        for _ in range(2):
            clock = time.perf_counter()
            done = subprocess.run(HELIX, cwd=here, env=env, capture_output=True, text=True)
            walls.append(time.perf_counter() - clock)
            if done.returncode != 0:
                sys.stderr.write(done.stderr)
                raise SystemExit("helix run failed")
        while any(Path(cache).rglob("helix-compiling.lock")):  # a helper still compiling
            time.sleep(0.5)
    return walls[0], walls[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", metavar="REV", help="also time this commit, alternating")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(describe("numpy", "numba"))
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"after": with_source(dict(os.environ), None)}
        if args.before:
            sides = {
                "before": with_source(dict(os.environ), extract_source(args.before, Path(tmp))),
                **sides,
            }
            print(f"before: {args.before} (git archive of its src/); after: this checkout")
        rows: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
        for i in range(args.rounds):
            for side in sides if i % 2 == 0 else reversed(list(sides)):
                rows[side].append(_round(sides[side]))
    for side, pairs in rows.items():
        first = " ".join(f"{a:.2f}" for a, _ in pairs)
        second = " ".join(f"{b:.2f}" for _, b in pairs)
        more = " ".join(f"{a - b:.1f}" for a, b in pairs)
        print(f"  {side:>6s}: first {first} s; second {second} s; first − second {more} s")


if __name__ == "__main__":
    main()
