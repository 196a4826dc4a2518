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


def test_founders_of_a_young_unbacked_startup_forgo_the_cut_of_their_pay(tiny_world):
    """The same firms, the same draws: with founders taking half pay, each young startup no fund
    has backed costs half its founding team's wages less (its other costs unchanged), and every
    other firm costs the same; the shipped default (no cut) forgoes nothing."""
    from helix.world.mechanisms.operations import founders_forgo, operate
    from helix.world.mechanisms.policy import levers
    from helix.world.mechanisms.rd import rd_spending

    setting, world, _ = tiny_world(months=8)
    cut_setting, _, _ = tiny_world(["parameters.founding.founder_pay_cut=0.5"])
    f = world.firms
    age = world.step - f.view("born")
    wage = world.talent.wage[f.view("city")]
    assert not founders_forgo(setting, world, age, f.view("employees"), wage).any()

    def month_costs(s):
        w = copy.deepcopy(world)
        lev = levers(s, w.step)
        rd = rd_spending(s, lev, w)
        operate(s, w, lev, rd, density_multiplier(s, w), np.random.default_rng(3))
        return w.firms.view("costs").copy()

    saved = month_costs(setting) - month_costs(cut_setting)
    founding = cut_setting.params.founding
    young = f.view("alive") & (f.view("stage") == 0) & (age < founding.founder_pay_months)
    assert young.sum() >= 5 and (~young & f.view("alive")).sum() >= 5
    team = np.minimum(f.view("employees"), founding.team_size)
    assert np.allclose(saved[young], 0.5 * team[young] * wage[young])
    assert (saved[~young] == 0).all()


def test_new_hires_ramp_up_to_full_output_and_layoffs_take_them_first(tiny_world):
    """With a hire ramp, a month's hires are paid at once but add output only as they settle:
    the ramping headcount is last month's decayed by exp(-1/tau) plus this month's hires, never
    more than the firm's staff, and output is that of the settled staff; the shipped default
    (no ramp) keeps no ramping staff."""
    from helix.world.mechanisms.operations import operate
    from helix.world.mechanisms.policy import levers
    from helix.world.mechanisms.rd import rd_spending

    _, world, _ = tiny_world(months=8)
    assert not world.firms.view("ramping").any()
    ramp_setting, ramp_world, _ = tiny_world(["parameters.growth.hire_ramp_months=4"], months=8)
    f = ramp_world.firms
    before = f.view("ramping").copy()
    staff = f.view("employees").copy()
    alive = f.view("alive")
    assert (before > 0).any() and (before[alive] <= staff[alive] + 1e-9).all()
    assert not before[~alive].any()  # the dead and the bought keep no one
    density = density_multiplier(ramp_setting, ramp_world)
    settled = copy.deepcopy(ramp_world)
    settled.firms.ramping[:] = 0.0
    ramped, full = (
        real_output(ramp_setting, ramp_world, density),
        real_output(ramp_setting, settled, density),
    )
    share = np.divide(staff - before, staff, out=np.ones_like(staff), where=staff > 0)
    assert np.allclose(ramped[alive], full[alive] * share[alive])

    lev = levers(ramp_setting, ramp_world.step)
    operate(
        ramp_setting,
        ramp_world,
        lev,
        rd_spending(ramp_setting, lev, ramp_world),
        density,
        np.random.default_rng(3),
    )
    after = f.view("employees")
    hired = np.maximum(after - staff, 0.0)
    shrank = after < staff
    expected = np.minimum(before * np.exp(-1.0 / 4.0) + hired, after)
    assert np.allclose(f.view("ramping")[alive], expected[alive])
    assert shrank.any() and (f.view("ramping")[shrank] <= after[shrank] + 1e-12).all()
