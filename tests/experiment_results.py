"""Reading an experiment's results back from a store, for comparisons between executors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def fingerprints(db: Path, experiment_id: str) -> dict[tuple[str, int, int], tuple[int, int]]:
    """(variant, replicate, sweep point) -> (indicator rows, an exact hash of them) per run."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT r.variant, r.replicate, r.sweep_point, count(*),"
            " sum(hash(i.date, i.city, i.district, i.sector, i.indicator, i.value))"
            " FROM runs r JOIN indicators i ON i.run_id = r.run_id"
            " WHERE r.experiment_id = ? AND r.status = 'done'"
            " GROUP BY ALL",
            [experiment_id],
        ).fetchall()
    return {(v, int(rep), int(p)): (int(n), int(h)) for v, rep, p, n, h in rows}


def summary_rows(db: Path, experiment_id: str) -> list[tuple[Any, ...]]:
    """The stored summary of an experiment, in a stable order."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT variant, outcome, statistic, parameter, value, low, high, n, failed"
            " FROM experiment_summaries WHERE experiment_id = ?"
            " ORDER BY variant, outcome, statistic, parameter",
            [experiment_id],
        ).fetchall()
