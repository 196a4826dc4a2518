"""Experiments and calibrations in a report, read from their tables when the store has them.

This module is the only one that knows those tables. It looks tables and columns up in
``information_schema`` and leaves out whatever it does not find, so a store written before
(or without) experiments or calibrations still gives a report. Shapes read (extra columns
are ignored):

- ``runs``: ``experiment_id``, ``variant``, ``replicate``, ``sweep_point`` tie a run to an
  experiment (or a calibration).
- ``experiments``: ``experiment_id``, ``name``, ``created`` and a JSON column
  (``resolved_json``, ``spec_json`` or ``content``) that may name the ``baseline`` variant.
- ``experiment_summaries``: ``experiment_id, variant, outcome, statistic, value, low, high``
  with statistic ``mean`` (90% band in low/high) and ``difference`` (from the baseline, with
  its confidence interval).
- ``experiment_sensitivity`` (table or view): ``experiment_id, parameter`` and either long
  ``index, value, conf`` (optionally ``variant``, ``outcome``) or wide ``S1, ST, S1_conf,
  ST_conf`` columns.
- ``calibrations``: ``calibration_id`` plus header facts (``scenario_name``, ``study_name``,
  ``trials``, ``fit_seeds``, ``helix_version``, ``created``, ``calibrated_toml``, losses).
- ``calibration_fit``: ``calibration_id, target, simulated_mean, simulated_sd, report,
  tolerance, within`` (and more, shown as stored).
- ``calibration_parameters``: ``calibration_id, parameter, low, high, log_scale, best,
  top_q10, top_q90, verdict``; ``calibration_profiles``: ``calibration_id, parameter, value,
  loss``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb
import numpy as np

from helix.errors import StoreError
from helix.report.page import TableBlock
from helix.report.source import Subject, column_names, group_runs, runs_of, table_names
from helix.report.spec import PALETTE, FigureSpec, Level, Series
from helix.store import Store

EXPERIMENT = "Experiment"
CALIBRATION = "Calibration"
JSON_COLUMNS = ("resolved_json", "spec_json", "content", "spec", "experiment_json")
LATEST = "latest"


def _has(con: duckdb.DuckDBPyConnection, table: str, *columns: str) -> bool:
    if table not in table_names(con):
        return False
    present = {c.lower() for c in column_names(con, table)}
    return all(c.lower() in present for c in columns)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, table: str, key: str, ident: str) -> dict[str, Any]:
    rows = _rows(con, f'SELECT * FROM "{table}" WHERE "{key}" = ? LIMIT 1', [ident])
    return rows[0] if rows else {}


def _latest(con: duckdb.DuckDBPyConnection, table: str, key: str) -> str | None:
    if not _has(con, table, key, "created"):
        return None
    row = con.execute(f'SELECT "{key}" FROM "{table}" ORDER BY created DESC LIMIT 1').fetchone()
    return None if row is None else str(row[0])


def _num(value: Any, default: float = float("nan")) -> float:
    try:
        out = float(value) if value is not None else default
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


# -------------------------------------------------------------------------------- experiments


def experiment_meta(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any]:
    """Name and baseline variant of an experiment, from its ``experiments`` row if any."""
    if not _has(con, "experiments", "experiment_id"):
        return {}
    row = _one(con, "experiments", "experiment_id", ident)
    meta: dict[str, Any] = {}
    for col in JSON_COLUMNS:
        raw = row.get(col)
        if not raw:
            continue
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue
        if isinstance(data, dict):
            meta.update({k: data[k] for k in ("name", "baseline") if data.get(k)})
    meta.update({k: row[k] for k in ("name", "baseline") if row.get(k)})
    return meta


def experiment_subject(store: Store, ident: str) -> Subject:
    """An experiment's finished runs grouped by variant, the baseline first (``latest``: the
    experiment created last)."""
    if ident == LATEST:
        found = _latest(store.con, "experiments", "experiment_id")
        if found is None:
            raise StoreError("the store holds no experiment", file=store.path, key="--experiment")
        ident = found
    runs = runs_of(store, ident, "experiment")
    meta = experiment_meta(store.con, ident)
    baseline = meta.get("baseline")
    return Subject(
        kind="experiment",
        label=str(meta.get("name") or ident),
        runs=runs,
        ident=ident,
        groups=group_runs(runs, str(baseline) if baseline else None),
    )


def _summary(con: duckdb.DuckDBPyConnection, ident: str, statistic: str) -> list[dict[str, Any]]:
    table = "experiment_summaries"
    if not _has(con, table, "experiment_id", "variant", "outcome", "statistic", "value"):
        return []
    return _rows(
        con,
        f'SELECT * FROM "{table}" WHERE experiment_id = ? AND statistic = ?',
        [ident, statistic],
    )


def outcome_figures(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[TableBlock]]:
    """Each stored outcome by variant (mean and 90% band), and differences from the baseline."""
    assert subject.ident is not None
    means = _summary(con, subject.ident, "mean")
    diffs = _summary(con, subject.ident, "difference")
    if not means:
        return [], []
    variants = list(subject.groups) or list(dict.fromkeys(r["variant"] for r in means))
    variants += [v for v in dict.fromkeys(r["variant"] for r in means) if v not in variants]
    outcomes = list(dict.fromkeys(r["outcome"] for r in means))
    figures: list[FigureSpec] = []
    for oi, outcome in enumerate(outcomes):
        rows = {r["variant"]: r for r in means if r["outcome"] == outcome}
        shown = [v for v in variants if v in rows]
        figures.append(
            FigureSpec(
                key=f"experiment_outcome_{oi}",
                section=EXPERIMENT,
                title=f"{outcome} by variant",
                x_label="variant",
                y_label=f"{outcome} (the outcome's own unit)",
                caption="Each point is the mean over replicates, its bar the 90% band; compare "
                f"each variant with the baseline ({variants[0]}), the first.",
                x_kind="category",
                categories=shown,
                series=[
                    Series(
                        name=v,
                        x=[v],
                        y=np.array([_num(rows[v].get("value"))]),
                        low=np.array([_num(rows[v].get("low"), _num(rows[v].get("value")))]),
                        high=np.array([_num(rows[v].get("high"), _num(rows[v].get("value")))]),
                        color=PALETTE[variants.index(v) % len(PALETTE)],
                        mode="markers",
                        size=np.array([12.0]),
                    )
                    for v in shown
                ],
            )
        )
    difference = _difference_figure(means, diffs, variants, outcomes)
    if difference is not None:
        figures.append(difference)
    return figures, [_summary_table(means, diffs, variants, outcomes)]


def _difference_figure(
    means: list[dict[str, Any]],
    diffs: list[dict[str, Any]],
    variants: list[str],
    outcomes: list[str],
) -> FigureSpec | None:
    """Differences from the baseline in % of the baseline mean, with confidence intervals."""
    if not diffs:
        return None
    base = {r["outcome"]: _num(r.get("value")) for r in means if r["variant"] == variants[0]}
    series = []
    for vi, v in enumerate(variants[1:], start=1):
        rows = {r["outcome"]: r for r in diffs if r["variant"] == v}
        if not rows:
            continue
        y, low, high = [], [], []
        for o in outcomes:
            scale = abs(base.get(o, math.nan))
            r = rows.get(o, {})
            ok = math.isfinite(scale) and scale > 0 and r
            value = _num(r.get("value")) if ok else math.nan
            y.append(value / scale * 100 if ok else math.nan)
            low.append(_num(r.get("low"), value) / scale * 100 if ok else math.nan)
            high.append(_num(r.get("high"), value) / scale * 100 if ok else math.nan)
        series.append(
            Series(
                name=v,
                x=list(outcomes),
                y=np.array(y),
                low=np.array(low),
                high=np.array(high),
                color=PALETTE[vi % len(PALETTE)],
                mode="bar",
            )
        )
    if not series:
        return None
    return FigureSpec(
        key="experiment_difference",
        section=EXPERIMENT,
        title=f"Difference from the baseline ({variants[0]}), per outcome",
        x_label="outcome",
        y_label="difference from the baseline mean (% of it)",
        caption="Bars are each variant's mean difference from the baseline, paired by "
        "replicate; error bars are its confidence interval: a bar whose interval spans 0 is "
        "not distinguishable from the baseline.",
        x_kind="category",
        categories=list(outcomes),
        series=series,
        levels=[Level(0.0, "no difference")],
    )


def _summary_table(
    means: list[dict[str, Any]],
    diffs: list[dict[str, Any]],
    variants: list[str],
    outcomes: list[str],
) -> TableBlock:
    rows = []
    for o in outcomes:
        for v in variants:
            m = next((r for r in means if r["outcome"] == o and r["variant"] == v), None)
            d = next((r for r in diffs if r["outcome"] == o and r["variant"] == v), None)
            if m is None:
                continue
            rows.append(
                [
                    o,
                    v,
                    _cell(_num(m.get("value"))),
                    f"{_cell(_num(m.get('low')))} to {_cell(_num(m.get('high')))}",
                    "—"
                    if d is None
                    else f"{_cell(_num(d.get('value')))} ({_cell(_num(d.get('low')))} to "
                    f"{_cell(_num(d.get('high')))})",
                    _cell(m.get("n")),
                    _cell(m.get("failed")),
                ]
            )
    return TableBlock(
        section=EXPERIMENT,
        title="Outcomes by variant",
        header=["outcome", "variant", "mean", "90% band", "difference (CI)", "runs", "failed"],
        rows=rows,
        note="As summarised by helix experiment (experiment_summaries).",
    )


def _sensitivity_rows(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Rows (outcome, parameter, index, value, conf) of stored sensitivity indices."""
    out: list[dict[str, Any]] = []
    for t in sorted(table_names(con)):
        if "sensitivity" not in t.lower() or not _has(con, t, "experiment_id", "parameter"):
            continue
        for raw in _rows(con, f'SELECT * FROM "{t}" WHERE experiment_id = ?', [ident]):
            row = {k.lower(): v for k, v in raw.items()}
            outcome = str(row.get("outcome") or "outcome")
            if row.get("variant"):
                outcome = f"{outcome} ({row['variant']})"
            base = {"outcome": outcome, "parameter": str(row["parameter"])}
            if "value" in row and ("index" in row or "measure" in row):
                index = str(row.get("index", row.get("measure")))
                out.append({**base, "index": index, "value": row["value"], "conf": row.get("conf")})
                continue
            for index in ("s1", "st", "mu_star", "sigma"):
                if row.get(index) is not None:
                    name = index.upper() if index.startswith("s") else index
                    out.append(
                        {
                            **base,
                            "index": name,
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
                    error=np.array([abs(_num(by.get(p, {}).get("conf"), 0.0)) for p in params]),
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
                y_label="sensitivity index",
                caption="Tall bars are the parameters that drive this outcome; a total index (ST) "
                "well above the first-order one (S1) means the parameter acts through "
                "interactions. Error bars are the stored confidence intervals.",
                x_kind="category",
                categories=params,
                series=series,
            )
        )
    return figures


