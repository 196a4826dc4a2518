"""Scaling benchmark: one simulated year at 10^4, 10^5 and 10^6 starting firms.

Usage (from the repository root, with the project's virtual environment)::

    .venv/bin/python benchmarks/bench_scaling.py                 # 10^4, 10^5, 10^6 firms, 12 months
    .venv/bin/python benchmarks/bench_scaling.py --scale 0.25 --scale 2.5 --months 6
    .venv/bin/python benchmarks/bench_scaling.py --full 3        # also the default run, 3 times
    .venv/bin/python benchmarks/bench_scaling.py --kernels       # also NumPy vs numba per kernel
    .venv/bin/python benchmarks/bench_scaling.py --before main --full 3 --scale 22.99
        # commit main against this checkout, alternating: the default run and a year at 10^6

Each scale runs in its own subprocess, so the peak memory (``ru_maxrss``) is that run's alone.
A subprocess first runs two months at a tiny scale, so numba's compilation (or the load of its
disk cache) is not in the timed year; that start-up cost is printed apart. Firm-months count the
firms alive at the end of each simulated month, summed over months. ``--full`` times the default
run (``load_scenario()`` then ``simulate()``) with numba on and off (``HELIX_NUMBA=0``), runs
alternating, so the ratio is fair on a busy machine. Timings are wall clock and CPU time of the
simulating process; on a shared machine compare CPU times and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import describe, extract_source, with_source

TARGETS = (10_000, 100_000, 1_000_000)


def _month(start: str, months: int) -> str:
    """The last month of a run of ``months`` months from ``start`` (YYYY-MM)."""
    y, m = (int(x) for x in start.split("-"))
    k = y * 12 + (m - 1) + months - 1
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def starting_firms(scale: float) -> int:
    from helix.scenario.load import load_scenario
    from helix.world.simulation import prepare

    _, world, _ = prepare(load_scenario(scale=scale))
    return int(world.firms.n)


def _child_year(scale: float, months: int, seed: int | None) -> dict:
    """Run in a fresh process: one warm-up month at a tiny scale, then the timed run."""
    from helix.scenario.load import load_scenario
    from helix.world import kernels
    from helix.world.simulation import prepare, simulate

    t0 = time.perf_counter()
    simulate(load_scenario(scale=0.01, seed=seed, until="2020-02"))
    startup = time.perf_counter() - t0

    scenario = load_scenario(scale=scale, seed=seed, until=_month("2020-01", months))
    t0 = time.perf_counter()
    _, world, _ = prepare(scenario)
    build = time.perf_counter() - t0
    start_firms = int(world.firms.n)
    del world

    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(scenario)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    firm_months = float(result.observations.city_sector["firms"].sum())
    months_run = len(result.months)
    return {
        "scale": scale,
        "numba": kernels.USE_NUMBA,
        "start_firms": start_firms,
        "final_firms": result.final_firms,
        "months": months_run,
        "startup_s": startup,
        "build_s": build,
        "wall_s": wall,
        "cpu_s": cpu,
        "firm_months": firm_months,
        "firm_months_per_s": firm_months / wall,
        "firm_months_per_cpu_s": firm_months / cpu,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child_full(seed: int | None) -> dict:
    """Run in a fresh process: the default run, as ``helix run`` simulates it."""
    from helix.scenario.load import load_scenario
    from helix.world import kernels
    from helix.world.simulation import simulate

    t0 = time.perf_counter()
    kernels.top_k_sums(np.zeros(1, np.int64), np.zeros(1), 1, 4)  # load the kernel cache
    startup = time.perf_counter() - t0
    scenario = load_scenario(seed=seed)
    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(scenario)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "numba": kernels.USE_NUMBA,
        "months": len(result.months),
        "final_firms": result.final_firms,
        "firm_months": float(result.observations.city_sector["firms"].sum()),
        "startup_s": startup,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _spawn(args: list[str], numba: bool = True, src: Path | None = None) -> dict:
    """Run a timed child in a fresh process; ``src``: another commit's source (``--before``)."""
    env = with_source(dict(os.environ, HELIX_NUMBA="1" if numba else "0"), src)
    out = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"benchmark child failed: {args}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def kernel_table(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000), repeat: int = 5) -> None:
    """NumPy reference against the numba kernel, on firm-like inputs (130 cells)."""
    from helix.world import kernels as k

    rng = np.random.default_rng(0)
    print(f"\n{'kernel':34s} {'rows':>9s} {'numpy ms':>9s} {'numba ms':>9s} {'ratio':>6s}")
    for n in sizes:
        cell = (rng.integers(0, 13, n) * 10 + rng.integers(0, 10, n)).astype(np.int32)
        city = (cell // 10).astype(np.int32)
        values = rng.lognormal(10, 2, n)
        w = [rng.random(n) for _ in range(4)]
        budget = np.full(130, values.mean() * n / 400)
        table, grid = rng.random(13), rng.random((13, 10))
        sector = (cell % 10).astype(np.int32)
        pc, pv = cell[: n // 20], values[: n // 20]  # funding ranks affordable candidates only
        cases = [
            ("top_k_sums (top-4 share)", k.top_k_sums_numpy, k.top_k_sums, (cell, values, 130, 4)),
            (
                "group_argmax (sector leaders)",
                k.group_argmax_numpy,
                k.group_argmax,
                (cell, values, 130),
            ),
            (
                "ranked_allocation (VC deals)",
                k.ranked_allocation_numpy,
                k.ranked_allocation,
                (pc, pv, pv, budget),
            ),
            ("group_sums x4 (bincounts)", k.group_sums_numpy, k.group_sums, (cell, 130, *w)),
            ("take (per-city value per firm)", k.take_numpy, k.take, (table, city)),
            ("take2 (per-cell value per firm)", k.take2_numpy, k.take2, (grid, city, sector)),
        ]
        for name, ref, fast, xs in cases:
            fast(*xs)  # compile or load the cache
            t_ref, t_fast = [], []
            for _ in range(repeat):  # alternate, keep the best of each
                t = time.perf_counter()
                ref(*xs)
                t_ref.append(time.perf_counter() - t)
                t = time.perf_counter()
                fast(*xs)
                t_fast.append(time.perf_counter() - t)
            a, b = min(t_ref) * 1e3, min(t_fast) * 1e3
            print(f"{name:34s} {n:9d} {a:9.3f} {b:9.3f} {a / b:6.1f}")


def compare(rev: str, src: Path, args: argparse.Namespace, seed: list[str]) -> None:
    """Each timed child for commit ``rev`` (its source at ``src``) and for this checkout, in
    alternating order, ``--full`` times (at least once): CPU seconds, peak RSS, and the ratio of
    the medians (before / after)."""
    jobs = [["--child", "full", *seed]] if args.full else []
    if not args.no_year:
        for scale in args.scale or [round(t / starting_firms(1.0), 4) for t in TARGETS]:
            jobs.append(
                ["--child", "year", "--scale", str(scale), "--months", str(args.months), *seed]
            )
    print(f"before: {rev} (git archive of its src/); after: this checkout")
    print(
        f"{'run':>22s} {'cpu s before':>22s} {'cpu s after':>22s} {'ratio':>6s} {'peak MiB':>12s}"
    )
    for job in jobs:
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        for i in range(max(args.full, 1)):
            for side in ("before", "after") if i % 2 == 0 else ("after", "before"):
                runs[side].append(_spawn(job, src=src if side == "before" else None))
        cpu = {side: [r["cpu_s"] for r in rs] for side, rs in runs.items()}
        peak = {side: np.median([r["peak_rss_mib"] for r in rs]) for side, rs in runs.items()}
        label = "default run" if job[1] == "full" else f"year at scale {job[3]}"
        print(
            f"{label:>22s} {' '.join(f'{x:.2f}' for x in cpu['before']):>22s} "
            f"{' '.join(f'{x:.2f}' for x in cpu['after']):>22s} "
            f"{np.median(cpu['before']) / np.median(cpu['after']):6.2f} "
            f"{peak['before']:5.0f} {peak['after']:5.0f}",
            flush=True,
        )


def machine() -> str:
    return describe("numpy", "numba")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, action="append", help="agent scale (repeatable)")
    ap.add_argument("--months", type=int, default=12, help="simulated months per scale")
    ap.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    ap.add_argument("--full", type=int, default=0, help="also time the default run N times")
    ap.add_argument("--kernels", action="store_true", help="also NumPy vs numba per kernel")
    ap.add_argument("--no-year", action="store_true", help="skip the per-scale year runs")
    ap.add_argument(
        "--before",
        metavar="REV",
        help="time this commit's helix side by side with this checkout's (numba on), alternating",
    )
    ap.add_argument("--child", choices=("year", "full"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child == "year":
        print(json.dumps(_child_year(args.scale[0], args.months, args.seed)))
        return
    if args.child == "full":
        print(json.dumps(_child_full(args.seed)))
        return

    print(machine())
    seed = [] if args.seed is None else ["--seed", str(args.seed)]
    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            compare(args.before, extract_source(args.before, Path(tmp)), args, seed)
        return
    if not args.no_year:
        base = starting_firms(1.0)
        print(f"starting firms at scale 1: {base}")
        scales = args.scale or [round(t / base, 4) for t in TARGETS]
        print(
            f"\n{'scale':>8s} {'start':>9s} {'end':>9s} {'months':>6s} {'wall s':>8s} "
            f"{'cpu s':>8s} {'firm-months/s':>14s} {'(per cpu s)':>12s} {'peak MiB':>9s} "
            f"{'start-up s':>10s}"
        )
        for scale in scales:
            r = _spawn(
                ["--child", "year", "--scale", str(scale), "--months", str(args.months), *seed]
            )
            print(
                f"{scale:8.4g} {r['start_firms']:9d} {r['final_firms']:9d} {r['months']:6d} "
                f"{r['wall_s']:8.2f} {r['cpu_s']:8.2f} {r['firm_months_per_s']:14,.0f} "
                f"{r['firm_months_per_cpu_s']:12,.0f} {r['peak_rss_mib']:9.0f} "
                f"{r['startup_s']:10.2f}",
                flush=True,
            )
    if args.full:
        print("\ndefault run (load_scenario() then simulate()), alternating numba on / off:")
        rows: dict[bool, list[dict]] = {True: [], False: []}
        for i in range(args.full):
            for numba in (True, False) if i % 2 == 0 else (False, True):
                rows[numba].append(_spawn(["--child", "full", *seed], numba=numba))
        for numba in (True, False):
            rs = rows[numba]
            print(
                f"  numba {'on ' if numba else 'off'}: wall "
                + " ".join(f"{r['wall_s']:.2f}" for r in rs)
                + " s; cpu "
                + " ".join(f"{r['cpu_s']:.2f}" for r in rs)
                + f" s; {rs[0]['months']} months, {rs[0]['firm_months']:,.0f} firm-months, "
                f"{rs[0]['final_firms']} firms at the end, peak {rs[0]['peak_rss_mib']:.0f} MiB, "
                f"kernel cache load {np.median([r['startup_s'] for r in rs]):.2f} s"
            )
        on = np.median([r["cpu_s"] for r in rows[True]])
        off = np.median([r["cpu_s"] for r in rows[False]])
        print(f"  median cpu: numba on {on:.2f} s, off {off:.2f} s, ratio {off / on:.2f}")
    if args.kernels:
        kernel_table()


if __name__ == "__main__":
    main()
