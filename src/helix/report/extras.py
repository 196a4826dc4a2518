"""Experiments and calibrations in a report, read from their tables when the store has them.

This module is the only place that knows those tables, and it reads them defensively: it
looks tables and columns up by name in ``information_schema`` and skips what it cannot find.
The shapes it assumes (any extra columns are ignored):

- ``runs`` (the engine's): ``experiment_id``, ``variant``, ``replicate``, ``sweep_point`` tie
  a run to an experiment or a calibration.
- ``experiments``: ``experiment_id`` and optionally ``name``, ``baseline`` (the baseline
  variant) and a JSON column (``spec_json``, ``resolved_json``, ``content`` or ``spec``) that
  may hold ``name`` and ``baseline`` too.
- a sensitivity table, any table whose name contains ``sensitivity``: ``experiment_id``,
  ``parameter``, optionally ``outcome``, and either wide ``S1``, ``ST``, ``S1_conf``,
  ``ST_conf`` columns or long ``index`` (or ``measure``), ``value``, ``conf`` columns.
- calibration tables, any table whose name starts with ``calibration``, keyed by
  ``calibration_id`` (or ``study``, ``study_name``, ``study_id``, ``experiment_id``, ``id``):
  one of them with a ``target`` column is the fit table, shown as it is.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import numpy as np

from helix.errors import StoreError
from helix.report.page import TableBlock
from helix.report.source import Subject, column_names, group_runs, runs_of, table_names
from helix.report.spec import PALETTE, FigureSpec, Series
from helix.store import Store

EXPERIMENT = "Experiment"
CALIBRATION = "Calibration"
JSON_COLUMNS = ("spec_json", "resolved_json", "content", "spec", "experiment_json")
ID_COLUMNS = ("calibration_id", "study", "study_name", "study_id", "experiment_id", "id")


def _row(con: duckdb.DuckDBPyConnection, table: str, key: str, ident: str) -> dict[str, Any]:
    cur = con.execute(f'SELECT * FROM "{table}" WHERE "{key}" = ? LIMIT 1', [ident])
    row = cur.fetchone()
    if row is None:
        return {}
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def experiment_meta(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any]:
    """Name and baseline variant of an experiment, from its ``experiments`` row if any."""
    if "experiments" not in table_names(con):
        return {}
    if "experiment_id" not in column_names(con, "experiments"):
        return {}
    row = _row(con, "experiments", "experiment_id", ident)
    meta: dict[str, Any] = {}
    for col in JSON_COLUMNS:
        raw = row.get(col)
        if raw:
            try:
                data = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                continue
            if isinstance(data, dict):
                meta.update({k: data[k] for k in ("name", "baseline") if k in data})
    meta.update({k: row[k] for k in ("name", "baseline") if row.get(k)})
    return meta


def experiment_subject(store: Store, ident: str) -> Subject:
    """An experiment's finished runs, grouped by variant, the baseline first."""
    runs = runs_of(store, ident, "experiment")
    meta = experiment_meta(store.con, ident)
    baseline = meta.get("baseline")
    name = str(meta.get("name") or ident)
    return Subject(
        kind="experiment",
        label=name,
        runs=runs,
        ident=ident,
        groups=group_runs(runs, str(baseline) if baseline else None),
    )


def _calibration_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table, id column) of the calibration tables."""
    out = []
    for t in sorted(table_names(con)):
        if not t.lower().startswith("calibration"):
            continue
        cols = column_names(con, t)
        key = next((c for c in ID_COLUMNS if c in cols), None)
        if key is not None:
            out.append((t, key))
    return out


def calibration_subject(store: Store, ident: str) -> Subject:
    """A calibration's finished runs (those whose experiment_id is the calibration's id)."""
    try:
        runs = runs_of(store, ident, "calibration")
    except StoreError:
        known = any(_row(store.con, t, k, ident) for t, k in _calibration_tables(store.con))
        if not known:
            raise StoreError(
                f"no calibration {ident!r} in the store", file=store.path, key="--calibration"
            ) from None
        raise StoreError(
            f"calibration {ident!r} has no finished run stored to draw",
            file=store.path,
            key="--calibration",
        ) from None
    return Subject(kind="calibration", label=ident, runs=runs, ident=ident, groups=group_runs(runs))


# ------------------------------------------------------------------------------- sensitivity


def _sensitivity_rows(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Rows (outcome, parameter, index, value, conf) of stored sensitivity indices."""
    out: list[dict[str, Any]] = []
    for t in sorted(table_names(con)):
        if "sensitivity" not in t.lower():
            continue
        cols = {c.lower(): c for c in column_names(con, t)}
        if "experiment_id" not in cols or "parameter" not in cols:
            continue
        cur = con.execute(f'SELECT * FROM "{t}" WHERE experiment_id = ?', [ident])
        names = [d[0].lower() for d in cur.description]
        for raw in cur.fetchall():
            row = dict(zip(names, raw, strict=True))
            outcome = str(row.get("outcome", "outcome"))
            if "value" in row and ("index" in row or "measure" in row):
                index = str(row.get("index", row.get("measure")))
                out.append(
                    {
                        "outcome": outcome,
                        "parameter": str(row["parameter"]),
                        "index": index,
                        "value": row["value"],
                        "conf": row.get("conf"),
                    }
                )
                continue
            for index in ("s1", "st", "mu_star", "sigma"):
                if index in row and row[index] is not None:
                    out.append(
                        {
                            "outcome": outcome,
                            "parameter": str(row["parameter"]),
                            "index": index.upper() if index.startswith("s") else index,
                            "value": row[index],
                            "conf": row.get(f"{index}_conf"),
                        }
                    )
    return out


