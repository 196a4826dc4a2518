"""The report's own figures (targets T1-T7): measured per run, tabled, and marked on the plots.

Targets are measured with :func:`helix.experiments.targets.measure` on each run's stored
observations, as ``helix run`` measures them. A mark is placed on the figure showing the target's indicator (and sector), at
the report's value, and its legend entry says whether the simulated world meets it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from helix.experiments import measures
from helix.experiments.targets import headline, measure
from helix.report.source import RunInfo
from helix.report.spec import REPORT_COLOR, FigureSpec, Level, Series, Shade
from helix.scenario.schema import Target, month_index, month_label
from helix.store.runs import observations


@dataclass
class Verdict:
    """A target measured over the runs of a report.

    Attributes:
        name: Target id (T1, ...).
        target: Its definition.
        values: Simulated scalar per run (None where it could not be measured).
        passes: Whether each run agrees with the report.
    """

    name: str
    target: Target
    values: list[float | None]
    passes: list[bool]

    @property
    def agrees(self) -> str:
        n = len(self.passes)
        k = sum(self.passes)
        if n == 1:
            return "yes" if k else "no"
        return f"{k} of {n} runs"

    @property
    def ok(self) -> bool:
        return bool(self.passes) and all(self.passes)

    def simulated_text(self) -> str:
        """The simulated value (median and range across runs) in the target's own terms."""
        finite = [v for v in self.values if v is not None and math.isfinite(v)]
        if not finite:
            return "not reached" if self.target.statistic == "recovery_months" else "—"
        text = fmt_value(self.target, float(np.median(finite)))
        if len(finite) > 1 and min(finite) != max(finite):
            text += (
                f" ({fmt_value(self.target, min(finite))} to {fmt_value(self.target, max(finite))})"
            )
        return text

    def report_text(self) -> str:
        t = self.target
        if t.comparison == "falls":
            return "falls"
        if t.comparison == "crosses":
            return f"crosses {t.observed:g} between {t.start[:4]} and {t.end[:4]}"
        if t.comparison == "at_most":
            return f"at most {fmt_value(t, t.observed)}"
        return f"{fmt_value(t, t.observed)} ± {fmt_value(t, t.tolerance, signed=False)}"

    def mark_label(self) -> str:
        word = "meets" if self.ok else ("mixed" if any(self.passes) else "misses")
        return (
            f"{self.name} report: {self.report_text()} · simulated {self.simulated_text()} ({word})"
        )


def scalar(t: Target, simulated: Any) -> float | None:
    """One number for a measured target: the last year's ratio, or the change (the number its
    verdict reads, :func:`helix.experiments.targets.headline`), if finite."""
    value = headline(t, simulated)
    if value is None or not math.isfinite(float(value)):
        return None
    return float(value)


def fmt_value(t: Target, value: float, signed: bool = True) -> str:
    """A target value in its statistic's terms: %/yr, x, months, or a plain number."""
    sign = "+" if signed else ""
    if t.statistic == "cagr":
        return f"{value * 100:{sign}.1f}%/yr"
    if t.statistic == "growth":
        return f"{value * 100:{sign}.0f}%"
    if t.statistic in ("ratio", "city_ratio"):
        return f"{value:.2f}×"
    if t.statistic == "recovery_months":
        return f"{value:.0f} months"
    if t.statistic == "change" and t.indicator.endswith("share"):
        return f"{value * 100:{sign}.1f} pp"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def verdicts(con: duckdb.DuckDBPyConnection, runs: list[RunInfo]) -> list[Verdict]:
    """Every target of the first run's scenario, measured on each run."""
    if not runs:
        return []
    out = []
    stored = {r.run_id: observations(con, r.run_id) for r in runs}
    for name, t in runs[0].targets().items():
        if not all(measures.kept(o, t.indicator, t.city, t.other_city) for o in stored.values()):
            continue  # runs of an experiment that did not keep it: left out, not failed
        values: list[float | None] = []
        passes: list[bool] = []
        for r in runs:
            try:
                m = measure(stored[r.run_id], t, float(r.scenario.get("scale", 1.0)))
            except (KeyError, ValueError, ZeroDivisionError):
                values.append(None)
                passes.append(False)
                continue
            values.append(scalar(t, m["simulated"]))
            passes.append(bool(m["pass"]))
        out.append(Verdict(name, t, values, passes))
    return out


# ----------------------------------------------------------------------------- marks on figures


