"""Readers for the dashboard: what the store holds, and an experiment's series per replicate.

Read-only; every value comes back as plain rows (dates as ISO text), so the dashboard does its
statistics without SQL of its own.
"""

from __future__ import annotations

from typing import Any

import duckdb


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = con.execute(sql, params)
    names = [d[0] for d in result.description]
    return [
        {
            k: (v.isoformat(sep=" ", timespec="seconds") if hasattr(v, "isoformat") else v)
            for k, v in zip(names, row, strict=True)
        }
        for row in result.fetchall()
    ]


def listing(con: duckdb.DuckDBPyConnection, limit: int) -> dict[str, list[dict[str, Any]]]:
    """The newest ``limit`` runs, experiments (with their done and failed runs) and
    calibrations, newest first; a table the store does not have yet is an empty list."""
    have = _tables(con)
    out: dict[str, list[dict[str, Any]]] = {"runs": [], "experiments": [], "calibrations": []}
    if "runs" in have:
        out["runs"] = _records(
            con,
            "SELECT run_id, scenario_name, seed, status, finished, experiment_id, variant "
            "FROM runs ORDER BY started DESC LIMIT ?",
            [limit],
        )
    if "experiments" in have:
        out["experiments"] = _records(
            con,
            "SELECT e.experiment_id, e.name, e.total_runs, e.updated, "
            "count(r.run_id) FILTER (WHERE r.status = 'done') AS done, "
            "count(r.run_id) FILTER (WHERE r.status = 'failed') AS failed "
            "FROM experiments e LEFT JOIN runs r USING (experiment_id) "
            "GROUP BY ALL ORDER BY e.updated DESC LIMIT ?",
            [limit],
        )
    if "calibrations" in have:
        out["calibrations"] = _records(
            con,
            "SELECT calibration_id, created, scenario_name, trials, best_loss "
            "FROM calibrations ORDER BY created DESC LIMIT ?",
            [limit],
        )
    return out


def summary_records(con: duckdb.DuckDBPyConnection, experiment_id: str) -> list[dict[str, Any]]:
    """The experiment's per-variant summary rows (no sensitivity indices), as dicts."""
    return _records(
        con,
        "SELECT variant, outcome, statistic, value, low, high, n, failed "
        "FROM experiment_summaries WHERE experiment_id = ? AND parameter IS NULL "
        "ORDER BY outcome, variant, statistic",
        [experiment_id],
    )


def variant_series(
    con: duckdb.DuckDBPyConnection,
    experiment_id: str,
    indicator: str,
    city: str,
    *,
    intensive: bool,
    sector: str | None = None,
    district: str | None = None,
) -> list[tuple[str, int, str, float]]:
    """(variant, replicate, month, value) of one indicator at one city for every finished run
    of the experiment: cells summed within a month, averaged if ``intensive``."""
    agg = "avg" if intensive else "sum"
    where, params = "", [experiment_id, indicator, city]
    for column, value in (("sector", sector), ("district", district)):
        if value:
            where += f" AND i.{column} = ?"
            params.append(value)
    return con.execute(
        f"SELECT r.variant, r.replicate, i.date, {agg}(i.value) FROM indicators i "
        "JOIN runs r USING (run_id) WHERE r.experiment_id = ? AND r.status = 'done' "
        f"AND i.indicator = ? AND i.city = ?{where} GROUP BY ALL ORDER BY i.date",
        params,
    ).fetchall()


def city_series(
    con: duckdb.DuckDBPyConnection, experiment_id: str, city: str
) -> list[tuple[str, str, int, str, float, float]]:
    """(indicator, variant, replicate, month, sum, mean) of every indicator at one city for
    every finished run of the experiment."""
    return con.execute(
        "SELECT i.indicator, r.variant, r.replicate, i.date, sum(i.value), avg(i.value) "
        "FROM indicators i JOIN runs r USING (run_id) WHERE r.experiment_id = ? "
        "AND r.status = 'done' AND i.city = ? GROUP BY ALL",
        [experiment_id, city],
    ).fetchall()