def sensitivity_figures(con: duckdb.DuckDBPyConnection, ident: str) -> list[FigureSpec]:
    """One bar chart of sensitivity indices per outcome."""
    rows = _sensitivity_rows(con, ident)
    figures = []
    for oi, outcome in enumerate(dict.fromkeys(r["outcome"] for r in rows)):
        mine = [r for r in rows if r["outcome"] == outcome]
        params = list(dict.fromkeys(r["parameter"] for r in mine))
        series = []
        for ii, index in enumerate(dict.fromkeys(r["index"] for r in mine)):
            by = {r["parameter"]: r for r in mine if r["index"] == index}
            series.append(
                Series(
                    name=index,
                    x=params,
                    y=np.array([_num(by.get(p, {}).get("value")) for p in params]),
                    error=np.array([_num(by.get(p, {}).get("conf"), 0.0) for p in params]),
                    color=PALETTE[ii % len(PALETTE)],
                    mode="bar",
                )
            )
        figures.append(
            FigureSpec(
                key=f"sensitivity_{oi}",
                section=EXPERIMENT,
                title=f"Sensitivity of {outcome} to each parameter",
                x_label="parameter",
                y_label="sensitivity index (share of variance)",
                caption="Tall bars are the parameters that drive this outcome; a total index (ST) "
                "well above the first-order one (S1) means the parameter acts through "
                "interactions. Error bars are the stored confidence intervals.",
                x_kind="category",
                series=series,
            )
        )
    return figures


def _num(value: Any, default: float = float("nan")) -> float:
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default


# ------------------------------------------------------------------------------- calibration


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def calibration_tables(con: duckdb.DuckDBPyConnection, ident: str) -> list[TableBlock]:
    """Each calibration table with a ``target`` column, rows of this calibration, as stored."""
    out = []
    for table, key in _calibration_tables(con):
        cols = column_names(con, table)
        if "target" not in cols:
            continue
        shown = [c for c in cols if c != key]
        rows = con.execute(
            f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in shown)} FROM "{table}"'
            f' WHERE "{key}" = ? ORDER BY "target"',
            [ident],
        ).fetchall()
        if rows:
            out.append(
                TableBlock(
                    section=CALIBRATION,
                    title=f"Fit table ({table})",
                    header=shown,
                    rows=[[_cell(v) for v in r] for r in rows],
                    note="As stored by helix calibrate.",
                )
            )
    return out


def sections(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[TableBlock], dict[str, list[str]]]:
    """The experiment or calibration section of a report (empty for plain runs)."""
    if subject.ident is None:
        return [], [], {}
    if subject.kind == "experiment":
        figures = sensitivity_figures(con, subject.ident)
        swept = len({r.run_id for r in subject.runs}) > 1 and not figures
        notes = {
            EXPERIMENT: [
                f"{len(subject.runs)} finished runs in {len(subject.groups)} variant(s): "
                + ", ".join(f"{g} ({len(r)})" for g, r in subject.groups.items())
                + ". Outcomes by variant are under 'Variants side by side'."
                + (" No sensitivity indices are stored for this experiment." if swept else "")
            ]
        }
        return figures, [], notes
    tables = calibration_tables(con, subject.ident)
    notes = {
        CALIBRATION: [
            f"{len(subject.runs)} finished runs of calibration {subject.ident}; each target's "
            "spread across them is drawn under 'The report's figures'."
            + ("" if tables else " No fit table is stored for it.")
        ]
    }
    return [], tables, notes
