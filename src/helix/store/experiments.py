"""Experiments in the store: their designs, the outcomes of their runs and their summaries.

Writers and readers of the ``experiments``, ``experiment_points``, ``experiment_outcomes`` and
``experiment_summaries`` tables (the schema is in :mod:`helix.store.runs`), and the queries of
an experiment's ``runs`` rows. Only the coordinating process writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from helix.store.runs import Store, helix_version, now


@dataclass(frozen=True)
class OutcomeValue:
    """One outcome of one run (a row of ``experiment_outcomes``, less the experiment id)."""

    run_id: str
    variant: str
    replicate: int
    sweep_point: int
    outcome: str
    value: float


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary (the ``experiment_summaries`` table, less the experiment id)."""

    variant: str
    outcome: str
    statistic: str
    parameter: str | None
    value: float | None
    low: float | None
    high: float | None
    n: int
    failed: int


@dataclass(frozen=True)
class PointValue:
    """A swept parameter's value at one sweep point (a row of ``experiment_points``)."""

    sweep_point: int
    name: str
    key: str
    value: float


@dataclass(frozen=True)
class FinishedRun:
    """A run of an experiment that is done, with its place in the design."""

    run_id: str
    variant: str
    replicate: int
    sweep_point: int


# ----------------------------------------------------------------------------- writers


def register_experiment(
    store: Store,
    *,
    experiment_id: str,
    name: str,
    file: str,
    text: str,
    resolved: dict[str, Any],
    total: int,
    points: Sequence[PointValue],
) -> None:
    """Record an experiment (its file and resolved content) and its sweep points."""
    con = store.con
    stamp = now()
    with store.transaction():
        con.execute(
            "INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id)"
            " DO UPDATE SET name = excluded.name, file = excluded.file,"
            " file_text = excluded.file_text, updated = excluded.updated",
            [
                experiment_id,
                name,
                file,
                text,
                json.dumps(resolved, default=str),
                total,
                helix_version(),
                stamp,
                stamp,
            ],
        )
        con.execute("DELETE FROM experiment_points WHERE experiment_id = ?", [experiment_id])
        rows = [[experiment_id, p.sweep_point, p.name, p.key, float(p.value)] for p in points]
        if rows:
            con.executemany("INSERT INTO experiment_points VALUES (?, ?, ?, ?, ?)", rows)


_DOUBLES = frozenset({"value", "low", "high"})
_INTEGERS = frozenset({"replicate", "sweep_point", "n", "failed"})


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list[Any]]) -> None:
    """Insert columns (names as in the table) in one statement; NaN and None become NULL."""
    frame = {  # noqa: F841 - read by DuckDB's replacement scan below
        k: np.array([np.nan if x is None else x for x in v], dtype=float)
        if k in _DOUBLES
        else np.array(v, dtype=object if k not in _INTEGERS else np.int64)
        for k, v in columns.items()
    }
    select = ", ".join(
        f"CASE WHEN isnan({k}) THEN NULL ELSE {k} END AS {k}"
        if k in _DOUBLES
        else (f"CAST({k} AS VARCHAR) AS {k}" if k not in _INTEGERS else k)
        for k in columns
    )
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM frame")


def _outcome_columns(experiment_id: str, values: Sequence[OutcomeValue]) -> dict[str, list[Any]]:
    return {
        "experiment_id": [experiment_id] * len(values),
        "run_id": [v.run_id for v in values],
        "variant": [v.variant for v in values],
        "replicate": [v.replicate for v in values],
        "sweep_point": [v.sweep_point for v in values],
        "outcome": [v.outcome for v in values],
        "value": [v.value for v in values],
    }


def write_run_outcomes(store: Store, experiment_id: str, values: Sequence[OutcomeValue]) -> None:
    """Replace the outcome rows of the runs in ``values`` (one transaction)."""
    with store.transaction() as con:
        for run_id in sorted({v.run_id for v in values}):
            con.execute(
                "DELETE FROM experiment_outcomes WHERE experiment_id = ? AND run_id = ?",
                [experiment_id, run_id],
            )
        if values:
            _insert(con, "experiment_outcomes", _outcome_columns(experiment_id, values))


_SUMMARY_COLUMNS = (
    "variant",
    "outcome",
    "statistic",
    "parameter",
    "value",
    "low",
    "high",
    "n",
    "failed",
)


def replace_summary(
    store: Store,
    experiment_id: str,
    values: Sequence[OutcomeValue],
    rows: Sequence[SummaryRow],
) -> None:
    """Replace the experiment's rows in ``experiment_outcomes`` and ``experiment_summaries``."""
    with store.transaction() as con:
        con.execute("DELETE FROM experiment_outcomes WHERE experiment_id = ?", [experiment_id])
        con.execute("DELETE FROM experiment_summaries WHERE experiment_id = ?", [experiment_id])
        if values:
            _insert(con, "experiment_outcomes", _outcome_columns(experiment_id, values))
        if rows:
            _insert(
                con,
                "experiment_summaries",
                {
                    "experiment_id": [experiment_id] * len(rows),
                    **{k: [getattr(r, k) for r in rows] for k in _SUMMARY_COLUMNS},
                },
            )


