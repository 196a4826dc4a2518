"""Groups of runs side by side: variants of an experiment, or different worlds.

Each outcome is drawn per group with its band across replicates, and the targets per group.
The targets' spread across runs, normalised by tolerance, is drawn for any report. A number for
each variant's difference from the baseline is the experiment's own (mean with its confidence
interval, :mod:`helix.report.experiment`), not computed here a second way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np

from helix.report.page import TableBlock
from helix.report.series import cube, is_flow, yearly
from helix.report.source import Subject
from helix.report.spec import PALETTE, FigureSpec, Level, Series, band, band_label
from helix.report.targets import Verdict, verdicts

VARIANTS = "Variants side by side"
CLIP = 5.0


@dataclass
class Outcome:
    """A series of the core city compared across groups."""

    indicator: str
    title: str
    unit: str
    factor: float


OUTCOMES = (
    Outcome("output", "tech-sector output", "¥ billion", 1e-9),
    Outcome("vc_invested", "VC invested", "US$ billion", 1e-9),
    Outcome("unicorns", "unicorns", "firms", 1.0),
    Outcome("rent", "office rent (mean of districts)", "¥ per m² per month", 1.0),
    Outcome("top_graduate_abroad_share", "top graduates going abroad", "%", 100.0),
    Outcome("government_support_share", "government support share", "%", 100.0),
)


def _normalised(v: Verdict, value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    z = (value - v.target.observed) / v.target.tolerance
    return float(np.clip(z, -CLIP, CLIP))


def target_spread(groups: dict[str, list[Verdict]], section: str) -> FigureSpec:
    """Each target's simulated value per run, in tolerances from the report's value."""
    series = []
    several = len(groups) > 1
    for gi, (group, found) in enumerate(groups.items()):
        for passed, color, word in ((True, "#1a7f37", "meets"), (False, "#b42318", "misses")):
            xs, ys, text = [], [], []
            for v in found:
                for value, ok in zip(v.values, v.passes, strict=True):
                    z = _normalised(v, value)
                    if ok != passed or z is None:
                        continue
                    xs.append(v.name)
                    ys.append(z)
                    text.append(
                        f"{v.name}: simulated {v.simulated_text()}, report {v.report_text()}"
                    )
            if not xs:
                continue
            series.append(
                Series(
                    name=f"{group}: {word} the report" if several else f"run {word} the report",
                    x=xs,
                    y=np.asarray(ys),
                    text=text,
                    color=PALETTE[gi % len(PALETTE)] if several else color,
                    mode="markers",
                    size=np.full(len(xs), 11.0),
                    symbol="circle" if passed else "diamond",
                )
            )
    return FigureSpec(
        key="targets_spread",
        section=section,
        title="Where the simulated world meets or misses the report",
        x_label="target",
        y_label="(simulated − report) / tolerance",
        caption="Points between the dotted lines are within the report's tolerance ('falls' "
        "and 'crosses' targets pass by sign instead, 'at most' ones below 0); values are clipped "
        f"at ±{CLIP:g}.",
        x_kind="category",
        series=series,
        levels=[Level(1.0, "+1 tolerance"), Level(-1.0, "−1 tolerance")],
        categories=list(dict.fromkeys(v.name for found in groups.values() for v in found)),
    )


def _outcome_cube(con: duckdb.DuckDBPyConnection, ids: list[str], o: Outcome, city: str):
    c = cube(con, ids, o.indicator, "city", city=city)
    return yearly(c, flow=True) if is_flow(o.indicator) else c


def outcome_figure(
    con: duckdb.DuckDBPyConnection, subject: Subject, o: Outcome, city: str
) -> FigureSpec:
    ids = subject.run_ids
    c = _outcome_cube(con, ids, o, city)
    series = []
    for gi, (group, runs) in enumerate(subject.groups.items()):
        rows = [ids.index(r.run_id) for r in runs]
        mid, low, high = band(c.of(city)[rows] * o.factor)
        series.append(
            Series(
                name=f"{group} ({len(runs)} runs)",
                x=list(c.x),
                y=mid,
                low=low,
                high=high,
                color=PALETTE[gi % len(PALETTE)],
                width=3.0 if gi == 0 else 2.0,
            )
        )
    flow = is_flow(o.indicator)
    per = " per year" if flow else ""
    yearly_x = bool(c.x) and isinstance(c.x[0], int)
    return FigureSpec(
        key=f"variants_{o.indicator}",
        section=VARIANTS,
        title=f"{city}: {o.title} by variant",
        x_label="year" if yearly_x else "month",
        y_label=f"{o.title} ({o.unit}{per})",
        caption=f"The thick line is the baseline ({next(iter(subject.groups))}); where bands "
        "do not overlap, the difference is larger than the spread across replicates."
        + band_label(min(len(r) for r in subject.groups.values())),
        x_kind="year" if yearly_x else "month",
        series=series,
    )


def targets_by_group(found: dict[str, list[Verdict]]) -> TableBlock:
    groups = list(found)
    names = [v.name for v in next(iter(found.values()))]
    rows = []
    for i, name in enumerate(names):
        first = found[groups[0]][i]
        row = [name, first.report_text()]
        for g in groups:
            v = found[g][i] if i < len(found[g]) else None
            row.append("—" if v is None else f"{v.simulated_text()} · agrees: {v.agrees}")
        rows.append(row)
    return TableBlock(
        section=VARIANTS,
        title="The report's figures by variant",
        header=["target", "report", *groups],
        rows=rows,
    )


def comparison(
    con: duckdb.DuckDBPyConnection, subject: Subject, city: str
) -> tuple[list[FigureSpec], list[TableBlock]]:
    """Figures and tables comparing the subject's groups of runs in ``city`` (the core)."""
    figures = [outcome_figure(con, subject, o, city) for o in OUTCOMES]
    found = {g: verdicts(con, runs) for g, runs in subject.groups.items()}
    tables = [targets_by_group(found)] if any(found.values()) else []
    if any(found.values()):
        spread = target_spread(found, VARIANTS)
        spread.key = "variants_targets_spread"
        figures.append(spread)
    return figures, tables
