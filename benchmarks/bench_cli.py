"""`helix run` and `helix report` end to end, as a user types them, optionally against another commit.

Usage (from the repository root, with the project's virtual environment)::

    .venv/bin/python benchmarks/bench_cli.py                         # this checkout, 3 rounds
    .venv/bin/python benchmarks/bench_cli.py --before 9886df6 --rounds 3

Each round runs, in a fresh empty folder, ``helix run`` (the shipped world: simulate, store,
report) and then ``helix report`` of that run, each its own process, as a user would: imports,
the kernels loaded from numba's cache, everything. A first untimed ``helix run --until 2020-02``
per side fills numba's cache, so the compiler is not in the figures (issue 15 measures the first
run after an install apart). With ``--before REV`` the commit's ``src/`` (``git archive``) is put
first on ``PYTHONPATH`` for its side and the two sides alternate, so both see the same machine.
Prints wall seconds and CPU seconds (user + system of the child) per round and their medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe, extract_source, with_source

HELIX = [sys.executable, "-c", "from helix.cli import main; main()"]


def _timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one helix command run in ``cwd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    clock = time.perf_counter()
    done = subprocess.run([*HELIX, *args], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - clock
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"helix {' '.join(args)} failed")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _round(env: dict[str, str], extra: list[str]) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        return {
            "helix run": _timed(["run", *extra], here, env),
            "helix report": _timed(["report", *extra], here, env),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", metavar="REV", help="also time this commit, alternating")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--png", action="store_true", help="pass --png to both commands")
    args = ap.parse_args()
    print(describe("numpy", "numba", "duckdb", "matplotlib", "plotly"))
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"after": with_source(dict(os.environ), None)}
        if args.before:
            src = extract_source(args.before, Path(tmp))
            sides = {"before": with_source(dict(os.environ), src), **sides}
            print(f"before: {args.before} (git archive of its src/); after: this checkout")
        extra = ["--png"] if args.png else []
        for env in sides.values():
            with tempfile.TemporaryDirectory() as warm:
                _timed(["run", "--until", "2020-02", "--no-report"], Path(warm), env)
        times: dict[str, list[dict[str, tuple[float, float]]]] = {s: [] for s in sides}
        for i in range(args.rounds):
            for side in sides if i % 2 == 0 else reversed(list(sides)):
                times[side].append(_round(sides[side], extra))
    for command in ("helix run", "helix report"):
        print(f"\n{command}:")
        for side, rounds in times.items():
            wall = [r[command][0] for r in rounds]
            cpu = [r[command][1] for r in rounds]
            print(
                f"  {side:>6s}: wall {' '.join(f'{w:.2f}' for w in wall)} s "
                f"(median {statistics.median(wall):.2f}); CPU {' '.join(f'{c:.2f}' for c in cpu)}"
                f" s (median {statistics.median(cpu):.2f})"
            )


if __name__ == "__main__":
    main()
