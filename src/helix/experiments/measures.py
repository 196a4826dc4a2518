"""Every statistic over a run's observations, in one place.

Targets (:mod:`helix.experiments.targets`), experiment outcomes, calibration and reports of
stored runs (through :func:`helix.store.runs.observations`) all measure here, so one question
has one answer whatever asks it.

How a figure is made from the dense arrays of :class:`~helix.world.indicators.Observations`:

1. **Selection**: the cells of one indicator for a city, a sector and a district (``None``:
   all of them). A district indicator selected by city takes that city's districts.
2. **Within a month**, the selected cells are summed, except intensive indicators (shares,
   rents, wages: ``INDICATORS[name].intensive``), which are averaged.
3. **A year** of a flow (``INDICATORS[name].flow``, a per-month quantity) is the sum of its
   months; a year of a level is their mean.
4. **A statistic** over a window of months: ``final``, ``mean``, ``total``, ``max``, ``min``
   (over the months); ``final_year`` (the window's last year), ``change``, ``growth`` and
   ``cagr`` (the last year against the first); ``level`` (one month); ``ratio`` and
   ``city_ratio`` (years against years); ``recovery_months`` (months until the series is back
   at the level of the month before the window).
5. **Scale**: a statistic in the indicator's own units (``final``, ``mean``, ``total``,
   ``max``, ``min``, ``final_year``, ``change``, ``level``) of an extensive indicator (a count,
   a sum) is divided by the run's ``scale``, so that every figure is at the size of the real
   world whatever the number of agents simulated; dimensionless statistics (``growth``,
   ``cagr``, ``ratio``, ``city_ratio``, ``recovery_months``) and intensive indicators are left
   as they are.

A figure that cannot be measured (no month in the window, a division by zero) is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from helix.world.calendar import month_index
from helix.world.catalogue import INDICATORS
from helix.world.indicators import Observations

MonthStatistic = Literal["final", "mean", "total", "max", "min"]
YearStatistic = Literal["final_year", "change", "growth", "cagr"]
MONTH_STATISTICS: tuple[str, ...] = ("final", "mean", "total", "max", "min")
YEAR_STATISTICS: tuple[str, ...] = ("final_year", "change", "growth", "cagr")
IN_UNITS = frozenset({*MONTH_STATISTICS, "final_year", "change", "level"})
"""Statistics expressed in the indicator's own units: divided by the scale if extensive."""

NAN = float("nan")


@dataclass(frozen=True)
class Series:
    """One indicator's monthly values over a selection of cells."""

    indicator: str
    months: list[str]
    values: np.ndarray  # one value per month

    def window(self, start: str | None, end: str | None) -> Series:
        """The months from ``start`` to ``end`` (both included; ``None``: the run's edge)."""
        first = month_index(start) if start is not None else None
        last = month_index(end) if end is not None else None
        keep = [
            i
            for i, m in enumerate(self.months)
            if (first is None or month_index(m) >= first)
            and (last is None or month_index(m) <= last)
        ]
        return Series(self.indicator, [self.months[i] for i in keep], self.values[keep])

    def yearly(self) -> dict[int, float]:
        """Year -> the year's value (flows summed over its months, levels averaged)."""
        flow = INDICATORS[self.indicator].flow
        years = np.array([int(m[:4]) for m in self.months], dtype=np.int64)
        out: dict[int, float] = {}
        for year in np.unique(years):
            months = self.values[years == year]
            out[int(year)] = float(np.sum(months) if flow else np.mean(months))
        return out

    def at(self, month: str) -> float:
        """The value of one month (NaN if the run does not have it)."""
        return float(self.values[self.months.index(month)]) if month in self.months else NAN


def kept(obs: Observations, indicator: str, *cities: str | None) -> bool:
    """Whether the observations hold the indicator, in each of ``cities`` if named (a stored
    run of an experiment keeps only what it reads, some indicators in one city only:
    :mod:`helix.experiments.keep`)."""
    info = INDICATORS[indicator]
    tables = {"city_sector": obs.city_sector, "city": obs.city, "district": obs.district}
    if indicator not in tables[info.dims]:
        return False
    for city in cities:
        if city is not None and np.isnan(series(obs, indicator, city=city).values).all():
            return False
    return True


