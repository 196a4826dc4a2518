"""Where the default world's start-ups come from, and how each kind fares (docs/model.md §7.16).

Runs the shipped world (to 2035, scale 1 unless told) into a DuckDB store and answers from it,
with the queries docs/model.md shows: founders by origin, researchers' spin-offs by institution
and sector, five-year survival and size by origin, and Shanghai's new unicorns a year split into
firms present at the start and startups founded during the run (docs/calibration.md, "The fit").

usage: .venv/bin/python scripts/firm_origins.py [--seed 1] [--scale 1] [--db origins.duckdb]
       [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from helix.runner import run_and_store
from helix.scenario.load import load_scenario
from helix.store import Store

BY_ORIGIN = """
SELECT origin, count(*) AS founded FROM firm_events
WHERE run_id = ? AND event = 'founded' GROUP BY origin ORDER BY founded DESC
"""

SPINOFFS = """
SELECT institution, sector, count(*) AS spinoffs FROM firm_events
WHERE run_id = ? AND event = 'founded' AND origin = 'spin-off'
GROUP BY institution, sector ORDER BY spinoffs DESC
"""

# Firms founded at least five years before the end of the run: the share that failed within
# five years, the share acquired, and the median headcount of the survivors in the December
# closest to their fifth birthday.
FIVE_YEARS = """
WITH born AS (
    SELECT firm_id, origin, min(date) AS born FROM firm_events
    WHERE run_id = ? AND event = 'founded' GROUP BY firm_id, origin
), cohort AS (
    SELECT * FROM born WHERE born <= (SELECT max(date) FROM firm_events WHERE run_id = ?)
        AND CAST(substr(born, 1, 4) AS INTEGER) + 5
            <= (SELECT max(CAST(substr(date, 1, 4) AS INTEGER)) FROM firm_snapshots
                WHERE run_id = ?)
), ends AS (
    SELECT firm_id, min(date) AS ended, arg_min(event, date) AS how FROM firm_events
    WHERE run_id = ? AND event IN ('failed', 'acquired') GROUP BY firm_id
), fifth AS (
    SELECT s.firm_id, s.employees FROM firm_snapshots s JOIN cohort c USING (firm_id)
    WHERE s.run_id = ?
      AND CAST(substr(s.date, 1, 4) AS INTEGER) = CAST(substr(c.born, 1, 4) AS INTEGER) + 5
)
SELECT c.origin, count(*) AS firms,
    avg(CASE WHEN e.how = 'failed' AND CAST(substr(e.ended, 1, 4) AS INTEGER)
        <= CAST(substr(c.born, 1, 4) AS INTEGER) + 5 THEN 1 ELSE 0 END) AS failed_5y,
    avg(CASE WHEN e.how = 'acquired' AND CAST(substr(e.ended, 1, 4) AS INTEGER)
        <= CAST(substr(c.born, 1, 4) AS INTEGER) + 5 THEN 1 ELSE 0 END) AS acquired_5y,
    median(f.employees) AS median_employees_5y
FROM cohort c LEFT JOIN ends e USING (firm_id) LEFT JOIN fifth f USING (firm_id)
GROUP BY c.origin ORDER BY firms DESC
"""

# Firms valued at $1B or more for the first time, per year, in Shanghai: how many were
# founded during the run (the others were in the world at its start).
UNICORNS = """
WITH founded AS (
    SELECT DISTINCT firm_id FROM firm_events WHERE run_id = ? AND event = 'founded'
)
SELECT CAST(substr(e.date, 1, 4) AS INTEGER) AS year, count(*) AS new_unicorns,
    count(f.firm_id) AS founded_in_run
FROM firm_events e LEFT JOIN founded f USING (firm_id)
WHERE e.run_id = ? AND e.event = 'unicorn' AND e.city = 'Shanghai'
GROUP BY year ORDER BY year
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--set", action="append", default=[], help="override, as helix run --set")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db or Path(tmp) / "origins.duckdb"
        scenario = load_scenario(overrides=a.set, seed=a.seed, scale=a.scale)
        with Store(db) as store:
            run = run_and_store(scenario, store)
            con = store.con
            for title, sql, args in (
                ("founded by origin", BY_ORIGIN, [run.run_id]),
                ("researchers' spin-offs by institution", SPINOFFS, [run.run_id]),
                ("five years on, by origin", FIVE_YEARS, [run.run_id] * 5),
                ("Shanghai's new unicorns a year", UNICORNS, [run.run_id] * 2),
            ):
                result = con.execute(sql, args)
                names = [d[0] for d in result.description]
                print(f"\n{title} (seed {a.seed}, scale {a.scale:g})")
                print(" | ".join(names))
                for row in result.fetchall():
                    print(" | ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in row))


if __name__ == "__main__":
    main()
