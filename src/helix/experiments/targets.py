"""The report's figures (a scenario's ``[targets]``), measured on a run's observations.

Every number comes from :mod:`helix.experiments.measures`, the one implementation of the
statistics; this module only says which statistic each kind of target asks for and whether
the simulated value agrees with the report. A stored run is measured the same way after
:func:`helix.store.runs.observations` has rebuilt its observations.

A target's year statistics (``cagr``, ``ratio``, ``growth``, ``change``, ``city_ratio``)
compare the whole calendar years of its ``start`` and ``end``; ``level`` reads the month
``start``; ``recovery_months`` counts from ``start`` up to ``end``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from helix.experiments import measures
from helix.scenario.schema import Scenario, Target
from helix.world.catalogue import INDICATORS
from helix.world.indicators import Observations

INTENSIVE = frozenset(name for name, i in INDICATORS.items() if i.intensive)
"""Indicators averaged, not summed, over cells (shares, rents, wages)."""


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _series(obs: Observations, t: Target, city: str) -> measures.Series:
    return measures.series(obs, t.indicator, city=city, sector=t.sector)


def measure(obs: Observations, t: Target, scale: float = 1.0) -> dict[str, Any]:
    """Simulated value of one target, the report's value and whether they agree.

    Returns:
        ``{"simulated", "report", "pass"}``; ``simulated`` is a number (``None`` if it cannot
        be measured), or for ``change`` and ``city_ratio`` a dict of the two years' values
        (``{"2019": ..., "2024": ...}``).
    """
    s = _series(obs, t, t.city)
    y0, y1 = int(t.start[:4]), int(t.end[:4])
    simulated: Any
    value: float | None
    if t.statistic == "level":
        value = _finite(measures.scaled(t.indicator, "level", s.at(t.start), scale))
        simulated = value
    elif t.statistic in ("cagr", "growth"):
        value = _finite(measures.over_years(s, t.statistic, y0, y1))
        simulated = value
    elif t.statistic == "ratio":
        years = s.yearly()
        value = _finite(measures.ratio(years.get(y0, math.nan), years.get(y1, math.nan)))
        simulated = value
    elif t.statistic == "change":
        years = s.yearly()
        a, b = (
            measures.scaled(t.indicator, "change", years.get(y, math.nan), scale) for y in (y0, y1)
        )
        value = b - a
        simulated = {str(y0): a, str(y1): b}
    elif t.statistic == "city_ratio":
        assert t.other_city is not None
        ratios = {
            str(y): _finite(
                measures.city_ratio(obs, t.indicator, t.city, t.other_city, y, sector=t.sector)
            )
            for y in (y0, y1)
        }
        simulated = ratios
        value = ratios[str(y1)]
    elif t.statistic == "recovery_months":
        value = _finite(measures.recovery_months(s, t.start, t.end, t.recovered))
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


def _mean(values: Sequence[Any]) -> float | None:
    """The mean of the seeds' values; None if any seed's cannot be measured (a recovery that
    never comes has no number to average)."""
    numbers = [float(v) for v in values if v is not None]
    if len(numbers) < len(values) or not numbers or not all(map(math.isfinite, numbers)):
        return None
    return float(np.mean(numbers))


def headline(t: Target, simulated: Any) -> float | None:
    """The one number a target's verdict reads from its simulated value: the value itself, the
    last year's ratio (``city_ratio``) or the change between the two years (``change``)."""
    if not isinstance(simulated, dict):
        return simulated
    first, last = (simulated.get(k) for k in (t.start[:4], t.end[:4]))
    if t.statistic == "city_ratio":
        return last
    if first is None or last is None:
        return None
    return _finite(last - first)


def on_mean_over_seeds(t: Target, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A target held against the report on the mean over seeds.

    Args:
        t: The target.
        runs: Its :func:`measure` on each seed's run.

    Returns:
        ``{"simulated", "report", "pass"}`` as :func:`measure` gives for one run, with the mean
        over the seeds as ``simulated`` (each year's mean for ``change`` and ``city_ratio``);
        ``None`` where any seed's value is missing, which fails.
    """
    sims = [r["simulated"] for r in runs]
    simulated: Any
    if sims and isinstance(sims[0], dict):
        simulated = {k: _mean([s.get(k) for s in sims]) for k in sims[0]}
    else:
        simulated = _mean(sims)
    value = headline(t, simulated)
    return {"simulated": simulated, "report": t.observed, "pass": _agrees(t, value, simulated)}


def measure_all(obs: Observations, scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Every target of the scenario measured on one run's observations."""
    return {name: measure(obs, t, scenario.scale) for name, t in scenario.targets.items()}


def recovery_months(
    series: dict[str, float], start: str, end: str, recovered: float = 1.0
) -> float | None:
    """Months from ``start`` until a month -> value series has regained the share
    ``recovered`` of its fall (``None`` if not by ``end``): :func:`measures.recovery_months`
    on a dict."""
    months = sorted(series)
    s = measures.Series("", months, np.array([series[m] for m in months], dtype=float))
    return _finite(measures.recovery_months(s, start, end, recovered))
