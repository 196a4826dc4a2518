"""What a report reads from the store: every SQL statement of :mod:`helix.report`, by subject.

Readers return plain values (tuples, dicts, NumPy columns), never figures: the report decides
what to draw, this module only how to read it. A store written before experiments or
calibrations existed lacks their tables; the readers of those then return nothing rather than
fail, so such a store still gives a report of its runs.

Subjects, in the order of the tables in :data:`helix.store.runs.SCHEMA`:

- runs: :func:`has_runs`, :func:`run_row`, :func:`runs_of_experiment` (the latest run is
  :meth:`helix.store.Store.latest_run`);
- indicators: :func:`indicator_cells` (one indicator as a runs x labels x months cube),
  :func:`indicator_cities`, :func:`last_month_number`;
- firm microdata: :func:`snapshot_sizes`, :func:`annual_growth`, :func:`firm_lifetimes`;
- experiments: :func:`latest_experiment`, :func:`experiment_row`, :func:`experiment_summary`,
  :func:`experiment_sensitivity`;
- calibrations: :func:`latest_calibration`, :func:`calibration_row`, :func:`calibration_fit`,
  :func:`calibration_parameters`, :func:`calibration_profiles`;
- discoveries: :func:`latest_discovery`, :func:`discovery_row`, :func:`discovery_boxes`,
  :func:`discovery_limits`, :func:`discovery_parameters`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import duckdb
import numpy as np

By = Literal["city", "district", "sector"]
"""The column that labels the second axis of an indicator cube."""

RUN_COLUMNS = (
    "run_id, scenario_name, scenario_json, seed, helix_version, finished, variant, experiment_id"
)
"""The columns of ``runs`` a report reads, in the order of :func:`run_row`'s tuple."""

MONTH_NUMBER = "(CAST(substr(date, 1, 4) AS INTEGER) * 12 + CAST(substr(date, 6, 2) AS INTEGER))"
"""A ``YYYY-MM`` date as a count of months, so that durations are differences."""


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables and views in the store's main schema."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _where_id(
    con: duckdb.DuckDBPyConnection, table: str, key: str, ident: str, order: str = ""
) -> list[dict[str, Any]]:
    """Every row of ``table`` whose ``key`` is ``ident`` (none if the store lacks the table)."""
    if table not in table_names(con):
        return []
    return _dicts(con.execute(f'SELECT * FROM "{table}" WHERE "{key}" = ?{order}', [ident]))


def _latest(con: duckdb.DuckDBPyConnection, table: str, key: str) -> str | None:
    if table not in table_names(con):
        return None
    row = con.execute(f'SELECT "{key}" FROM "{table}" ORDER BY created DESC LIMIT 1').fetchone()
    return None if row is None else str(row[0])


# ---------------------------------------------------------------------------------------- runs


