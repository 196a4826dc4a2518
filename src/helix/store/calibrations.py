"""Calibrations in the store: the best candidate of a study and how well it fits.

Writers and readers of ``calibrations``, ``calibration_fit``, ``calibration_parameters``,
``calibration_correlations``, ``calibration_profiles`` and ``calibration_facts`` (the schema is in
:mod:`helix.store.runs`). Rows come in as plain dicts and lists, so the store needs nothing
of :mod:`helix.experiments`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from helix.store.runs import Store, helix_version, now

FIT_COLUMNS = (
    "target",
    "indicator",
    "statistic",
    "comparison",
    "simulated_mean",
    "simulated_sd",
    "simulated_first_mean",
    "report",
    "tolerance",
    "within",
    "seeds_within",
    "seeds",
    "loss",
    "source",
)
PARAMETER_COLUMNS = (
    "parameter",
    "low",
    "high",
    "log_scale",
    "start_value",
    "best",
    "top_mean",
    "top_sd",
    "top_q10",
    "top_q90",
    "top_width",
    "profile_low",
    "profile_high",
    "profile_width",
    "importance",
    "verdict",
)

SCREEN_COLUMNS = ("rank", "trial", "loss", "passed", "facts", "failed", "error", "chosen")


@dataclass(frozen=True)
class StoredCalibration:
    """The ``calibrations`` row of one calibration (its creation time and version are added)."""

    calibration_id: str
    scenario_name: str
    study_name: str
    study_file: str
    trials: int
    seeds: list[int]
    fit_seeds: list[int]
    scale: float
    until: str
    best_trial: int
    best_loss: float
    fit_loss: float
    values: dict[str, float]
    out: str | None
    scenario: dict[str, Any]
    command: str = ""


def write_calibration(
    store: Store,
    calibration: StoredCalibration,
    *,
    fits: Sequence[Mapping[str, Any]],
    parameters: Sequence[Mapping[str, Any]],
    correlation: Sequence[Sequence[float | None]],
    profiles: Mapping[str, Sequence[tuple[float, float]]],
    screen: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Write a calibration with its fit, parameter, correlation and profile rows in one go.

    Args:
        fits: One mapping per target with the keys of :data:`FIT_COLUMNS`.
        parameters: One mapping per free parameter with the keys of :data:`PARAMETER_COLUMNS`.
        correlation: The parameters' correlation matrix, in the order of ``parameters``.
        profiles: Parameter -> ``(value, loss)`` points re-run along it.
        screen: The candidates held against the facts, with the keys of :data:`SCREEN_COLUMNS`.
    """
    c = calibration
    cid = c.calibration_id
    with store.transaction() as con:
        con.execute(
            "INSERT INTO calibrations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cid,
                now(),
                c.scenario_name,
                c.study_name,
                c.study_file,
                c.trials,
                json.dumps(c.seeds),
                json.dumps(c.fit_seeds),
                c.scale,
                c.until,
                c.best_trial,
                c.best_loss,
                c.fit_loss,
                json.dumps(c.values),
                c.out,
                json.dumps(c.scenario),
                c.command,
                helix_version(),
            ],
        )
        marks = ", ".join("?" * (len(FIT_COLUMNS) + 1))
        for f in fits:
            con.execute(
                f"INSERT INTO calibration_fit VALUES ({marks})",
                [cid, *(f[k] for k in FIT_COLUMNS)],
            )
        marks = ", ".join("?" * (len(PARAMETER_COLUMNS) + 1))
        for p in parameters:
            con.execute(
                f"INSERT INTO calibration_parameters VALUES ({marks})",
                [cid, *(p[k] for k in PARAMETER_COLUMNS)],
            )
        names = [p["parameter"] for p in parameters]
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                con.execute(
                    "INSERT INTO calibration_correlations VALUES (?, ?, ?, ?)",
                    [cid, a, b, correlation[i][j]],
                )
        for path, points in profiles.items():
            for v, loss in points:
                con.execute(
                    "INSERT INTO calibration_profiles VALUES (?, ?, ?, ?)",
                    [cid, path, v, loss if math.isfinite(loss) else None],
                )
        marks = ", ".join("?" * (len(SCREEN_COLUMNS) + 1))
        for row in screen:
            finite = {**row, "loss": row["loss"] if math.isfinite(row["loss"]) else None}
            con.execute(
                f"INSERT INTO calibration_facts VALUES ({marks})",
                [cid, *(finite[k] for k in SCREEN_COLUMNS)],
            )


def _rows(
    con: duckdb.DuckDBPyConnection, table: str, calibration_id: str, order: str
) -> list[dict[str, Any]]:
    cur = con.execute(
        f"SELECT * FROM {table} WHERE calibration_id = ? ORDER BY {order}", [calibration_id]
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def calibration(con: duckdb.DuckDBPyConnection, calibration_id: str) -> dict[str, Any] | None:
    """A stored calibration with its ``fit``, ``parameters``, ``correlations``, ``profiles``
    and ``screen`` rows (lists of dicts), or None if there is none of that id."""
    try:
        cur = con.execute("SELECT * FROM calibrations WHERE calibration_id = ?", [calibration_id])
    except duckdb.CatalogException:  # a database without calibrations
        return None
    row = cur.fetchone()
    if row is None:
        return None
    cal = dict(zip([d[0] for d in cur.description], row, strict=True))
    cal["fit"] = _rows(con, "calibration_fit", calibration_id, "target")
    cal["parameters"] = _rows(con, "calibration_parameters", calibration_id, "rowid")
    cal["correlations"] = _rows(con, "calibration_correlations", calibration_id, "rowid")
    cal["profiles"] = _rows(con, "calibration_profiles", calibration_id, "parameter, value")
    try:
        cal["screen"] = _rows(con, "calibration_facts", calibration_id, "rank")
    except duckdb.CatalogException:  # a store written before the facts screen
        cal["screen"] = []
    return cal


def latest_calibration(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest stored calibration (as :func:`calibration` reads it), or None."""
    try:
        row = con.execute(
            "SELECT calibration_id FROM calibrations ORDER BY created DESC LIMIT 1"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else calibration(con, str(row[0]))