def series(
    obs: Observations,
    indicator: str,
    *,
    city: str | None = None,
    sector: str | None = None,
    district: str | None = None,
) -> Series:
    """Monthly values of one indicator over the selected cells (summed, or averaged if intensive).

    Raises:
        KeyError: an unknown indicator, city, sector or district, a sector (district) given
            for an indicator without that breakdown, or an indicator a stored run did not keep.
    """
    info = INDICATORS[indicator]
    if not kept(obs, indicator):
        raise KeyError(f"{indicator} was not kept by this run (an experiment's `keep`)")
    if info.dims == "city_sector":
        if district is not None:
            raise KeyError(f"{indicator} has no district breakdown")
        arr = obs.city_sector[indicator]
        if city is not None:
            arr = arr[:, [obs.cities.index(city)], :]
        if sector is not None:
            arr = arr[:, :, [obs.sectors.index(sector)]]
        cells = arr.reshape(len(obs.months), -1)
    elif info.dims == "city":
        if sector is not None or district is not None:
            raise KeyError(f"{indicator} has only a city breakdown")
        cells = obs.city[indicator]
        if city is not None:
            cells = cells[:, [obs.cities.index(city)]]
    else:
        if sector is not None:
            raise KeyError(f"{indicator} has no sector breakdown")
        cells = obs.district[indicator]
        chosen = np.ones(len(obs.districts), dtype=bool)
        if city is not None:
            chosen &= np.asarray(obs.district_city) == obs.cities.index(city)
        if district is not None:
            chosen &= np.arange(len(obs.districts)) == obs.districts.index(district)
        cells = cells[:, chosen]
    if cells.shape[1] == 0:
        values = np.full(len(obs.months), NAN)
    else:
        values = cells.mean(axis=1) if info.intensive else cells.sum(axis=1)
    return Series(indicator, list(obs.months), np.asarray(values, dtype=float))


def scaled(indicator: str, statistic: str, value: float, scale: float) -> float:
    """``value`` at the size of the real world: see the module's rule 5."""
    if statistic in IN_UNITS and not INDICATORS[indicator].intensive and scale != 1.0:
        return value / scale
    return value


# ------------------------------------------------------------------------- over months


def over_months(s: Series, statistic: str) -> float:
    """``final``, ``mean``, ``total``, ``max`` or ``min`` of the series' months."""
    if not len(s.values):
        return NAN
    if statistic == "final":
        return float(s.values[-1])
    if statistic == "mean":
        return float(np.mean(s.values))
    if statistic == "total":
        return float(np.sum(s.values))
    if statistic == "max":
        return float(np.max(s.values))
    if statistic == "min":
        return float(np.min(s.values))
    raise ValueError(f"not a statistic over months: {statistic}")


# -------------------------------------------------------------------------- over years


def ratio(a: float, b: float) -> float:
    """``b / a`` for a positive ``a``, else NaN (a growth from nothing is not measured)."""
    return b / a if a > 0 else NAN


def growth(a: float, b: float) -> float:
    """Relative change from ``a`` to ``b`` (NaN unless ``a`` is positive)."""
    return ratio(a, b) - 1.0


def cagr(a: float, b: float, years: int) -> float:
    """Compound annual growth from ``a`` to ``b`` over ``years`` (NaN without a span)."""
    if not a > 0 or years < 1:
        return NAN
    return float((b / a) ** (1.0 / years) - 1.0)


def over_years(
    s: Series, statistic: str, first: int | None = None, last: int | None = None
) -> float:
    """``final_year``, ``change``, ``growth`` or ``cagr`` of year ``last`` against ``first``.

    ``first`` and ``last`` default to the series' first and last years; a year the series does
    not cover is NaN.
    """
    years = s.yearly()
    if not years:
        return NAN
    y0 = min(years) if first is None else first
    y1 = max(years) if last is None else last
    a, b = years.get(y0, NAN), years.get(y1, NAN)
    if statistic == "final_year":
        return b
    if statistic == "change":
        return b - a
    if statistic == "growth":
        return growth(a, b)
    if statistic == "cagr":
        return cagr(a, b, y1 - y0)
    raise ValueError(f"not a statistic over years: {statistic}")


