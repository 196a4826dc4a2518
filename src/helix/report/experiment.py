"""An experiment in a report: its outcomes by variant and its sensitivity indices.

What is drawn comes from the experiment's own summary (``experiment_summaries``, written by
``helix experiment``): each variant's mean with its 90% band, and each variant's difference from
the baseline as a mean with its confidence interval. That paired difference is the one figure of
"difference from the baseline" a report shows (the time series by variant are drawn in
:mod:`helix.report.compare`).
"""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb
import numpy as np

from helix.errors import StoreError
from helix.report.channels import channel_tables
from helix.report.page import TableBlock
from helix.report.source import Subject, group_runs, runs_of
from helix.report.spec import PALETTE, FigureSpec, Level, Series
from helix.report.values import cell, finite
from helix.store import Store, reports

EXPERIMENT = "Experiment"
LATEST = "latest"


def experiment_meta(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any]:
    """Name and baseline variant of an experiment, from its ``experiments`` row if any."""
    row = reports.experiment_row(con, ident)
    raw = row.get("resolved_json")
    resolved = json.loads(raw) if isinstance(raw, str) else raw or {}
    meta = {k: resolved[k] for k in ("name", "baseline") if resolved.get(k)}
    if row.get("name"):
        meta["name"] = row["name"]
    return meta


def experiment_subject(store: Store, ident: str) -> Subject:
    """An experiment's finished runs grouped by variant, the baseline first (``latest``: the
    experiment created last)."""
    if ident == LATEST:
        found = reports.latest_experiment(store.con)
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


def outcome_figures(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[TableBlock]]:
    """Each stored outcome by variant (mean and 90% band), and differences from the baseline."""
    assert subject.ident is not None
    means = reports.experiment_summary(con, subject.ident, "mean")
    diffs = reports.experiment_summary(con, subject.ident, "difference")
    relative = reports.experiment_summary(con, subject.ident, "relative")
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
                        y=np.array([finite(rows[v].get("value"))]),
                        low=np.array([finite(rows[v].get("low"), finite(rows[v].get("value")))]),
                        high=np.array([finite(rows[v].get("high"), finite(rows[v].get("value")))]),
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
    return figures, [_summary_table(means, diffs + relative, variants, outcomes)]


def _difference_figure(
    means: list[dict[str, Any]],
    diffs: list[dict[str, Any]],
    variants: list[str],
    outcomes: list[str],
) -> FigureSpec | None:
    """Differences from the baseline in % of the baseline mean, with confidence intervals."""
    if not diffs:
        return None
    base = {r["outcome"]: finite(r.get("value")) for r in means if r["variant"] == variants[0]}
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
            value = finite(r.get("value")) if ok else math.nan
            y.append(value / scale * 100 if ok else math.nan)
            low.append(finite(r.get("low"), value) / scale * 100 if ok else math.nan)
            high.append(finite(r.get("high"), value) / scale * 100 if ok else math.nan)
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
            d = next(
                (
                    r
                    for r in diffs
                    if (r["outcome"], r["variant"], r["statistic"]) == (o, v, "difference")
                ),
                None,
            )
            rel = next(
                (
                    r
                    for r in diffs
                    if (r["outcome"], r["variant"], r["statistic"]) == (o, v, "relative")
                ),
                None,
            )
            if m is None:
                continue
            rows.append(
                [
                    o,
                    v,
                    cell(finite(m.get("value"))),
                    f"{cell(finite(m.get('low')))} to {cell(finite(m.get('high')))}",
                    "—"
                    if d is None
                    else f"{cell(finite(d.get('value')))} ({cell(finite(d.get('low')))} to "
                    f"{cell(finite(d.get('high')))})",
                    "—" if rel is None or rel.get("value") is None else _percent(rel),
                    cell(m.get("n")),
                    cell(m.get("failed")),
                ]
            )
    return TableBlock(
        section=EXPERIMENT,
        title="Outcomes by variant",
        header=[
            "outcome",
            "variant",
            "mean",
            "90% band",
            "difference (CI)",
            "relative (CI)",
            "runs",
            "failed",
        ],
        rows=rows,
        note="As summarised by helix experiment (experiment_summaries).",
    )


def _percent(row: dict[str, Any]) -> str:
    """A relative difference and its interval in percent."""
    value, low, high = (finite(row.get(k)) for k in ("value", "low", "high"))
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{value:+.1%}"
    return f"{value:+.1%} ({low:+.1%} to {high:+.1%})"


def _sensitivity_rows(con: duckdb.DuckDBPyConnection, ident: str) -> list[dict[str, Any]]:
    """Rows (outcome, parameter, index, value, conf) of stored sensitivity indices."""
    out: list[dict[str, Any]] = []
    for row in reports.experiment_sensitivity(con, ident):
        outcome = str(row.get("outcome") or "outcome")
        if row.get("variant"):
            outcome = f"{outcome} ({row['variant']})"
        out.append(
            {
                "outcome": outcome,
                "parameter": str(row["parameter"]),
                "index": str(row["index"]),
                "value": row["value"],
                "conf": row.get("conf"),
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
                    y=np.array([finite(by.get(p, {}).get("value")) for p in params]),
                    error=np.array([abs(finite(by.get(p, {}).get("conf"), 0.0)) for p in params]),
                    color=PALETTE[ii % len(PALETTE)],
                    mode="bar",
                )
            )
        ranks = {r["index"] for r in mine} == {"spearman"}  # a latin or grid sweep
        caption = (
            "Spearman's rank correlation of the outcome with each parameter over the runs: "
            "long bars are the parameters that move it, up or down. Error bars reach the upper "
            "end of the stored confidence interval."
            if ranks
            else "Tall bars are the parameters that drive this outcome; a total index (ST) "
            "well above the first-order one (S1) means the parameter acts through "
            "interactions. Error bars are the stored confidence intervals."
        )
        figures.append(
            FigureSpec(
                key=f"sensitivity_{oi}",
                section=EXPERIMENT,
                title=f"Sensitivity of {outcome} to each parameter",
                x_label="parameter",
                y_label="rank correlation" if ranks else "sensitivity index",
                caption=caption,
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
    if figures:
        tables += channel_tables(con, subject.ident, EXPERIMENT)
    sensitivity = sensitivity_figures(con, subject.ident)
    counts = ", ".join(f"{g} ({len(r)})" for g, r in subject.groups.items())
    note = (
        f"{len(subject.runs)} finished runs in {len(subject.groups)} variant(s): {counts}. "
        "Time series by variant are under 'Variants side by side'."
    )
    if not figures:
        note += " No summary is stored for this experiment yet (run helix experiment to finish it)."
    return figures + sensitivity, tables, {EXPERIMENT: [note]}
