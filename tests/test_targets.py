"""The report's figures measured from indicators with SQL, on hand-made series."""

from __future__ import annotations

import numpy as np
import pytest

from helix.experiments.targets import in_memory, measure, recovery_months
from helix.scenario.schema import Target

MONTHS = [f"{y}-{m:02d}" for y in range(2020, 2026) for m in range(1, 13)]


def _indicators(series: dict[tuple[str, str], list[float]]) -> dict[str, np.ndarray]:
    """Long-form rows for (indicator, city) -> monthly values, one sector each."""
    cols: dict[str, list] = {
        k: [] for k in ("month", "city", "district", "sector", "indicator", "value")
    }
    for (indicator, city), values in series.items():
        for month, value in zip(MONTHS, values, strict=False):
            cols["month"].append(month)
            cols["city"].append(city)
            cols["district"].append(None)
            cols["sector"].append("ai")
            cols["indicator"].append(indicator)
            cols["value"].append(float(value))
    return {k: np.asarray(v, dtype=object if k != "value" else float) for k, v in cols.items()}


def _target(**fields) -> Target:
    base = {
        "city": "Shanghai",
        "start": "2020-01",
        "end": "2025-12",
        "observed": 1.0,
        "tolerance": 0.1,
    }
    return Target(**{**base, **fields})


def test_recovery_months_counts_from_the_shock_to_the_old_level():
    series = dict(zip(MONTHS[:8], [10, 10, 10, 6, 7, 9, 10.5, 11], strict=True))
    assert recovery_months(series, MONTHS[3], MONTHS[7]) == 3.0
    assert recovery_months(series, MONTHS[3], MONTHS[5]) is None  # not back by the end
    assert recovery_months(series, MONTHS[0], MONTHS[7]) is None  # no month before
    assert recovery_months(series, "2030-01", MONTHS[7]) is None


def test_growth_ratios_and_city_ratios_read_years_of_the_series():
    growth = [100 * 1.2 ** (i // 12) for i in range(72)]  # output: a flow, +20% a year
    rent = [50 + i for i in range(72)]  # a level
    con = in_memory(
        _indicators(
            {
                ("output", "Shanghai"): growth,
                ("rent", "Shanghai"): rent,
                ("vc_invested", "Shanghai"): [1] * 12 + [3] * 60,
                ("vc_invested", "Beijing"): [2] * 72,
            }
        )
    )
    cagr = measure(con, "run", _target(indicator="output", statistic="cagr", observed=0.2))
    assert cagr["simulated"] == pytest.approx(0.2) and cagr["pass"]
    ratio = measure(con, "run", _target(indicator="rent", statistic="ratio", observed=2.0))
    assert ratio["simulated"] == pytest.approx(np.mean(rent[60:]) / np.mean(rent[:12]))
    crossing = measure(
        con,
        "run",
        _target(
            indicator="vc_invested",
            statistic="city_ratio",
            other_city="Beijing",
            comparison="crosses",
        ),
    )
    assert crossing["simulated"] == {"2020": pytest.approx(0.5), "2025": pytest.approx(1.5)}
    assert crossing["pass"]
    level = measure(
        con,
        "run",
        _target(
            indicator="rent",
            statistic="level",
            start="2021-01",
            end="2021-01",
            observed=62,
            tolerance=1,
        ),
    )
    assert level["simulated"] == 62 and level["pass"]
