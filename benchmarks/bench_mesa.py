"""helix against an idiomatic Mesa 3 port of a reduced core, side by side (issue 15).

Usage (from the repository root, with ``pip install -e ".[bench]"``)::

    nice -n 10 .venv/bin/python benchmarks/bench_mesa.py              # 10^3, 10^4, 10^5 firms, 3 repeats
    nice -n 10 .venv/bin/python benchmarks/bench_mesa.py --quick      # 10^3 and 10^4, 1 repeat
    nice -n 10 .venv/bin/python benchmarks/bench_mesa.py --no-mesa-large  # helix alone at 10^5

For each starting population (helix's default world at the scale that gives about that many
firms), helix's full model and the Mesa port (``mesa_port.py``, the same starting firms) each
simulate the 12 months from 2020-01, each in its own subprocess, runs alternating (helix first on
even repeats, Mesa first on odd), ``--repeats`` times. Each subprocess times the simulation
alone: ``time.process_time()`` and wall clock around the 12 months, not the imports, the world's
build or the Mesa model's construction. helix's subprocess first runs two months at a tiny scale,
so loading numba's kernel cache is not in the timed year. Firm-months are the living firms at
the end of each month, summed over the months. The ratio is the median of the per-repeat ratios
of firm-months per CPU-second; on a shared machine compare CPU figures and ratios, not wall.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import describe

HERE = Path(__file__).resolve().parent
TARGETS = (1_000, 10_000, 100_000)
QUICK_TARGETS = (1_000, 10_000)
LARGE = 100_000  # from here on the Mesa port is skipped under --no-mesa-large
START, UNTIL = "2020-01", "2020-12"  # the default world starts in 2020-01: 12 months


def _child_helix(scale: float) -> dict[str, float]:
    """In a fresh process: helix's full model for the 12 months, timed around its monthly steps
    and observations (the loop of ``simulate``), as the port is timed around its steps: building
    the starting world is left out of both."""
    from helix.scenario.load import load_scenario
    from helix.world.indicators import Observations
    from helix.world.schedule import Schedule
    from helix.world.simulation import prepare, simulate

    simulate(load_scenario(None, scale=0.01, until="2020-02"), keep_firms=False)  # kernel cache
    scenario = load_scenario(None, scale=scale, until=UNTIL)
    setting, world, rng = prepare(scenario)
    world.record_events = False  # as simulate(keep_firms=False)
    start_firms = int(world.firms.view("alive").sum())
    schedule = Schedule(setting, world)
    observed = Observations.empty(setting)
    t0, c0 = time.perf_counter(), time.process_time()
    for step in range(setting.steps):
        world.step = step
        schedule.step(world, rng)
        observed.observe(setting, world)
        if (setting.start_month + step) % 12 == 11:
            world.firms.compact()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    firm_months = float(observed.city_sector["firms"].sum())
    final = int(world.firms.view("alive").sum())
    return _row(start_firms, final, firm_months, wall, cpu, setting.steps)


def _child_mesa(scale: float) -> dict[str, float]:
    """In a fresh process: the Mesa port from helix's starting world, timed around its steps."""
    sys.path.insert(0, str(HERE))
    from mesa_port import EcosystemModel, inputs_from_helix

    from helix.scenario.load import load_scenario
    from helix.world.simulation import prepare

    scenario = load_scenario(None, scale=scale, until=UNTIL)
    setting, world, _ = prepare(scenario)
    cities, revenue_per_worker, firms = inputs_from_helix(setting, world)
    months = setting.steps
    del world
    model = EcosystemModel(cities, revenue_per_worker, firms, seed=scenario.seed)
    living = []
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(months):
        model.step()
        living.append(model.living_firms())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return _row(len(firms), living[-1], float(sum(living)), wall, cpu, months)


def _row(
    start: int, final: int, firm_months: float, wall: float, cpu: float, months: int
) -> dict[str, float]:
    return {
        "start_firms": start,
        "final_firms": final,
        "firm_months": firm_months,
        "months": months,
        "wall_s": wall,
        "cpu_s": cpu,
        "per_cpu_s": firm_months / cpu,
    }


