"""The one set of measures, on hand-made observations with known answers."""

from __future__ import annotations

import math
from typing import get_args

import numpy as np
import pytest

from helix.experiments import measures
from helix.experiments.spec import Outcome, Statistic
from helix.experiments.summary import outcome_value
from helix.world.catalogue import INDICATORS
from helix.world.indicators import Observations

MONTHS = [f"{y}-{m:02d}" for y in (2020, 2021, 2022) for m in range(1, 13)]
CITIES = ["A", "B"]
SECTORS = ["ai", "bio"]
DISTRICTS = ["a1", "a2", "b1"]


@pytest.fixture
def obs() -> Observations:
    """Two cities, two sectors, three districts (two in A); every series a known ramp."""
    t = len(MONTHS)
    o = Observations(MONTHS, CITIES, DISTRICTS, SECTORS, np.array([0, 0, 1]))
    ramp = np.arange(t, dtype=float)
    for name, info in INDICATORS.items():
        if info.dims == "city_sector":
            o.city_sector[name] = np.zeros((t, 2, 2))
        elif info.dims == "city":
            o.city[name] = np.zeros((t, 2))
        else:
            o.district[name] = np.zeros((t, 3))
    o.city_sector["output"][:, 0, 0] = 1.0 + ramp  # A/ai
    o.city_sector["output"][:, 0, 1] = 10.0  # A/bio
    o.city_sector["output"][:, 1, 0] = 5.0  # B/ai
    o.city_sector["firms"][:, 0, 0] = 4.0
    o.city_sector["top4_share"][:, 0, :] = [0.2, 0.6]
    o.district["rent"][:, :] = [100.0, 200.0, 50.0]
    return o


def test_cells_are_summed_and_intensive_ones_averaged(obs: Observations) -> None:
    a = measures.series(obs, "output", city="A")
    np.testing.assert_array_equal(a.values, 11.0 + np.arange(len(MONTHS)))
    assert measures.series(obs, "output", sector="ai").values[0] == 6.0  # both cities
    assert measures.series(obs, "top4_share", city="A").values[0] == pytest.approx(0.4)
    assert measures.series(obs, "rent", city="A").values[0] == 150.0  # A's districts only
    assert measures.series(obs, "rent", district="b1").values[0] == 50.0


def test_a_breakdown_the_indicator_does_not_have_is_an_error(obs: Observations) -> None:
    with pytest.raises(KeyError):
        measures.series(obs, "rent", sector="ai")
    with pytest.raises(KeyError):
        measures.series(obs, "wage", district="a1")


def test_years_sum_flows_and_average_levels(obs: Observations) -> None:
    flows = measures.series(obs, "output", city="B").yearly()
    assert flows == {2020: 60.0, 2021: 60.0, 2022: 60.0}
    levels = measures.series(obs, "firms", city="A").yearly()
    assert levels == {2020: 4.0, 2021: 4.0, 2022: 4.0}
    assert measures.series(obs, "rent", city="B").yearly()[2021] == 50.0  # a price: a mean


def test_statistics_over_months_and_years(obs: Observations) -> None:
    s = measures.series(obs, "output", city="A", sector="ai")  # 1, 2, ..., 36
    assert measures.statistic(s, "final") == 36.0
    assert measures.statistic(s, "total", "2020-01", "2020-12") == sum(range(1, 13))
    assert measures.statistic(s, "mean", "2021-01", "2021-12") == pytest.approx(18.5)
    assert measures.statistic(s, "max", end="2020-06") == 6.0
    assert measures.statistic(s, "min", start="2022-01") == 25.0
    y = {year: sum(range(1 + 12 * k, 13 + 12 * k)) for k, year in enumerate((2020, 2021, 2022))}
    assert measures.statistic(s, "final_year") == y[2022]
    assert measures.statistic(s, "change") == y[2022] - y[2020]
    assert measures.statistic(s, "growth") == pytest.approx(y[2022] / y[2020] - 1)
    assert measures.statistic(s, "cagr") == pytest.approx((y[2022] / y[2020]) ** 0.5 - 1)
    assert math.isnan(measures.statistic(s, "cagr", "2021-01", "2021-12"))  # one year: no span


def test_the_scale_rule(obs: Observations) -> None:
    """Figures in the indicator's units of extensive indicators are at real-world size."""
    firms = measures.series(obs, "firms", city="A")
    assert measures.statistic(firms, "final", scale=0.5) == 8.0
    assert measures.statistic(firms, "growth", scale=0.5) == 0.0  # dimensionless: as is
    share = measures.series(obs, "top4_share", city="A")
    assert measures.statistic(share, "final", scale=0.5) == pytest.approx(0.4)  # intensive


def test_growth_from_nothing_and_missing_windows_are_nan(obs: Observations) -> None:
    empty = measures.series(obs, "ipos", city="A")
    assert math.isnan(measures.statistic(empty, "growth"))
    assert math.isnan(measures.statistic(empty, "final", "2030-01", "2030-12"))


def test_recovery_months(obs: Observations) -> None:
    values = np.array([10, 10, 10, 6, 7, 9, 10.5, 11] + [11] * 28, dtype=float)
    s = measures.Series("output", MONTHS, values)
    assert measures.recovery_months(s, MONTHS[3], MONTHS[7]) == 3.0
    assert math.isnan(measures.recovery_months(s, MONTHS[3], MONTHS[5]))
    assert math.isnan(measures.recovery_months(s, MONTHS[0], MONTHS[7]))


def test_an_outcome_is_measured_over_its_window_at_real_world_size(obs: Observations) -> None:
    o = Outcome(indicator="output", city="A", statistic="total", start="2020-01", end="2020-12")
    assert outcome_value(obs, o, scale=0.5) == 2 * (sum(range(1, 13)) + 120.0)
    clipped = Outcome(indicator="output", city="B", statistic="final", end="2040-12")
    assert outcome_value(obs, clipped, scale=1.0) == 5.0


def test_a_city_ratio_outcome_is_one_citys_year_over_anothers(obs: Observations) -> None:
    # T3's form: a year of A's output over the same year of B's (flows: the months summed).
    o = Outcome(indicator="output", city="A", other_city="B", statistic="city_ratio")
    a_2022 = sum(11.0 + i for i in range(24, 36))
    assert outcome_value(obs, o, scale=0.5) == pytest.approx(a_2022 / (5.0 * 12))  # no scaling
    in_2020 = Outcome(
        indicator="output", city="A", other_city="B", statistic="city_ratio", end="2020-12"
    )
    assert outcome_value(obs, in_2020, scale=1.0) == pytest.approx(sum(range(11, 23)) / 60.0)
    nothing = Outcome(indicator="firms", city="A", other_city="B", statistic="city_ratio")
    assert math.isnan(outcome_value(obs, nothing, scale=1.0))  # B has no firms: not measured


def test_every_statistic_an_outcome_may_name_is_measured() -> None:
    measured = {*measures.MONTH_STATISTICS, *measures.YEAR_STATISTICS, "city_ratio"}
    assert set(get_args(Statistic)) == measured
