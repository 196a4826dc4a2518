"""Venture capital: faster trains mean more cross-city deals; a downturn means less money;
money that leaves the funds arrives at the firms."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from helix.scenario.load import load_scenario
from helix.world.mechanisms.funding import invest
from helix.world.mechanisms.policy import lever_schedule, levers
from helix.world.schedule import Schedule
from helix.world.simulation import prepare


def _corridor_cross_city(setting, world, lev, seed: int) -> tuple[float, float]:
    """Cross-city deals in corridor cities and corridor money crossing cities, in one month."""
    w = copy.deepcopy(world)
    before = w.funds.invested_in_city_usd.copy()
    invest(setting, w, lev, np.random.default_rng(seed))
    roles = {name: city.role for name, city in load_scenario().cities.items()}
    corridor = np.array([roles[c] in ("core", "corridor") for c in setting.cities])
    home = w.funds.home
    crossing = (
        corridor[home][:, None] & corridor[None, :] & (home[:, None] != np.arange(len(corridor)))
    )
    money = float(((w.funds.invested_in_city_usd - before) * crossing).sum())
    return float(w.flows.cross_city_deals[corridor].sum()), money


def test_a_faster_rail_link_means_more_cross_city_deals(scenario, rail):
    """Common random numbers month by month: the real schedule runs a world; each month the VC
    market is run twice on copies of it, with and without the link, with the same draws."""
    deals = np.zeros(2)
    money = np.zeros(2)
    up = down = 0
    for seed in (1, 2):
        setting, world, rng = prepare(scenario(seed=seed))
        fast = replace(
            setting, levers=lever_schedule(scenario(rail(0.5), seed=seed).world_inputs())
        )
        schedule = Schedule(setting, world)
        for month in range(18):
            world.step = month
            if month >= 6:
                base = _corridor_cross_city(setting, world, levers(setting, month), month)
                linked = _corridor_cross_city(setting, world, levers(fast, month), month)
                deals += (base[0], linked[0])
                money += (base[1], linked[1])
                up += linked[0] > base[0] + 1e-12
                down += linked[0] < base[0] - 1e-12
            schedule.step(world, rng)
    assert deals[1] > deals[0]
    assert money[1] > money[0]
    assert up > down


def test_money_leaving_funds_arrives_at_firms(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=3), 9)
    lev = levers(setting, world.step)
    f = world.firms
    cash0 = f.view("cash").copy()
    invested0 = world.funds.invested_in_city_usd.sum()
    rounds0 = f.view("last_round").copy()
    invest(setting, world, lev, np.random.default_rng(0))
    vc = world.flows.vc_total.sum()  # private and state funds
    assert vc > 0
    usd_yuan = setting.params.funding.usd_yuan
    assert (f.view("cash") - cash0).sum() == pytest.approx(vc * usd_yuan, rel=1e-9)
    assert world.funds.invested_in_city_usd.sum() - invested0 == pytest.approx(vc, rel=1e-9)
    assert (world.funds.dry_powder_usd >= 0).all()
    funded = f.view("last_round") != rounds0
    assert funded.sum() == world.flows.deals.sum()
    assert (f.view("valuation_usd")[funded] > 0).all()
    assert ((f.view("vc_share")[funded] > 0) & (f.view("vc_share")[funded] < 1)).all()
    assert (f.view("stage")[funded] >= 1).all()
    assert (world.flows.cross_city_deals <= world.flows.deals.sum(axis=1) + 1e-9).all()


def test_a_vc_downturn_means_less_money_invested(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=4), 9)
    lev = levers(setting, world.step)
    gloomy = replace(lev, vc_sentiment=0.3 * lev.vc_sentiment)
    totals = np.zeros(2)
    for k in range(10):
        for j, lv in enumerate((lev, gloomy)):
            w = copy.deepcopy(world)
            invest(setting, w, lv, np.random.default_rng(k))
            totals[j] += w.flows.vc_invested.sum()
    assert totals[1] < totals[0]


@pytest.mark.slow
def test_a_faster_rail_link_means_more_cross_city_deals_over_a_run(run, observed, rail):
    """Through the whole simulation: same seeds, with and without halved corridor times."""
    roles = {name: c.role for name, c in load_scenario().cities.items()}
    corridor = [name for name, role in roles.items() if role in ("core", "corridor")]
    # Deals are few in a tiny world; at a fifth of the default scale over six years the effect
    # (about 3%) stands above the noise of the ranking (over three years it was under 1% once
    # the step after the seed became selective, issue 13: fewer deals, the same noise).
    seeds = (1, 2, 3, 4)
    size = {"scale": 0.2, "until": "2025-12"}
    base = np.array(
        [observed(run(seed=s, **size), "cross_city_deals", corridor).sum() for s in seeds]
    )
    fast = np.array(
        [
            observed(run(rail(0.5), seed=s, **size), "cross_city_deals", corridor).sum()
            for s in seeds
        ]
    )
    assert fast.sum() > base.sum()
    assert (fast > base).sum() >= 3


def test_a_home_guidance_fund_stays_home_and_a_national_one_invests_across_china(
    scenario, advanced
):
    """Shanghai's guidance funds invest only in Shanghai; the national chip fund (Beijing) places
    money in other Chinese cities too, and never abroad."""
    setting, world, _, _ = advanced(scenario(seed=2, scale=0.2), 14)
    funds = world.funds
    state = np.flatnonzero(funds.state_owned)
    assert funds.national[state].any() and not funds.national[state].all()
    before = funds.invested_in_city_usd.copy()
    for month in range(14, 20):
        world.step = month
        invest(setting, world, levers(setting, month), np.random.default_rng(month))
    placed = funds.invested_in_city_usd - before
    china = setting.city_china
    for k in state:
        away = np.arange(setting.n_cities) != funds.home[k]
        assert placed[k].sum() > 0
        assert placed[k, ~china].sum() == 0
        if funds.national[k]:
            assert placed[k, away].sum() > 0
        else:
            assert placed[k, away].sum() == 0


def test_investors_write_off_a_firm_that_went_stale(scenario, advanced):
    """A VC-backed firm past ``stale_months`` without a round raises no more; one just inside
    the window still can, and a never-funded firm of any age can raise a first round."""
    setting, world, _, _ = advanced(scenario(seed=5, scale=0.2), 12)
    stale_months = setting.params.funding.stale_months
    f = world.firms
    backed = np.flatnonzero(f.view("alive") & (f.view("stage") >= 1) & (f.view("stage") < 5))
    assert len(backed) > 20
    old, fresh = backed[::2], backed[1::2]
    f.last_round[old] = world.step - stale_months
    f.last_round[fresh] = world.step - stale_months + 1
    f.last_pitch[backed] = -1000
    funded = np.zeros(f.n, bool)
    for k in range(6):
        w = copy.deepcopy(world)
        invest(setting, w, levers(setting, w.step), np.random.default_rng(k))
        funded |= w.firms.view("last_round") == w.step
    assert not funded[old].any()
    assert funded[fresh].any()
    assert funded[f.view("stage") == 0].any()


def test_deals_are_tested_against_the_cells_money_as_the_whole_world_would(tiny_world, monkeypatch):
    """A run at scale s tests each round at (1 + s)/2 of its size against what is left of the
    cell's money (a firm stands for 1/s firms like it): the allocation is handed that weight."""
    from helix.world import kernels

    seen = []
    real = kernels.ranked_allocation

    def spy(groups, score, cost, budget, own_weight=1.0):
        seen.append(own_weight)
        return real(groups, score, cost, budget, own_weight)

    setting, world, rng = tiny_world(months=3)
    monkeypatch.setattr(kernels, "ranked_allocation", spy)
    for scale in (1.0, 0.5):
        invest(replace(setting, scale=scale), copy.deepcopy(world), levers(setting, 3), rng)
    assert seen == [1.0, 0.75]