def _spawn(model: str, scale: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", model, "--scale", repr(scale)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"benchmark child failed: {model} at scale {scale}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def starting_firms_at_scale_1() -> int:
    from helix.scenario.load import load_scenario
    from helix.world.simulation import prepare

    _, world, _ = prepare(load_scenario(None, scale=1.0, until=UNTIL))
    return int(world.firms.n)


def machine() -> str:
    return describe("numpy", "mesa")


def _median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def run(targets: tuple[int, ...], repeats: int, mesa_large: bool) -> None:
    print(machine(), flush=True)
    base = starting_firms_at_scale_1()
    print(
        f"starting firms at scale 1: {base:,}; {START} to {UNTIL}; {repeats} repeat(s)\n",
        flush=True,
    )
    lines = [
        "| starting firms | firms after 12 months (helix) | (Mesa) | firm-months per CPU-s (helix)"
        " | (Mesa) | helix / Mesa | CPU s (helix, Mesa) | wall s (helix, Mesa) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for target in targets:
        scale = round(target / base, 5)
        with_mesa = mesa_large or target < LARGE
        helix: list[dict[str, float]] = []
        port: list[dict[str, float]] = []
        for i in range(repeats):
            # Alternate who goes first, so a change in the machine's load hits both alike.
            order = ("helix", "mesa") if i % 2 == 0 else ("mesa", "helix")
            for model in order:
                if model == "helix":
                    helix.append(_spawn("helix", scale))
                elif with_mesa:
                    port.append(_spawn("mesa", scale))
            print(f"  scale {scale}: repeat {i + 1}/{repeats} done", file=sys.stderr, flush=True)
        h_rate = _median(helix, "per_cpu_s")
        if port:
            ratios = [h["per_cpu_s"] / m["per_cpu_s"] for h, m in zip(helix, port, strict=True)]
            m_final = f"{int(_median(port, 'final_firms')):,}"
            m_rate = _fmt_rate(_median(port, "per_cpu_s"))
            r = statistics.median(ratios)
            ratio = f"**{r:.1f}×**" if r < 10 else f"**{r:.0f}×**"
            m_cpu = f"{_median(port, 'cpu_s'):.2f}"
            m_wall = f"{_median(port, 'wall_s'):.2f}"
        else:
            m_final = m_rate = ratio = m_cpu = m_wall = "—"
        lines.append(
            f"| {int(helix[0]['start_firms']):,} | {int(_median(helix, 'final_firms')):,} "
            f"| {m_final} | {_fmt_rate(h_rate)} | {m_rate} | {ratio} "
            f"| {_median(helix, 'cpu_s'):.2f}, {m_cpu} | {_median(helix, 'wall_s'):.2f}, {m_wall} |"
        )
    print("\n".join(lines), flush=True)
    print(
        "\nMedians over repeats; the ratio is the median of the per-repeat ratios of firm-months"
        " per CPU-second. Command: " + " ".join(["python", *sys.argv])
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3, help="alternating runs of each (default 3)")
    ap.add_argument("--quick", action="store_true", help="10^3 and 10^4 firms, one repeat")
    ap.add_argument(
        "--no-mesa-large",
        action="store_true",
        help=f"at {LARGE:,} firms and above run helix alone (the Mesa port takes a minute or so)",
    )
    ap.add_argument(
        "--target", type=int, action="append", help="starting firms (repeatable; default 10^3-10^5)"
    )
    ap.add_argument("--child", choices=("helix", "mesa"), help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        child = _child_helix if args.child == "helix" else _child_mesa
        print(json.dumps(child(args.scale)))
        return
    targets = tuple(args.target) if args.target else QUICK_TARGETS if args.quick else TARGETS
    repeats = 1 if args.quick else args.repeats
    run(targets, repeats, mesa_large=not args.no_mesa_large)


if __name__ == "__main__":
    main()