def experiment_sections(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[TableBlock], dict[str, list[str]]]:
    assert subject.ident is not None
    figures, tables = outcome_figures(con, subject)
    sensitivity = sensitivity_figures(con, subject.ident)
    counts = ", ".join(f"{g} ({len(r)})" for g, r in subject.groups.items())
    note = (
        f"{len(subject.runs)} finished runs in {len(subject.groups)} variant(s): {counts}. "
        "Time series by variant are under 'Variants side by side'."
    )
    if not figures:
        note += " No summary is stored for this experiment yet (run helix experiment to finish it)."
    return figures + sensitivity, tables, {EXPERIMENT: [note]}


# ------------------------------------------------------------------------------- calibrations


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
        out.append((label, _cell(value)))
    return out


def calibration_subject(store: Store, ident: str) -> Subject:
    """A calibration: its ``calibrations`` row and any runs stored under its id (``latest``:
    the calibration created last)."""
    con = store.con
    if ident == LATEST:
        found = _latest(con, "calibrations", "calibration_id")
        if found is None:
            raise StoreError("the store holds no calibration", file=store.path, key="--calibration")
        ident = found
    row = (
        _one(con, "calibrations", "calibration_id", ident)
        if _has(con, "calibrations", "calibration_id")
        else {}
    )
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
    con: duckdb.DuckDBPyConnection, table: str, ident: str, preferred: tuple[str, ...], title: str
) -> tuple[TableBlock | None, list[dict[str, Any]]]:
    if not _has(con, table, "calibration_id"):
        return None, []
    rows = _rows(con, f'SELECT * FROM "{table}" WHERE calibration_id = ?', [ident])
    if not rows:
        return None, []
    shown = [c for c in preferred if c in rows[0]] or [c for c in rows[0] if c != "calibration_id"]
    block = TableBlock(
        section=CALIBRATION,
        title=title,
        header=shown,
        rows=[[_cell(r.get(c)) for c in shown] for r in rows],
        note=f"As stored by helix calibrate ({table}).",
    )
    return block, rows


