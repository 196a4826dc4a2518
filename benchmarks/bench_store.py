"""Time ``Store.write_run`` for the default run's tables.

    .venv/bin/python benchmarks/bench_store.py save /tmp/result.pkl      # simulate once, keep it
    .venv/bin/python benchmarks/bench_store.py time /tmp/result.pkl /tmp/a.duckdb [--strings]

``--strings`` passes the string columns as NumPy string arrays (the only form before the coded
columns). With ``PYTHONPATH`` set to an older ``src/`` the same command times the old store.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from datetime import datetime

from helix.scenario.load import load_scenario, scenario_to_dict
from helix.store import Store
from helix.world.simulation import simulate


def main(argv: list[str]) -> None:
    if argv[0] == "save":
        with open(argv[1], "wb") as fh:
            pickle.dump(simulate(load_scenario()), fh, protocol=5)
        return
    with open(argv[1], "rb") as fh:
        r = pickle.load(fh)
    db = argv[2]
    if os.path.exists(db):
        os.remove(db)
    kw = {} if "--strings" in argv else {"coded": True}
    with Store(db) as s:
        wall, cpu = time.perf_counter(), time.process_time()
        s.write_run(
            "r1",
            scenario_name=r.scenario.name,
            scenario_json=scenario_to_dict(r.scenario),
            seed=r.seed,
            started=datetime(2020, 1, 1),
            indicators=r.observations.long_form(**kw),
            events=r.event_table(**kw),
            snapshots=r.snapshot_table(**kw),
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"write_run (tables included): wall {wall:.2f} s, CPU {cpu:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
