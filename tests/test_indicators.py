"""Indicators: what is observed each month, and its long form for the store."""

from __future__ import annotations

import numpy as np
import pytest

from helix.world.catalogue import INDICATORS
from helix.world.flows import FLOW_NAMES
from helix.world.indicators import (
    CITY,
    CITY_SECTOR,
    DISTRICT,
    OBSERVED_FLOWS,
    READ_OFF_STATE,
    UNITS,
    Observations,
    top4_share,
)


def test_every_indicator_has_a_unit_and_a_meaning_and_targets_can_name_it():
    assert set(UNITS) == set(CITY_SECTOR) | set(CITY) | set(DISTRICT)
    assert len(UNITS) == len(CITY_SECTOR) + len(CITY) + len(DISTRICT)
    for name, (unit, meaning) in UNITS.items():
        assert unit and meaning, name
    assert set(INDICATORS) == set(UNITS)


def test_every_indicator_is_a_flow_or_read_off_the_state():
    """Observation covers the catalogue: each indicator is copied from the month's flow of its
    name or read off the state by a rule of its own, never both, never neither."""
    assert set(OBSERVED_FLOWS) == set(INDICATORS) & set(FLOW_NAMES)
    assert not set(OBSERVED_FLOWS) & set(READ_OFF_STATE)
    assert set(OBSERVED_FLOWS) | set(READ_OFF_STATE) == set(INDICATORS)


def test_the_issue_s_indicators_are_observed():
    required = {
        "output",
        "employment",
        "births",
        "deaths",
        "vc_invested",
        "deals",
        "unicorns",
        "rent",
        "vacancy",
        "ip_disputes",
        "rd_reported",
        "rd_real",
        "tax_expenditure",
        "government_support_share",
        "talent_inflow",
        "talent_outflow",
        "top4_share",
    }
    assert required <= set(UNITS)
    assert {"rent", "vacancy"} <= set(DISTRICT)


def test_top4_share_takes_the_four_largest_of_each_cell(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=1), 1)
    f = world.firms
    n = f.n
    rng = np.random.default_rng(0)
    f.revenue[:n] = rng.pareto(1.5, n) + 1.0
    f.alive[:n] = rng.random(n) < 0.8
    share = top4_share(setting, world)
    ns = setting.n_sectors
    alive = f.view("alive")
    cell = f.view("city") * ns + f.view("sector")
    for c in range(setting.n_cities):
        for s in range(ns):
            revenue = np.sort(f.view("revenue")[alive & (cell == c * ns + s)])[::-1]
            expected = revenue[:4].sum() / revenue.sum() if len(revenue) else 0.0
            assert share[c, s] == pytest.approx(expected), (c, s)
    assert ((share >= 0) & (share <= 1)).all()


def test_observations_match_the_world_and_their_long_form(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=2, until="2020-03"), 3)
    world.step = 2  # observe the last month of the run
    obs = Observations.empty(setting)
    obs.observe(setting, world)
    f = world.firms
    alive = f.view("alive")
    assert obs.city_sector["firms"][2].sum() == alive.sum()
    assert obs.city_sector["employment"][2].sum() == pytest.approx(f.view("employees")[alive].sum())
    assert np.array_equal(obs.district["rent"][2], world.offices.rent_per_m2)
    assert np.array_equal(obs.city["talent_pool"][2], world.talent.pool)
    share = obs.city["government_support_share"]
    assert ((share >= 0) & (share <= 1)).all()

    long = obs.long_form()
    t, nc, ns, nd = 3, setting.n_cities, setting.n_sectors, setting.n_districts
    rows = t * (nc * ns * len(CITY_SECTOR) + nc * len(CITY) + nd * len(DISTRICT))
    assert all(len(column) == rows for column in long.values())
    assert set(long["indicator"]) == set(UNITS)
    assert set(long["month"]) == {"2020-01", "2020-02", "2020-03"}
    district_rows = np.isin(long["indicator"], list(DISTRICT))
    assert all(d is not None for d in long["district"][district_rows])
    assert all(d is None for d in long["district"][~district_rows])
    sector_rows = np.isin(long["indicator"], list(CITY_SECTOR))
    assert all(s is None for s in long["sector"][~sector_rows])
    # Every row holds the value of its series.
    pick = (long["indicator"] == "rent") & (long["month"] == "2020-03")
    assert np.array_equal(long["value"][pick], world.offices.rent_per_m2)