def has_runs(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has a ``runs`` table at all (an empty file has none)."""
    return "runs" in table_names(con)


def run_row(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[Any, ...] | None:
    """The :data:`RUN_COLUMNS` of one run followed by its status, or None if it is absent."""
    return con.execute(
        f"SELECT {RUN_COLUMNS}, status FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()


def runs_of_experiment(con: duckdb.DuckDBPyConnection, ident: str) -> list[tuple[Any, ...]]:
    """The :data:`RUN_COLUMNS` of the finished runs of an experiment (or calibration), by
    variant, replicate and sweep point."""
    return con.execute(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE experiment_id = ? AND status = 'done'"
        " ORDER BY variant NULLS FIRST, replicate NULLS FIRST, sweep_point NULLS FIRST, finished",
        [ident],
    ).fetchall()


# ---------------------------------------------------------------------------------- indicators


def indicator_cells(
    con: duckdb.DuckDBPyConnection,
    run_ids: Sequence[str],
    indicator: str,
    by: By,
    *,
    mean: bool,
    city: str | None = None,
    sector: str | None = None,
) -> dict[str, np.ndarray]:
    """One indicator's values per run, label (``by``) and month, as NumPy columns ``run_id``,
    ``label``, ``date`` and ``value``.

    Args:
        mean: Average the cells that share a label and month (intensive indicators: shares,
            rents, wages) instead of summing them.
        city: Keep only this city.
        sector: Keep only this sector.
    """
    if by not in ("city", "district", "sector"):
        raise ValueError(f"an indicator cube is labelled by city, district or sector, not {by!r}")
    where = ["run_id IN (SELECT unnest(?))", "indicator = ?", f"{by} IS NOT NULL"]
    params: list[Any] = [list(run_ids), indicator]
    if city is not None:
        where.append("city = ?")
        params.append(city)
    if sector is not None:
        where.append("sector = ?")
        params.append(sector)
    sql = (
        f"SELECT run_id, {by} AS label, date, {'AVG' if mean else 'SUM'}(value) AS value"
        f" FROM indicators WHERE {' AND '.join(where)} GROUP BY run_id, label, date"
    )
    return con.execute(sql, params).fetchnumpy()


def indicator_cities(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """The cities a run observed, alphabetically (for a run whose scenario names none)."""
    rows = con.execute(
        "SELECT DISTINCT city FROM indicators WHERE run_id = ? AND city IS NOT NULL ORDER BY city",
        [run_id],
    ).fetchall()
    return [str(r[0]) for r in rows]


def last_month_number(con: duckdb.DuckDBPyConnection, run_id: str) -> int | None:
    """The last month a run observed, as a :data:`MONTH_NUMBER`."""
    row = con.execute(
        f"SELECT max({MONTH_NUMBER}) FROM indicators WHERE run_id = ?", [run_id]
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


# ------------------------------------------------------------------------------ firm microdata


def snapshot_sizes(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]) -> dict[str, np.ndarray]:
    """``date`` and ``employees`` of every living firm with staff in the first and the last of
    the runs' yearly snapshots (the two the size distribution draws)."""
    return con.execute(
        "WITH staffed AS (SELECT date, employees FROM firm_snapshots"
        " WHERE run_id IN (SELECT unnest(?)) AND employees > 0)"
        " SELECT date, employees FROM staffed"
        " WHERE date = (SELECT min(date) FROM staffed) OR date = (SELECT max(date) FROM staffed)",
        [list(run_ids)],
    ).fetchnumpy()


def annual_growth(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]) -> np.ndarray:
    """Log growth of employees of each firm from one snapshot to the next year's, in the order
    of run id, firm and year (the fit must not depend on the order a query returns rows in).

    The snapshots are paired in NumPy, after one sort: a self-join in DuckDB took four times as
    long for the default run.
    """
    ids = sorted(run_ids)
    rows = con.execute(
        "SELECT list_position($1, run_id) AS run, firm_id,"
        " CAST(substr(date, 1, 4) AS INTEGER) AS year, employees FROM firm_snapshots"
        " WHERE run_id IN (SELECT unnest($1)) AND employees > 0",
        [ids],
    ).fetchnumpy()
    run, firm, year = (np.asarray(rows[k]) for k in ("run", "firm_id", "year"))
    order = np.lexsort((year, firm, run))
    run, firm, year = run[order], firm[order], year[order]
    staff = np.asarray(rows["employees"], dtype=float)[order]
    paired = (run[1:] == run[:-1]) & (firm[1:] == firm[:-1]) & (year[1:] == year[:-1] + 1)
    return np.log(staff[1:][paired] / staff[:-1][paired])