# ----------------------------------------------------------------------------- readers


def has_runs(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database has a ``runs`` table (a store at all)."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
    ).fetchone()
    return bool(row and row[0])


def run_statuses(con: duckdb.DuckDBPyConnection, experiment_id: str) -> dict[str, str]:
    """run_id -> status of the experiment's recorded runs."""
    rows = con.execute(
        "SELECT run_id, status FROM runs WHERE experiment_id = ?", [experiment_id]
    ).fetchall()
    return {str(r): str(s) for r, s in rows}


def _kept(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> dict[str, Any]:
    # A store written before experiments kept less has no column: its runs kept everything. A
    # store opened read-only is not given the column, so ask before reading it.
    row = con.execute(
        "SELECT count(*) FROM information_schema.columns"
        " WHERE table_name = 'runs' AND column_name = 'kept'"
    ).fetchone()
    column = "kept" if row and row[0] else "NULL"
    rows = con.execute(
        f"SELECT run_id, {column} FROM runs WHERE status = 'done' AND {where}", params
    ).fetchall()
    return {str(r): (json.loads(k) if isinstance(k, str) else k) for r, k in rows}


def kept_by_run(
    con: duckdb.DuckDBPyConnection, experiment_id: str
) -> dict[str, dict[str, Any] | None]:
    """run_id -> what each finished run of the experiment kept of its indicators
    (``runs.kept``; None: every indicator)."""
    return _kept(con, "experiment_id = ?", [experiment_id])


def kept_of_runs(
    con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]
) -> dict[str, dict[str, Any] | None]:
    """run_id -> what each of these finished runs kept (``runs.kept``; None: everything)."""
    return _kept(con, "list_contains(?, run_id)", [list(run_ids)])


def finished_runs(con: duckdb.DuckDBPyConnection, experiment_id: str) -> list[FinishedRun]:
    """The experiment's finished runs, by variant, sweep point and replicate."""
    rows = con.execute(
        "SELECT run_id, variant, replicate, sweep_point FROM runs"
        " WHERE experiment_id = ? AND status = 'done' ORDER BY variant, sweep_point, replicate",
        [experiment_id],
    ).fetchall()
    # A run outside a sweep has no sweep point (NULL), as has a replicate in old stores: 0.
    return [FinishedRun(str(r), str(v), int(rep or 0), int(p or 0)) for r, v, rep, p in rows]


def failed_by_variant(con: duckdb.DuckDBPyConnection, experiment_id: str) -> dict[str, int]:
    """Failed runs per variant."""
    rows = con.execute(
        "SELECT variant, count(*) FROM runs WHERE experiment_id = ? AND status = 'failed'"
        " GROUP BY variant",
        [experiment_id],
    ).fetchall()
    return {str(v): int(n) for v, n in rows}


def outcome_values(con: duckdb.DuckDBPyConnection, experiment_id: str) -> list[OutcomeValue]:
    """The stored outcome of every run of the experiment (NULL read back as NaN)."""
    rows = con.execute(
        "SELECT run_id, variant, replicate, sweep_point, outcome, value FROM experiment_outcomes"
        " WHERE experiment_id = ? ORDER BY variant, sweep_point, replicate, outcome",
        [experiment_id],
    ).fetchall()
    return [
        OutcomeValue(
            str(r), str(v), int(rep), int(p), str(o), float("nan") if x is None else float(x)
        )
        for r, v, rep, p, o, x in rows
    ]


def summary_rows(con: duckdb.DuckDBPyConnection, experiment_id: str) -> list[SummaryRow]:
    """The experiment's stored summary, in the order it was written."""
    rows = con.execute(
        f"SELECT {', '.join(_SUMMARY_COLUMNS)} FROM experiment_summaries"
        " WHERE experiment_id = ? ORDER BY rowid",
        [experiment_id],
    ).fetchall()
    return [SummaryRow(*row) for row in rows]


def experiment_row(con: duckdb.DuckDBPyConnection, experiment_id: str) -> dict[str, Any] | None:
    """The experiment's ``experiments`` row (``resolved_json`` parsed), or None."""
    cur = con.execute("SELECT * FROM experiments WHERE experiment_id = ?", [experiment_id])
    row = cur.fetchone()
    if row is None:
        return None
    out = dict(zip([d[0] for d in cur.description], row, strict=True))
    if isinstance(out.get("resolved_json"), str):
        out["resolved_json"] = json.loads(out["resolved_json"])
    return out
