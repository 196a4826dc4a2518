"""Time the report's PNGs (``helix.report.static.render``), this checkout beside another commit.

Usage (from the repository root, with the project's virtual environment)::

    .venv/bin/helix run --db /tmp/r.duckdb --no-report        # a default run to report on
    .venv/bin/python benchmarks/bench_report.py /tmp/r.duckdb --before b73abb6
    .venv/bin/python benchmarks/bench_report.py /tmp/r.duckdb --rounds 5 --repeats 3

``--before REV`` extracts ``src/`` of that commit (``git archive``) into a temporary folder and
times it with ``PYTHONPATH`` set to it: same interpreter, same packages, only helix differs.
Without it, only this checkout is timed.

Each side runs in its own process, the sides alternating ``--repeats`` times (a busy machine
then slows both alike). In a process the figures of the latest run's report are collected once
(not timed) and drawn once (not timed: fonts loaded, caches filled), then ``--rounds`` times,
each figure timed alone (CPU: ``time.process_time``; wall: ``time.perf_counter``). Every round
starts as a report does: it draws each figure once, in the report's order, and whatever helix
keeps between the figures of a report is dropped before the round. A figure's time is its best
over rounds and repeats; "all" sums those, and "best round" is the fastest whole round. Last,
``write_report`` once per process (reading the store, HTML, PNGs; imports already done). On a
shared machine compare CPU times and ratios; a ratio is before / after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import describe, extract_source, with_source


def _child(db: str, rounds: int) -> dict[str, Any]:
    """Run in a fresh process: time each figure's PNG, then the whole report."""
    from helix.report import static
    from helix.report.build import collect, resolve, write_report
    from helix.report.source import open_store

    with open_store(db) as store:
        specs = collect(resolve(store), store.con).figures
    per: dict[str, dict[str, list[float]]] = {s.key: {"cpu": [], "wall": []} for s in specs}
    rounds_cpu: list[float] = []
    rounds_wall: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for s in specs:  # warm: fonts, font cache, imports inside matplotlib
            static.render(s, out / f"{s.key}.png")
        for _ in range(rounds):
            renderers = getattr(static, "_RENDERERS", None)
            if renderers is not None:  # a report starts without them
                renderers.by_size.clear()
            c0, w0 = time.process_time(), time.perf_counter()
            for s in specs:
                c, w = time.process_time(), time.perf_counter()
                static.render(s, out / f"{s.key}.png")
                per[s.key]["cpu"].append(time.process_time() - c)
                per[s.key]["wall"].append(time.perf_counter() - w)
            rounds_cpu.append(time.process_time() - c0)
            rounds_wall.append(time.perf_counter() - w0)
        png_bytes = sum((out / f"{s.key}.png").stat().st_size for s in specs)
        c, w = time.process_time(), time.perf_counter()
        files = write_report(db, out_dir=out / "report")
        report = {"cpu": time.process_time() - c, "wall": time.perf_counter() - w}
    return {
        "source": static.__file__,
        "figures": per,
        "rounds_cpu": rounds_cpu,
        "rounds_wall": rounds_wall,
        "png_bytes": png_bytes,
        "report": report,
        "report_pngs": files.figures,
    }


def _spawn(db: str, rounds: int, src: Path | None) -> dict[str, Any]:
    env = with_source(dict(os.environ), src)
    args = [sys.executable, __file__, db, "--rounds", str(rounds), "--child"]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit("benchmark child failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best(runs: list[dict[str, Any]], key: str, what: str) -> float:
    return min(v for r in runs for v in r["figures"][key][what])


def _table(sides: dict[str, list[dict[str, Any]]]) -> None:
    names = list(sides)
    first = sides[names[0]][0]
    keys = list(first["figures"])
    two = len(names) == 2

    def row(label: str, vals: dict[str, tuple[float, float]], unit: float = 1e3) -> str:
        cells = []
        for what in (0, 1):  # CPU, wall
            xs = [vals[n][what] * unit for n in names]
            cells += [f"{x:9.0f}" for x in xs]
            if two:
                cells.append(f"{xs[0] / xs[1]:6.2f}")
        return f"{label:34s} " + " ".join(cells)

    width = 9 * len(names) + len(names) - 1 + (7 if two else 0)
    print(f"\n{'':34s} {'CPU ms':^{width}s} {'wall ms':^{width}s}")
    head = [f"{n:>9s}" for n in names] + ([f"{'ratio':>6s}"] if two else [])
    print(f"{'figure (best of all rounds)':34s} {' '.join(head)} {' '.join(head)}")
    totals = {n: (0.0, 0.0) for n in names}
    for k in keys:
        vals = {n: (_best(sides[n], k, "cpu"), _best(sides[n], k, "wall")) for n in names}
        totals = {n: (totals[n][0] + vals[n][0], totals[n][1] + vals[n][1]) for n in names}
        print(row(k, vals))
    print(row(f"all {len(keys)} (sum of the above)", totals))
    best_round = {
        n: (
            min(c for r in sides[n] for c in r["rounds_cpu"]),
            min(w for r in sides[n] for w in r["rounds_wall"]),
        )
        for n in names
    }
    print(row("best whole round", best_round))
    report = {
        n: (min(r["report"]["cpu"] for r in sides[n]), min(r["report"]["wall"] for r in sides[n]))
        for n in names
    }
    print(row("write_report (store, HTML, PNGs)", report))
    for n in names:
        r = sides[n][0]
        print(
            f"{n}: {r['source']}; PNGs {r['png_bytes'] / 1e6:.2f} MB; write_report per repeat, "
            "wall s: " + " ".join(f"{x['report']['wall']:.2f}" for x in sides[n])
        )


def machine() -> str:
    return describe("matplotlib", "pillow")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("db", help="results store holding a run (the latest is reported)")
    ap.add_argument("--before", metavar="REV", help="also time this commit (e.g. main)")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per process")
    ap.add_argument("--repeats", type=int, default=2, help="processes per side, alternating")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.db, args.rounds)))
        return

    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        srcs: dict[str, Path | None] = {}
        if args.before:
            srcs["before"] = extract_source(args.before, Path(tmp))
            print(f"before: {args.before} (git archive of its src/); after: this checkout")
        srcs["after"] = None
        sides: dict[str, list[dict[str, Any]]] = {n: [] for n in srcs}
        for i in range(args.repeats):
            order = list(srcs) if i % 2 == 0 else list(srcs)[::-1]
            for name in order:
                sides[name].append(_spawn(args.db, args.rounds, srcs[name]))
                print(f"  repeat {i + 1}: {name} done", file=sys.stderr, flush=True)
    _table(sides)
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