def fit_figure(fit: list[dict[str, Any]]) -> FigureSpec | None:
    """Each target's simulated mean and spread across seeds, in tolerances from the report."""
    series = []
    for within, color, word in ((True, "#1a7f37", "within"), (False, "#b42318", "outside")):
        rows = [r for r in fit if bool(r.get("within")) == within]
        xs, ys, errs, text = [], [], [], []
        for r in rows:
            tol = _num(r.get("tolerance"))
            mean, report = _num(r.get("simulated_mean")), _num(r.get("report"))
            if not (
                math.isfinite(tol) and tol > 0 and math.isfinite(mean) and math.isfinite(report)
            ):
                continue
            xs.append(str(r.get("target")))
            ys.append((mean - report) / tol)
            errs.append(abs(_num(r.get("simulated_sd"), 0.0)) / tol)
            text.append(
                f"{r.get('target')}: simulated {mean:.4g} ± {_num(r.get('simulated_sd'), 0):.3g}, report {report:.4g}"
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
        low, high = _num(p.get("low")), _num(p.get("high"))
        if not (math.isfinite(low) and math.isfinite(high)):
            continue
        log = bool(p.get("log_scale"))
        best = _num(p.get("best"))
        xs.append(str(p.get("parameter")).removeprefix("parameters."))
        ys.append(_position(best, low, high, log))
        lows.append(_position(_num(p.get("top_q10"), best), low, high, log))
        highs.append(_position(_num(p.get("top_q90"), best), low, high, log))
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


def profiles_figure(
    con: duckdb.DuckDBPyConnection, ident: str, params: list[dict[str, Any]]
) -> FigureSpec | None:
    """Loss along each parameter's profile, positions normalised to its bounds."""
    if not _has(con, "calibration_profiles", "calibration_id", "parameter", "value", "loss"):
        return None
    rows = _rows(
        con,
        "SELECT parameter, value, loss FROM calibration_profiles WHERE calibration_id = ?"
        " ORDER BY parameter, value",
        [ident],
    )
    bounds = {str(p.get("parameter")): p for p in params}
    series = []
    for i, name in enumerate(dict.fromkeys(str(r["parameter"]) for r in rows)):
        b = bounds.get(name, {})
        low, high, log = _num(b.get("low")), _num(b.get("high")), bool(b.get("log_scale"))
        mine = [r for r in rows if str(r["parameter"]) == name]
        x = [_position(_num(r["value"]), low, high, log) for r in mine]
        if not any(math.isfinite(v) for v in x):
            continue
        series.append(
            Series(
                name=name,
                x=x,
                y=np.array([_num(r["loss"]) for r in mine]),
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
    fit_table, fit = _table(con, "calibration_fit", subject.ident, FIT_COLUMNS, "Fit per target")
    params_table, params = _table(
        con, "calibration_parameters", subject.ident, PARAMETER_COLUMNS, "Free parameters"
    )
    figures = [
        f
        for f in (
            fit_figure(fit),
            identifiability_figure(params),
            profiles_figure(con, subject.ident, params),
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


def sections(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[TableBlock], dict[str, list[str]]]:
    """The experiment or calibration section of a report (empty for plain runs)."""
    if subject.ident is None:
        return [], [], {}
    if subject.kind == "experiment":
        return experiment_sections(con, subject)
    return calibration_sections(con, subject)
