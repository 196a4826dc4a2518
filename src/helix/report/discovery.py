"""A scenario discovery in a report: PRIM's coverage-density trade-off and each box's limits, as
``helix discover`` stored them (:mod:`helix.store.discoveries`)."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from helix.errors import StoreError
from helix.report.page import TableBlock
from helix.report.source import Subject
from helix.report.spec import PALETTE, FigureSpec, Level, Series
from helix.report.values import cell, finite
from helix.store import Store, reports

DISCOVERY = "Scenario discovery"
LATEST = "latest"
READ_COLOR = "#111111"


def discovery_subject(store: Store, ident: str) -> Subject:
    """A discovery: its ``discoveries`` row (``latest``: the discovery made last). A discovery
    reads its experiment's runs but is about its boxes: its report draws no run."""
    con = store.con
    if ident == LATEST:
        found = reports.latest_discovery(con)
        if found is None:
            raise StoreError("the store holds no discovery", file=store.path, key="--discovery")
        ident = found
    row = reports.discovery_row(con, ident)
    if not row:
        raise StoreError(f"no discovery {ident!r} in the store", file=store.path, key="--discovery")
    facts = [
        ("experiment", f"{row.get('experiment')} ({row.get('experiment_id')})"),
        ("experiment file", row.get("file")),
        ("variant", row.get("variant")),
        ("rule", row.get("rule")),
        ("cases", f"{row.get('of_interest')} of {row.get('cases')} runs meet the rule"),
        ("left out", row.get("left_out")),
        ("box read", f"{row.get('chosen_box')}: {row.get('why')}"),
        ("PRIM", f"ema-workbench {row.get('ema_version')}"),
        ("helix version", row.get("helix_version")),
        ("run date", row.get("created")),
    ]
    meta = []
    for label, value in facts:
        if value is None or value == "" or (label == "left out" and not value):
            continue
        if hasattr(value, "strftime"):
            value = value.strftime("%Y-%m-%d %H:%M UTC")
        meta.append((label, cell(value)))
    return Subject(
        kind="discovery", label=str(row.get("rule") or ident), runs=[], ident=ident, meta=meta
    )


def tradeoff_figure(boxes: list[dict[str, Any]], chosen: int, threshold: float) -> FigureSpec:
    """Coverage against density of every box on the peeling trajectory, by restrictions."""
    series = []
    for i, dims in enumerate(sorted({int(b["restricted"]) for b in boxes})):
        mine = [b for b in boxes if int(b["restricted"]) == dims]
        series.append(
            Series(
                name=f"{dims} restricted parameter{'s' if dims != 1 else ''}",
                x=[finite(b["coverage"]) for b in mine],
                y=np.array([finite(b["density"]) for b in mine]),
                text=[
                    f"box {b['box']}: coverage {finite(b['coverage']):.2f}, density "
                    f"{finite(b['density']):.2f}, mass {finite(b['mass']):.2f}"
                    for b in mine
                ],
                color=PALETTE[i % len(PALETTE)],
                mode="markers",
                size=np.full(len(mine), 9.0),
            )
        )
    read = next((b for b in boxes if int(b["box"]) == chosen), None)
    if read is not None:
        series.append(
            Series(
                name=f"box {chosen}, the one read",
                x=[finite(read["coverage"])],
                y=np.array([finite(read["density"])]),
                text=[f"box {chosen}"],
                color=READ_COLOR,
                mode="markers",
                size=np.array([18.0]),
                symbol="circle-open",
                show_text=True,
            )
        )
    return FigureSpec(
        key="discovery_tradeoff",
        section=DISCOVERY,
        title="PRIM's peeling trajectory: coverage against density",
        x_label="coverage (share of the cases of interest inside the box)",
        y_label="density (share of the box's cases that are of interest)",
        caption="Each point is a box on PRIM's peeling trajectory, from every case (right) to "
        "the smallest box (left): peeling trades coverage for density, and each restriction "
        "makes the box harder to read. The ringed box is the one read; the dotted line is the "
        "density a box needs to be read by default.",
        x_kind="number",
        series=series,
        levels=[Level(threshold, f"density {threshold:g}", "#999999")],
    )


def limits_figure(
    limits: list[dict[str, Any]], parameters: list[dict[str, Any]], chosen: int
) -> FigureSpec | None:
    """The box read, on each swept parameter: its range as a share of the range swept."""
    mine = {str(r["parameter"]): r for r in limits if int(r["box"]) == chosen}
    names, mid, low, high, text = [], [], [], [], []
    for p in parameters:
        name = str(p["parameter"])
        r = mine.get(name)
        lo, hi = finite(p.get("low")), finite(p.get("high"))
        if r is None or not hi > lo:
            continue
        a = (finite(r["low"]) - lo) / (hi - lo)
        b = (finite(r["high"]) - lo) / (hi - lo)
        names.append(name)
        low.append(a)
        high.append(b)
        mid.append((a + b) / 2)
        kept = "restricted" if r.get("restricted") else "not restricted"
        text.append(f"{name}: {_limit(r['low'])} to {_limit(r['high'])} ({kept})")
    if not names:
        return None
    return FigureSpec(
        key="discovery_box",
        section=DISCOVERY,
        title=f"Box {chosen} on each swept parameter",
        x_label="parameter",
        y_label="position within the range swept (0 = low, 1 = high)",
        caption="Each bar is the box's range on one parameter, within the range the experiment "
        "swept: a bar that spans 0 to 1 leaves the parameter free, a short one is a condition "
        "under which the rule holds.",
        x_kind="category",
        categories=names,
        series=[
            Series(
                name=f"box {chosen}",
                x=names,
                y=np.array(mid),
                low=np.array(low),
                high=np.array(high),
                text=text,
                color=PALETTE[1],
                mode="markers",
                size=np.full(len(names), 4.0),
            )
        ],
        levels=[Level(0.0, "lowest swept", "#999999"), Level(1.0, "highest swept", "#999999")],
    )


