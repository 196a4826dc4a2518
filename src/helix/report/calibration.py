"""A calibration in a report: its fit per target, and how well the targets pin down each
free parameter (identifiability and profiles), as ``helix calibrate`` stored them."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np

from helix.errors import StoreError
from helix.report.page import TableBlock
from helix.report.source import Subject, group_runs, runs_of
from helix.report.spec import PALETTE, FigureSpec, Level, Series
from helix.report.values import cell, finite
from helix.store import Store, reports

CALIBRATION = "Calibration"
LATEST = "latest"


def _calibration_header(row: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [
        ("scenario", "scenario_name"),
        ("study", "study_name"),
        ("trials", "trials"),
        ("seeds of the fit", "fit_seeds"),
        ("helix version", "helix_version"),
        ("run date", "created"),
        ("best loss", "best_loss"),
        ("loss over fresh seeds", "fit_loss"),
        ("calibrated world", "calibrated_toml"),
        ("scale", "scale"),
        ("until", "until"),
    ]
    out = []
    for label, key in facts:
        value = row.get(key)
        if value is None or value == "":
            continue
        if hasattr(value, "strftime"):
            value = value.strftime("%Y-%m-%d %H:%M UTC")
        out.append((label, cell(value)))
    return out


def calibration_subject(store: Store, ident: str) -> Subject:
    """A calibration: its ``calibrations`` row and any runs stored under its id (``latest``:
    the calibration created last)."""
    con = store.con
    if ident == LATEST:
        found = reports.latest_calibration(con)
        if found is None:
            raise StoreError("the store holds no calibration", file=store.path, key="--calibration")
        ident = found
    row = reports.calibration_row(con, ident)
    runs = runs_of(store, ident, "calibration", required=False)
    if not row and not runs:
        raise StoreError(
            f"no calibration {ident!r} in the store", file=store.path, key="--calibration"
        )
    return Subject(
        kind="calibration",
        label=str(row.get("scenario_name") or ident),
        runs=runs,
        ident=ident,
        groups=group_runs(runs) if runs else {},
        meta=_calibration_header(row),
    )


FIT_COLUMNS = (
    "target",
    "statistic",
    "comparison",
    "simulated_mean",
    "simulated_sd",
    "report",
    "tolerance",
    "within",
    "seeds_within",
    "source",
)
PARAMETER_COLUMNS = (
    "parameter",
    "low",
    "high",
    "best",
    "top_q10",
    "top_q90",
    "profile_low",
    "profile_high",
    "importance",
    "verdict",
)


def _table(
    rows: list[dict[str, Any]], table: str, preferred: tuple[str, ...], title: str
) -> TableBlock | None:
    """A stored table's rows, the ``preferred`` columns first found (else all but the id)."""
    if not rows:
        return None
    shown = [c for c in preferred if c in rows[0]] or [c for c in rows[0] if c != "calibration_id"]
    return TableBlock(
        section=CALIBRATION,
        title=title,
        header=shown,
        rows=[[cell(r.get(c)) for c in shown] for r in rows],
        note=f"As stored by helix calibrate ({table}).",
    )


def fit_figure(fit: list[dict[str, Any]]) -> FigureSpec | None:
    """Each target's simulated mean and spread across seeds, in tolerances from the report."""
    series = []
    for within, color, word in ((True, "#1a7f37", "within"), (False, "#b42318", "outside")):
        rows = [r for r in fit if bool(r.get("within")) == within]
        xs, ys, errs, text = [], [], [], []
        for r in rows:
            tol = finite(r.get("tolerance"))
            mean, report = finite(r.get("simulated_mean")), finite(r.get("report"))
            if not (
                math.isfinite(tol) and tol > 0 and math.isfinite(mean) and math.isfinite(report)
            ):
                continue
            xs.append(str(r.get("target")))
            ys.append((mean - report) / tol)
            errs.append(abs(finite(r.get("simulated_sd"), 0.0)) / tol)
            text.append(
                f"{r.get('target')}: simulated {mean:.4g} ± {finite(r.get('simulated_sd'), 0):.3g}, report {report:.4g}"
            )
        if xs:
            series.append(
                Series(
                    name=f"{word} tolerance",
                    x=xs,
                    y=np.array(ys),
                    error=np.array(errs),
                    text=text,
                    color=color,
                    mode="markers",
                    size=np.full(len(xs), 12.0),
                )
            )
    if not series:
        return None
    return FigureSpec(
        key="calibration_fit",
        section=CALIBRATION,
        title="Calibration fit: each target's simulated spread against the report",
        x_label="target",
        y_label="(simulated mean − report) / tolerance",
        caption="Points between the dotted lines are within tolerance; error bars are one "
        "standard deviation across seeds ('falls', 'crosses' and 'at most' targets are judged "
        "by sign, see the fit table).",
        x_kind="category",
        categories=sorted({str(r.get("target")) for r in fit}),
        series=series,
        levels=[Level(1.0, "+1 tolerance"), Level(-1.0, "−1 tolerance")],
    )


