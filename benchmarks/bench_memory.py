"""Where a month's memory goes: the firm state held, and each mechanism's peak of temporaries.

Usage (from the repository root, with the project's virtual environment)::

    .venv/bin/python benchmarks/bench_memory.py                # 10^6 starting firms, 2 months
    .venv/bin/python benchmarks/bench_memory.py --scale 2.299 --months 3

``tracemalloc`` sees NumPy's allocations, so the figures are bytes of arrays per starting firm:
what the world holds after it is built and after each month (the firm table at its capacity,
the flows, the kernels' caches, plus the fixed cost of the imports, small at 10^6 firms), and
for each mechanism the most it allocated above that while it ran (its temporaries). The peak of
a month is the held memory plus the largest of these. Peak RSS per firm, as the issue counts it,
is in ``bench_scaling.py``'s ``peak MiB`` column (one subprocess per scale).
"""

from __future__ import annotations

import argparse
import collections
import tracemalloc

from helix.scenario.load import load_scenario
from helix.world.schedule import MonthContext, Schedule
from helix.world.simulation import Observations, prepare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=22.99, help="agent scale (22.99: 10^6 firms)")
    ap.add_argument("--months", type=int, default=2, help="simulated months")
    a = ap.parse_args()

    scenario = load_scenario(None, scale=a.scale, until="2020-12")
    tracemalloc.start()
    setting, world, rng = prepare(scenario)
    world.record_events = True
    held, build_peak = tracemalloc.get_traced_memory()
    n = world.firms.n
    print(f"{n:,} starting firms; firm table capacity {len(world.firms.id):,} rows")
    print(f"held after building: {held / n:.0f} B/firm (peak while building {build_peak / n:.0f})")
    schedule = Schedule(setting, world)
    observed = Observations.empty(setting)
    worst: dict[str, float] = collections.defaultdict(float)
    for step in range(a.months):
        world.step = step
        world.flows = world.flows.next_month()
        month = MonthContext(setting, world, rng, schedule)
        for mechanism in schedule.mechanisms:
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            mechanism.run(month)
            worst[mechanism.name] = max(
                worst[mechanism.name], tracemalloc.get_traced_memory()[1] - before
            )
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        observed.observe(setting, world)
        worst["(observe)"] = max(worst["(observe)"], tracemalloc.get_traced_memory()[1] - before)
        del month  # what the month's context cached goes with it, as in Schedule.step
        held, _ = tracemalloc.get_traced_memory()
        print(f"held after month {step + 1}: {held / n:.0f} B/firm")
    print("peak of temporaries above the held memory, B per starting firm:")
    for name, size in sorted(worst.items(), key=lambda kv: -kv[1]):
        if size / n >= 1:
            print(f"  {name:14s} {size / n:6.0f}")


if __name__ == "__main__":
    main()
