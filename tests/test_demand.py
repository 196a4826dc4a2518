"""Markets that saturate, demand shocks and population controls: directions, invariants and
hostile input (issue 11, items 5 and 6)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from helix.errors import ScenarioError
from helix.scenario.load import load_scenario
from helix.world.mechanisms.operations import market_size
from helix.world.mechanisms.talent import move_talent
from helix.world.simulation import simulate


def test_a_market_grows_at_its_demand_growth_first_and_slows_toward_its_ceiling(
    tiny_world,
):
    setting, _, _ = tiny_world(["sectors.software.market_ceiling=3.0"])
    sw = setting.sectors.index("software")
    china = 0
    ones = np.ones_like(setting.market0)
    size = np.array([market_size(setting, t, ones)[china, sw] for t in range(0, 601, 12)])
    growth = np.diff(np.log(size))
    g = 12 * setting.sector_demand_growth[china, sw]
    assert growth[0] == pytest.approx(g, rel=0.15)  # starts at the observed growth
    assert (np.diff(growth) < 0).all()  # and slows every year
    assert size[-1] == pytest.approx(3.0 * setting.market0[china, sw], rel=1e-3)  # the ceiling
    # a sector without a ceiling (the default 1e4) grows at its demand growth throughout
    other = setting.sectors.index("devices")
    free = np.array([market_size(setting, t, ones)[china, other] for t in (0, 60)])
    expected = np.exp(60 * setting.sector_demand_growth[china, other])
    assert free[1] / free[0] == pytest.approx(expected, rel=1e-3)


def test_a_lower_ceiling_means_lower_prices_and_less_revenue(tiny_scenario_of):
    runs = [
        simulate(tiny_scenario_of([f"sectors.software.market_ceiling={c}"]), keep_firms=False)
        for c in (1.2, 20.0)
    ]
    sw = runs[0].observations.sectors.index("software")
    revenue = [r.observations.city_sector["output"][-12:, :, sw].sum() for r in runs]
    assert revenue[0] < revenue[1]


def test_a_population_control_lowers_migration_into_its_city(tiny_world):
    setting, world, _ = tiny_world(months=6)
    core = setting.cities.index("Alder")
    lev = setting.levers.at(6)
    capped = copy.deepcopy(lev)
    object.__setattr__(capped, "inflow_multiplier", np.where(np.arange(3) == core, 0.5, 1.0))
    free_world, capped_world = copy.deepcopy(world), copy.deepcopy(world)
    move_talent(setting, free_world, lev)
    move_talent(setting, capped_world, capped)
    inflow = free_world.flows.talent_inflow[core], capped_world.flows.talent_inflow[core]
    assert inflow[1] < inflow[0]
    # the migrants who are not let in stay where they were: engineers are conserved
    assert capped_world.talent.pool.sum() == pytest.approx(free_world.talent.pool.sum())


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["sectors.ai.market_ceiling=0.5"], "sectors.ai.market_ceiling"),
        (["sectors.ai.market_ceiling=1e9"], "sectors.ai.market_ceiling"),
        (["sectors.ai.demand_growth_abroad=-0.9"], "sectors.ai.demand_growth_abroad"),
        (
            [
                'shocks.bust.kind="demand_shock"',
                'shocks.bust.start="2021-01"',
                "shocks.bust.severity=1.5",
            ],
            "shocks.bust.severity",
        ),
        (
            [
                'shocks.bust.kind="demand_shock"',
                'shocks.bust.start="2021-01"',
                "shocks.bust.severity=-0.1",
            ],
            "shocks.bust.severity",
        ),
        (
            [
                'shocks.bust.kind="demand_shock"',
                'shocks.bust.start="2021-06"',
                'shocks.bust.end="2021-01"',
            ],
            "shocks.bust.end",
        ),
        (
            [
                'shocks.bust.kind="demand_shock"',
                'shocks.bust.start="2021-01"',
                'shocks.bust.cities=["Atlantis"]',
            ],
            "shocks.bust.cities",
        ),
        (
            [
                'policies.cap.kind="population_control"',
                "policies.cap.cities=[]",
                'policies.cap.start="2021-01"',
                "policies.cap.value=0.5",
            ],
            "policies.cap.cities",
        ),
        (
            [
                'policies.cap.kind="population_control"',
                'policies.cap.cities=["Beijing"]',
                'policies.cap.start="2021-01"',
            ],
            "policies.cap.value",
        ),
        (
            [
                'policies.cap.kind="population_control"',
                'policies.cap.cities=["Beijing"]',
                'policies.cap.start="2021-01"',
                "policies.cap.value=1.5",
            ],
            "policies.cap.value",
        ),
        (
            [
                'policies.cap.kind="population_control"',
                'policies.cap.cities=["Silicon Valley"]',
                'policies.cap.start="2021-01"',
                "policies.cap.value=0.5",
            ],
            "policies.cap.cities",
        ),
    ],
)
def test_bad_markets_demand_shocks_and_population_controls_are_refused(overrides, key):
    with pytest.raises(ScenarioError) as info:
        load_scenario(overrides=overrides, until="2021-12", scale=0.01)
    assert info.value.key == key, info.value