def _position(value: float, low: float, high: float, log: bool) -> float:
    """Where ``value`` sits between the bounds, 0 to 1 (on a log scale if ``log``)."""
    if log and low > 0 and high > 0 and value > 0:
        value, low, high = math.log(value), math.log(low), math.log(high)
    return (value - low) / (high - low) if high != low else math.nan


def identifiability_figure(params: list[dict[str, Any]]) -> FigureSpec | None:
    """Each free parameter's best value and the spread of the top trials, within its bounds."""
    xs, ys, lows, highs, text = [], [], [], [], []
    for p in params:
        low, high = finite(p.get("low")), finite(p.get("high"))
        if not (math.isfinite(low) and math.isfinite(high)):
            continue
        log = bool(p.get("log_scale"))
        best = finite(p.get("best"))
        xs.append(str(p.get("parameter")).removeprefix("parameters."))
        ys.append(_position(best, low, high, log))
        lows.append(_position(finite(p.get("top_q10"), best), low, high, log))
        highs.append(_position(finite(p.get("top_q90"), best), low, high, log))
        text.append(
            f"{p.get('parameter')}: best {best:.4g} in [{low:.4g}, {high:.4g}], {p.get('verdict', '')}"
        )
    if not xs:
        return None
    return FigureSpec(
        key="calibration_parameters",
        section=CALIBRATION,
        title="Identifiability: where each free parameter ends up within its bounds",
        x_label="parameter",
        y_label="position within the search bounds (0 = low, 1 = high)",
        caption="Points are the best values, bars the 10-90% range of the best trials: a short "
        "bar means the targets pin the parameter down, a bar spanning the range leaves it loose.",
        x_kind="category",
        categories=xs,
        series=[
            Series(
                name="best value (10-90% of the top trials)",
                x=xs,
                y=np.array(ys),
                low=np.array(lows),
                high=np.array(highs),
                text=text,
                color="#0072b2",
                mode="markers",
                size=np.full(len(xs), 11.0),
            )
        ],
        levels=[Level(0.0, "lower bound", "#999999"), Level(1.0, "upper bound", "#999999")],
    )


def profiles_figure(rows: list[dict[str, Any]], params: list[dict[str, Any]]) -> FigureSpec | None:
    """Loss along each parameter's profile, positions normalised to its bounds."""
    bounds = {str(p.get("parameter")): p for p in params}
    series = []
    for i, name in enumerate(dict.fromkeys(str(r["parameter"]) for r in rows)):
        b = bounds.get(name, {})
        low, high, log = finite(b.get("low")), finite(b.get("high")), bool(b.get("log_scale"))
        mine = [r for r in rows if str(r["parameter"]) == name]
        x = [_position(finite(r["value"]), low, high, log) for r in mine]
        if not any(math.isfinite(v) for v in x):
            continue
        series.append(
            Series(
                name=name,
                x=x,
                y=np.array([finite(r["loss"]) for r in mine]),
                color=PALETTE[i % len(PALETTE)],
            )
        )
    if not series:
        return None
    return FigureSpec(
        key="calibration_profiles",
        section=CALIBRATION,
        title="Profiles: the loss as each parameter moves through its bounds",
        x_label="position within the search bounds (0 = low, 1 = high)",
        y_label="loss (sum of squared misses in tolerances)",
        caption="A sharp valley means the targets identify the parameter; a flat profile means "
        "they do not.",
        x_kind="number",
        series=series,
    )


def calibration_sections(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[TableBlock], dict[str, list[str]]]:
    assert subject.ident is not None
    fit = reports.calibration_fit(con, subject.ident)
    params = reports.calibration_parameters(con, subject.ident)
    fit_table = _table(fit, "calibration_fit", FIT_COLUMNS, "Fit per target")
    params_table = _table(params, "calibration_parameters", PARAMETER_COLUMNS, "Free parameters")
    figures = [
        f
        for f in (
            fit_figure(fit),
            identifiability_figure(params),
            profiles_figure(reports.calibration_profiles(con, subject.ident), params),
        )
        if f is not None
    ]
    tables = [t for t in (fit_table, params_table) if t is not None]
    notes = []
    if not subject.runs:
        world = dict(subject.meta).get("calibrated world", "the calibrated world file")
        notes.append(
            "A calibration stores its fit, not its runs: for the time series, the corridor and "
            f"the firm distributions of the calibrated world, run {world} with helix run and "
            "report that run."
        )
    if not tables:
        notes.append("No fit table is stored for this calibration.")
    return figures, tables, {CALIBRATION: notes} if notes else {}