def scores_figure(parameters: list[dict[str, Any]]) -> FigureSpec | None:
    """Each parameter's feature score."""
    rows = sorted(parameters, key=lambda p: -finite(p.get("score"), 0.0))
    if not rows:
        return None
    names = [str(p["parameter"]) for p in rows]
    return FigureSpec(
        key="discovery_scores",
        section=DISCOVERY,
        title="Feature scores: how much each parameter tells the cases of interest apart",
        x_label="parameter",
        y_label="feature score (extra trees; the scores sum to 1)",
        caption="Scores from an extra-trees classifier of the cases (Jaxa-Rozen & Kwakkel "
        "2018): a parameter with a high score separates the runs that meet the rule from those "
        "that do not, whether or not a box restricts it.",
        x_kind="category",
        categories=names,
        series=[
            Series(
                name="feature score",
                x=names,
                y=np.array([finite(p.get("score")) for p in rows]),
                color=PALETTE[2],
                mode="bar",
            )
        ],
    )


def _limit(value: Any) -> str:
    """A limit as a reader compares it with the range swept: whole thousands written out
    (a wage of 20,000, not 2e+04), else four significant digits."""
    v = finite(value)
    if np.isfinite(v) and abs(v) >= 1e4:
        return f"{v:,.0f}"
    return cell(v)


def _quasi_p(row: dict[str, Any]) -> str:
    values = [finite(row.get(k)) for k in ("quasi_p_low", "quasi_p_high")]
    shown = [f"{v:.2g}" for v in values if np.isfinite(v)]
    return ", ".join(shown) or "—"


def box_table(
    limits: list[dict[str, Any]], parameters: list[dict[str, Any]], chosen: int, title: str
) -> TableBlock:
    """The box read: each parameter's range swept, the box's limits and their quasi-p values."""
    swept = {str(p["parameter"]): p for p in parameters}
    rows = []
    for r in (r for r in limits if int(r["box"]) == chosen):
        p = swept.get(str(r["parameter"]), {})
        rows.append(
            [
                str(r["parameter"]),
                str(p.get("role", "")),
                f"{_limit(p.get('low'))} to {_limit(p.get('high'))}",
                _limit(r["low"]),
                _limit(r["high"]),
                "yes" if r.get("restricted") else "no",
                _quasi_p(r) if r.get("restricted") else "—",
            ]
        )
    rows.sort(key=lambda row: row[5] != "yes")
    return TableBlock(
        section=DISCOVERY,
        title=title,
        header=["parameter", "role", "swept", "box low", "box high", "restricted", "quasi-p"],
        rows=rows,
        note="Quasi-p values (Bryant & Lempert 2010) of the box's lower and upper limits: the "
        "chance of a limit this good arising by chance; small values mark real conditions.",
    )


def trajectory_table(boxes: list[dict[str, Any]], limits: list[dict[str, Any]]) -> TableBlock:
    """Every box of the trajectory with its coverage, density, mass and limits."""
    rows = []
    for b in boxes:
        mine = [r for r in limits if int(r["box"]) == int(b["box"]) and r.get("restricted")]
        rows.append(
            [
                str(b["box"]),
                cell(finite(b["coverage"])),
                cell(finite(b["density"])),
                cell(finite(b["mass"])),
                str(b["restricted"]),
                "; ".join(
                    f"{r['parameter']} {_limit(r['low'])} to {_limit(r['high'])}" for r in mine
                )
                or "every case",
            ]
        )
    return TableBlock(
        section=DISCOVERY,
        title="Each box of the peeling trajectory",
        header=["box", "coverage", "density", "mass", "restricted", "limits"],
        rows=rows,
        note="As stored by helix discover (discovery_boxes, discovery_limits).",
    )


def discovery_sections(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[FigureSpec], list[TableBlock], dict[str, list[str]]]:
    assert subject.ident is not None
    row = reports.discovery_row(con, subject.ident)
    boxes = reports.discovery_boxes(con, subject.ident)
    limits = reports.discovery_limits(con, subject.ident)
    parameters = reports.discovery_parameters(con, subject.ident)
    chosen = int(row.get("chosen_box") or 0)
    threshold = finite(row.get("threshold"), 0.8)
    read = next((b for b in boxes if int(b["box"]) == chosen), {})
    title = (
        f"Box {chosen}: coverage {cell(finite(read.get('coverage')))}, density "
        f"{cell(finite(read.get('density')))}, mass {cell(finite(read.get('mass')))}"
    )
    figures = [
        f
        for f in (
            tradeoff_figure(boxes, chosen, threshold) if boxes else None,
            limits_figure(limits, parameters, chosen),
            scores_figure(parameters),
        )
        if f is not None
    ]
    tables = [box_table(limits, parameters, chosen, title), trajectory_table(boxes, limits)]
    note = (
        f"The runs of {row.get('experiment')} (variant {row.get('variant')}) where "
        f"{row.get('rule')} are the cases of interest: {row.get('of_interest')} of "
        f"{row.get('cases')}. PRIM peels the space of the swept parameters towards boxes where "
        f"they are dense; box {chosen} is read ({row.get('why')})."
    )
    return figures, tables, {DISCOVERY: [note]}