def city_ratio(
    obs: Observations,
    indicator: str,
    city: str,
    other_city: str,
    year: int,
    *,
    sector: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> float:
    """``city``'s year of the indicator over ``other_city``'s (years as :meth:`Series.yearly`
    makes them, of the months ``start``..``end``), NaN unless the other city's year is positive
    and both are in the run."""
    mine = series(obs, indicator, city=city, sector=sector).window(start, end).yearly()
    other = series(obs, indicator, city=other_city, sector=sector).window(start, end).yearly()
    return ratio(other.get(year, NAN), mine.get(year, NAN))


def recovery_months(s: Series, start: str, end: str, recovered: float = 1.0) -> float:
    """Months from ``start`` until the series has regained the share ``recovered`` of its fall.

    The fall is from the level of the month before ``start`` to the lowest value since
    ``start``: with ``recovered`` 1 the series must be back at its level of the month before,
    with 0.5 half the way back. NaN if ``start`` is the run's first month or not in it, or if
    the series does not recover by ``end``.
    """
    if start not in s.months:
        return NAN
    i = s.months.index(start)
    if i == 0:
        return NAN
    baseline = s.values[i - 1]
    lowest = baseline
    last = month_index(end)
    for j in range(i, len(s.months)):
        if month_index(s.months[j]) > last:
            break
        lowest = min(lowest, s.values[j])
        if s.values[j] >= baseline - (1.0 - recovered) * (baseline - lowest):
            return float(j - i)
    return NAN


def statistic(
    s: Series, name: str, start: str | None = None, end: str | None = None, scale: float = 1.0
) -> float:
    """One statistic of the series over the window ``start``..``end``, at real-world size."""
    window = s.window(start, end)
    if name in MONTH_STATISTICS:
        value = over_months(window, name)
    elif name in YEAR_STATISTICS:
        value = over_years(window, name)
    else:
        raise ValueError(f"unknown statistic {name!r}")
    return scaled(s.indicator, name, value, scale)


# ---------------------------------------------------------------- paired differences


@dataclass(frozen=True)
class Difference:
    """A variant's effect: the mean of its differences from the baseline, paired by seed.

    ``low``/``high`` is the Student-t confidence interval of that mean (None with fewer than
    two pairs); ``base`` is the baseline's mean over the same pairs, so ``relative`` is the
    effect as a share of the baseline (its interval scales the same way: the baseline's own
    uncertainty is left out, which is small beside the difference's when the pairs share seeds).
    """

    mean: float
    low: float | None
    high: float | None
    n: int
    base: float

    @property
    def resolved(self) -> bool:
        """Whether the interval excludes zero (an exact zero, every pair equal, is not)."""
        if self.low is None or self.high is None:
            return False
        return self.low > 0 or self.high < 0

    def relative(self, value: float | None) -> float | None:
        """``value`` (the mean or a bound) as a share of the baseline, None if it has none."""
        if value is None or not np.isfinite(self.base) or self.base == 0:
            return None
        return value / abs(self.base)


def paired_difference(
    variant: Sequence[float], baseline: Sequence[float], confidence: float = 0.95
) -> Difference:
    """The mean of ``variant[i] - baseline[i]`` over pairs where both are finite, with its
    Student-t interval at ``confidence``.

    Runs of a variant and of the baseline that share their seed (common random numbers) differ
    only by the lever and what follows from it, so the spread of the differences, not of the
    runs, sets the interval.
    """
    from scipy import stats

    a = np.asarray(variant, dtype=float)
    b = np.asarray(baseline, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    d, base = a[ok] - b[ok], b[ok]
    if not len(d):
        return Difference(NAN, None, None, 0, NAN)
    mean = float(d.mean())
    if len(d) < 2:
        return Difference(mean, None, None, 1, float(base.mean()))
    half = float(stats.t.ppf(0.5 + confidence / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
    return Difference(mean, mean - half, mean + half, len(d), float(base.mean()))
