"""The report's figures measured on hand-made observations."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from helix.experiments.targets import measure, recovery_months
from helix.scenario.schema import Target
from helix.world.catalogue import INDICATORS
from helix.world.indicators import Observations

MONTHS = [f"{y}-{m:02d}" for y in range(2020, 2026) for m in range(1, 13)]


def _observations(series: dict[tuple[str, str], list[float]]) -> Observations:
    """Observations of two cities and one sector (all else zero) with the given series."""
    cities = sorted({city for _, city in series} | {"Shanghai", "Beijing"})
    obs = Observations(MONTHS, cities, ["d0"], ["ai"], np.array([cities.index("Shanghai")]))
    t = len(MONTHS)
    for name, info in INDICATORS.items():
        if info.dims == "city_sector":
            obs.city_sector[name] = np.zeros((t, len(cities), 1))
        elif info.dims == "city":
            obs.city[name] = np.zeros((t, len(cities)))
        else:
            obs.district[name] = np.zeros((t, 1))
    for (name, city), values in series.items():
        c = cities.index(city)
        if INDICATORS[name].dims == "city_sector":
            obs.city_sector[name][:, c, 0] = values
        elif INDICATORS[name].dims == "city":
            obs.city[name][:, c] = values
        else:
            obs.district[name][:, 0] = values
    return obs


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
    # Half the way back from the lowest point (6) to the old level (10) is 8: two months.
    assert recovery_months(series, MONTHS[3], MONTHS[7], recovered=0.5) == 2.0
    assert recovery_months(series, MONTHS[3], MONTHS[7], recovered=0.25) == 1.0
    deeper = dict(zip(MONTHS[:8], [10, 10, 10, 8, 4, 6, 7, 9], strict=True))
    # The fall is measured to the lowest point so far (4): half way back is 7, in month 3.
    assert recovery_months(deeper, MONTHS[3], MONTHS[7], recovered=0.5) == 3.0
    assert recovery_months(deeper, MONTHS[3], MONTHS[7]) is None


def test_recovered_is_a_share_read_only_by_recoveries():
    assert _target(statistic="recovery_months", indicator="x", recovered=0.5).recovered == 0.5
    for bad in (0.0, 1.5):
        with pytest.raises(ValidationError):
            _target(statistic="recovery_months", indicator="x", recovered=bad)
    with pytest.raises(ValidationError, match="recovered"):
        _target(statistic="cagr", indicator="x", recovered=0.5)


def test_growth_ratios_and_city_ratios_read_years_of_the_series():
    growth = [100 * 1.2 ** (i // 12) for i in range(72)]  # output: a flow, +20% a year
    rent = [50 + i for i in range(72)]  # a level
    obs = _observations(
        {
            ("output", "Shanghai"): growth,
            ("rent", "Shanghai"): rent,
            ("vc_invested", "Shanghai"): [1] * 12 + [3] * 60,
            ("vc_invested", "Beijing"): [2] * 72,
        }
    )
    cagr = measure(obs, _target(indicator="output", statistic="cagr", observed=0.2))
    assert cagr["simulated"] == pytest.approx(0.2) and cagr["pass"]
    ratio = measure(obs, _target(indicator="rent", statistic="ratio", observed=2.0))
    assert ratio["simulated"] == pytest.approx(np.mean(rent[60:]) / np.mean(rent[:12]))
    crossing = measure(
        obs,
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
        obs,
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


def test_a_level_of_a_count_is_at_the_size_of_the_real_world():
    obs = _observations({("unicorns", "Shanghai"): [5.0] * 72})
    t = _target(indicator="unicorns", statistic="level", start="2021-01", end="2021-01")
    assert measure(obs, t, scale=0.5)["simulated"] == 10.0
    share = _target(indicator="top_graduate_abroad_share", statistic="level", start="2021-01")
    obs.city["top_graduate_abroad_share"][:, obs.cities.index("Shanghai")] = 0.3
    assert measure(obs, share.model_copy(update={"end": "2021-01"}), scale=0.5)["simulated"] == 0.3