def _x_of_year(spec: FigureSpec, year: str) -> int | str:
    return int(year) if spec.yearly else f"{year}-07"


def _annual(spec: FigureSpec, s: Series, year: str, flow: bool) -> float | None:
    """The series' value for a calendar year, as the targets measure it."""
    if spec.yearly:
        xs = [int(x) for x in s.x]
        return float(s.y[xs.index(int(year))]) if int(year) in xs else None
    values = [float(v) for x, v in zip(s.x, s.y, strict=True) if str(x).startswith(year)]
    if not values:
        return None
    return float(np.sum(values) if flow else np.mean(values))


def _point(
    name: str, x: int | str, y: float, error: float | None = None, symbol: str = "diamond"
) -> Series:
    return Series(
        name=name,
        x=[x],
        y=np.array([y]),
        error=None if error is None else np.array([error]),
        color=REPORT_COLOR,
        mode="markers",
        size=np.array([13.0]),
        symbol=symbol,
        key=None,
        group="report",
    )


def mark(spec: FigureSpec, v: Verdict) -> bool:
    """Draw target ``v`` on ``spec``; False if the figure lacks the series it needs."""
    t = v.target
    s = spec.find(t.city)
    if s is None:
        return False
    y0, y1 = t.start[:4], t.end[:4]
    label = v.mark_label()
    flow = spec.yearly
    if t.statistic == "cagr":
        a = _annual(spec, s, y0, flow)
        if a is None or not math.isfinite(a):
            return False
        years = list(range(int(y0), int(y1) + 1))
        n = np.arange(len(years), dtype=float)
        path = Series(
            name=label,
            x=[_x_of_year(spec, str(y)) for y in years],
            y=a * (1 + t.observed) ** n,
            low=a * (1 + t.observed - t.tolerance) ** n,
            high=a * (1 + t.observed + t.tolerance) ** n,
            color=REPORT_COLOR,
            dash=True,
            group="report",
        )
        spec.series.append(path)
        return True
    if t.statistic == "level":
        x = _x_of_year(spec, y0) if spec.yearly else t.start
        spec.series.append(
            _point(label, x, t.observed * spec.factor, error=t.tolerance * spec.factor)
        )
        return True
    if t.statistic in ("ratio", "growth"):
        a = _annual(spec, s, y0, flow)
        if a is None or not math.isfinite(a):
            return False
        factor = t.observed if t.statistic == "ratio" else 1 + t.observed
        spec.series.append(_point(label, _x_of_year(spec, y1), a * factor, a * t.tolerance))
        return True
    if t.statistic == "city_ratio" and t.other_city is not None:
        other = spec.find(t.other_city)
        b = None if other is None else _annual(spec, other, y1, flow)
        if b is None or not math.isfinite(b):
            return False
        symbol = "triangle-up" if t.comparison == "crosses" else "diamond"
        spec.series.append(_point(label, _x_of_year(spec, y1), b * t.observed, symbol=symbol))
        return True
    if t.statistic == "change":
        a = _annual(spec, s, y0, flow)
        if a is None or not math.isfinite(a):
            return False
        symbol = "triangle-down" if t.comparison == "falls" else "diamond"
        y = a + (0.0 if t.comparison == "falls" else t.observed * spec.factor)
        spec.series.append(_point(label, _x_of_year(spec, y1), y, symbol=symbol))
        return True
    if t.statistic == "recovery_months":
        before = month_label(month_index(t.start) - 1)
        xs = [str(x) for x in s.x]
        if before not in xs:
            return False
        level = float(s.y[xs.index(before)])
        window_end = month_label(month_index(t.start) + round(t.observed))
        spec.shades.append(Shade(t.start, window_end, label))
        spec.levels.append(Level(level, f"{t.city} level in {before}"))
        if t.recovered < 1.0:  # the line to reach: part of the way back from the lowest point
            after = [float(y) for x, y in zip(xs, s.y, strict=True) if t.start <= x <= t.end]
            lowest = min([level, *after])
            goal = level - (1.0 - t.recovered) * (level - lowest)
            spec.levels.append(Level(goal, f"{t.recovered:.0%} of the fall regained"))
        return True
    return False


def mark_all(specs: list[FigureSpec], found: list[Verdict]) -> list[str]:
    """Mark each target on the first figure of its indicator and sector; the ids marked."""
    marked = []
    for v in found:
        t = v.target
        for spec in specs:
            if spec.indicator == t.indicator and spec.sector == t.sector and mark(spec, v):
                marked.append(v.name)
                break
    return marked