def firm_lifetimes(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, np.ndarray]:
    """Each firm founded in a run: ``born`` and ``ended`` (:data:`MONTH_NUMBER`; ``ended`` is
    missing for a firm still alive), ``failed`` (its end was a failure, not an acquisition) and
    ``origin`` (how it came to be; NULL in runs stored before origins were recorded).
    """
    return con.execute(
        f"WITH born AS (SELECT firm_id, min({MONTH_NUMBER}) AS born, any_value(origin) AS origin"
        " FROM firm_events WHERE run_id = ? AND event = 'founded' GROUP BY firm_id),"
        f" ended AS (SELECT firm_id, min({MONTH_NUMBER}) AS ended,"
        f" arg_min(event, {MONTH_NUMBER}) AS how FROM firm_events"
        " WHERE run_id = ? AND event IN ('failed', 'acquired') GROUP BY firm_id)"
        " SELECT born, ended, how = 'failed' AS failed, origin"
        " FROM born LEFT JOIN ended USING (firm_id) ORDER BY firm_id",
        [run_id, run_id],
    ).fetchnumpy()


# --------------------------------------------------------------------------------- experiments


def latest_experiment(con: duckdb.DuckDBPyConnection) -> str | None:
    """Id of the experiment registered last, or None."""
    return _latest(con, "experiments", "experiment_id")


def experiment_row(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any]:
    """An experiment's ``experiments`` row (empty if it has none)."""
    rows = _where_id(con, "experiments", "experiment_id", ident)
    return rows[0] if rows else {}


def experiment_summary(
    con: duckdb.DuckDBPyConnection, ident: str, statistic: str
) -> list[dict[str, Any]]:
    """Rows of ``experiment_summaries`` of one statistic: ``mean`` (with the 90% band in
    ``low``/``high``) or ``difference`` (from the baseline, with its confidence interval)."""
    if "experiment_summaries" not in table_names(con):
        return []
    return _dicts(
        con.execute(
            "SELECT * FROM experiment_summaries WHERE experiment_id = ? AND statistic = ?",
            [ident, statistic],
        )
    )


def experiment_sensitivity(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Sensitivity indices of an experiment: ``variant, outcome, parameter, index, value,
    conf`` (the ``experiment_sensitivity`` view)."""
    return _where_id(con, "experiment_sensitivity", "experiment_id", ident)


# -------------------------------------------------------------------------------- calibrations


def latest_calibration(con: duckdb.DuckDBPyConnection) -> str | None:
    """Id of the calibration stored last, or None."""
    return _latest(con, "calibrations", "calibration_id")


def calibration_row(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any]:
    """A calibration's ``calibrations`` row (empty if it has none)."""
    rows = _where_id(con, "calibrations", "calibration_id", ident)
    return rows[0] if rows else {}


def calibration_fit(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """The fit of a calibration per target (``calibration_fit``), as stored."""
    return _where_id(con, "calibration_fit", "calibration_id", ident)


def calibration_parameters(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Bounds, best value and identifiability of each free parameter (``calibration_parameters``)."""
    return _where_id(con, "calibration_parameters", "calibration_id", ident)


def calibration_profiles(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """``parameter, value, loss`` along each parameter's profile, in order of value."""
    if "calibration_profiles" not in table_names(con):
        return []
    return _dicts(
        con.execute(
            "SELECT parameter, value, loss FROM calibration_profiles WHERE calibration_id = ?"
            " ORDER BY parameter, value",
            [ident],
        )
    )


# --------------------------------------------------------------------------------- discoveries


def latest_discovery(con: duckdb.DuckDBPyConnection) -> str | None:
    """Id of the discovery made last, or None."""
    return _latest(con, "discoveries", "discovery_id")


def discovery_row(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any]:
    """A discovery's ``discoveries`` row (empty if it has none)."""
    rows = _where_id(con, "discoveries", "discovery_id", ident)
    return rows[0] if rows else {}


def discovery_boxes(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Each box of a discovery's peeling trajectory, in order (``discovery_boxes``)."""
    return _where_id(con, "discovery_boxes", "discovery_id", ident, " ORDER BY box")


def discovery_limits(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Every box's limits on every parameter, by box (``discovery_limits``)."""
    return _where_id(con, "discovery_limits", "discovery_id", ident, " ORDER BY box, rowid")


def discovery_parameters(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Each swept parameter's range and feature score (``discovery_parameters``)."""
    return _where_id(con, "discovery_parameters", "discovery_id", ident, " ORDER BY rowid")
