"""Operations: prices clear sector markets; output ramps with age and follows inputs."""

from __future__ import annotations

import copy

import numpy as np

from helix.world.mechanisms.knowledge import density_multiplier
from helix.world.mechanisms.operations import market_size, real_output, sector_price


def test_prices_fall_when_output_outgrows_the_market_and_rise_when_it_lags(
    tiny_scenario_of, advanced
):
    setting, world, _, _ = advanced(tiny_scenario_of(seed=1), 3)
    demand = np.ones_like(setting.market0)
    market = market_size(setting, world.step, demand)
    world.price = np.ones_like(setting.market0)
    glut, scarce = copy.deepcopy(world), copy.deepcopy(world)
    glut.output_last = 2.0 * market
    scarce.output_last = 0.5 * market
    sold = setting.market0 > 0
    assert (sector_price(setting, glut, demand)[sold] < 1).all()
    assert (sector_price(setting, scarce, demand)[sold] > 1).all()
    # a demand shock shrinks the market: the same output fetches a lower price
    cut = sector_price(setting, copy.deepcopy(world), 0.5 * demand)
    assert (cut[sold] < sector_price(setting, world, demand)[sold]).all()


def test_output_follows_input_availability_and_ramps_up_with_age(tiny_scenario_of, advanced):
    setting, world, _, _ = advanced(tiny_scenario_of(seed=2), 3)
    density = density_multiplier(setting, world)
    full = real_output(setting, world, density)
    cut = copy.deepcopy(world)
    cut.chips.availability = 0.5 * cut.chips.availability
    assert np.allclose(real_output(setting, cut, density), 0.5 * full)
    young = copy.deepcopy(world)
    young.firms.born[: young.firms.n] = world.step  # everyone founded this month
    alive = world.firms.view("alive")
    assert (real_output(setting, young, density)[alive] < full[alive]).all()
    assert (full >= 0).all() and (full[~alive] == 0).all()
