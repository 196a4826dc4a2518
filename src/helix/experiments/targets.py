"""The report's figures, measured on a run's indicators with SQL, as a user would.

Everything here reads the ``indicators`` table only (of the store, or of an in-memory DuckDB
holding one run), so a simulated target can be checked by hand with the same query.

Aggregation: within a month, series of several sectors or districts are summed, except
intensive ones (shares, rents, wages), which are averaged. Across the months of a year, flows
(units "per month") are summed and levels averaged.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from helix.scenario.schema import Scenario, Target
from helix.world.indicators import UNITS

INTENSIVE = frozenset(
    name for name, (unit, _) in UNITS.items() if unit == "share" or name in {"rent", "wage"}
)


def _is_flow(indicator: str) -> bool:
    return UNITS[indicator][0].endswith("/month")


def monthly(
    con: duckdb.DuckDBPyConnection, run_id: str, indicator: str, city: str, sector: str | None
) -> dict[str, float]:
    """Month -> value of one indicator for a city (and optionally one sector)."""
    agg = "AVG" if indicator in INTENSIVE else "SUM"
    sql = (
        f"SELECT date, {agg}(value) FROM indicators WHERE run_id = ? AND indicator = ?"
        " AND city = ?" + (" AND sector = ?" if sector else "") + " GROUP BY date ORDER BY date"
    )
    params: list[Any] = [run_id, indicator, city] + ([sector] if sector else [])
    return {d: float(v) for d, v in con.execute(sql, params).fetchall()}


def annual(series: dict[str, float], year: str, flow: bool) -> float:
    values = [v for d, v in series.items() if d.startswith(year)]
    if not values:
        return float("nan")
    return float(np.sum(values) if flow else np.mean(values))


def recovery_months(series: dict[str, float], start: str, end: str) -> float | None:
    """Months from ``start`` until the series is back at its level of the month before."""
    months = sorted(series)
    if start not in series:
        return None
    i = months.index(start)
    if i == 0:
        return None
    baseline = series[months[i - 1]]
    for j in range(i, len(months)):
        if months[j] > end:
            break
        if series[months[j]] >= baseline:
            return float(j - i)
    return None


def measure(
    con: duckdb.DuckDBPyConnection, run_id: str, t: Target, scale: float = 1.0
) -> dict[str, Any]:
    """Simulated value of one target, the report's value and whether they agree.

    A level of an extensive indicator (a count, a sum) is divided by the run's ``scale``, so a
    run at scale 10 is compared with the report at the size of the real world.
    """
    series = monthly(con, run_id, t.indicator, t.city, t.sector)
    flow = _is_flow(t.indicator)
    y0, y1 = t.start[:4], t.end[:4]
    simulated: Any
    value: float | None
    if t.statistic == "cagr":
        years = int(y1) - int(y0)
        a, b = annual(series, y0, flow), annual(series, y1, flow)
        value = (b / a) ** (1.0 / max(years, 1)) - 1.0 if a > 0 else None
        simulated = value
    elif t.statistic == "level":
        value = series.get(t.start)
        if value is not None and t.indicator not in INTENSIVE:
            value /= scale
        simulated = value
    elif t.statistic in ("ratio", "growth"):
        a, b = annual(series, y0, flow), annual(series, y1, flow)
        value = b / a if a > 0 else None
        if value is not None and t.statistic == "growth":
            value -= 1.0
        simulated = value
    elif t.statistic == "change":
        a, b = annual(series, y0, flow), annual(series, y1, flow)
        value = b - a
        simulated = {y0: a, y1: b}
    elif t.statistic == "city_ratio":
        assert t.other_city is not None
        other = monthly(con, run_id, t.indicator, t.other_city, t.sector)
        ratios = {}
        for y in (y0, y1):
            denominator = annual(other, y, flow)
            ratios[y] = annual(series, y, flow) / denominator if denominator > 0 else None
        simulated = ratios
        value = ratios[y1]
    elif t.statistic == "recovery_months":
        value = recovery_months(series, t.start, t.end)
        simulated = value
    else:  # pragma: no cover - the schema admits no other statistic
        raise ValueError(t.statistic)
    return {"simulated": simulated, "report": t.observed, "pass": _agrees(t, value, simulated)}


def _agrees(t: Target, value: float | None, simulated: Any) -> bool:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return False
    if t.comparison == "within":
        return abs(value - t.observed) <= t.tolerance
    if t.comparison == "at_most":
        return value <= t.observed
    if t.comparison == "falls":
        return value < 0
    if t.comparison == "crosses":
        first, last = list(simulated.values())
        return first is not None and last is not None and first < t.observed < last
    return False


def measure_all(
    con: duckdb.DuckDBPyConnection, run_id: str, scenario: Scenario
) -> dict[str, dict[str, Any]]:
    return {name: measure(con, run_id, t, scenario.scale) for name, t in scenario.targets.items()}


def in_memory(indicators: dict[str, np.ndarray], run_id: str = "run") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding one run's indicators, for workers that have no store."""
    con = duckdb.connect()
    frame = {"run_id": np.full(len(indicators["value"]), run_id), **indicators}  # noqa: F841
    con.execute(
        "CREATE TABLE indicators AS SELECT run_id, month AS date, CAST(city AS VARCHAR) AS city,"
        " CAST(district AS VARCHAR) AS district, CAST(sector AS VARCHAR) AS sector,"
        " CAST(indicator AS VARCHAR) AS indicator, value FROM frame"
    )
    return con
