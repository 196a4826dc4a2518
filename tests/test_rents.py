"""The office market: rents follow vacancy, construction follows rents, and higher rents push
small firms out (to cheaper districts, or out of business)."""

from __future__ import annotations

import copy
import functools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helix.scenario.load import load_scenario
from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.rents import clear_office_market, tech_demand_m2
from helix.world.simulation import prepare


def rent_factor(factor: float) -> list[str]:
    """Overrides multiplying every district's starting rent by ``factor``."""
    base = load_scenario()
    return [
        f"districts.{d}.rent_per_m2={v.rent_per_m2 * factor!r}" for d, v in base.districts.items()
    ]


def small_firm_squeeze(result, small: float) -> tuple[int, int]:
    """Small firms of the starting population that failed, and firms that relocated.

    Only firms present at the start count: higher rents also mean fewer start-ups, hence
    fewer young firms to fail, which would hide the squeeze on the firms that were there.
    """
    e = result.event_table()
    founded = e["firm_id"][e["event"] == "founded"]
    incumbent = ~np.isin(e["firm_id"], founded)
    failed = (e["event"] == "failed") & (e["amount"] < small) & incumbent
    relocated = np.unique(e["firm_id"][(e["event"] == "relocated") & incumbent])
    return int(failed.sum()), len(relocated)


@pytest.mark.slow
def test_higher_rents_push_out_more_small_firms(run):
    """Same seeds, rents 2.5 times higher everywhere: more small firms fail or move."""
    small = load_scenario().parameters.rents.small_firm_employees
    squeezed = {
        factor: np.array(
            [
                small_firm_squeeze(run(rent_factor(factor), seed=s, keep_firms=True), small)
                for s in (1, 2, 3)
            ]
        )
        for factor in (1.0, 2.5)
    }
    cheap, dear = squeezed[1.0].sum(axis=1), squeezed[2.5].sum(axis=1)
    assert dear.sum() > cheap.sum()
    assert (dear > cheap).sum() >= 2
    assert squeezed[2.5][:, 1].sum() > squeezed[1.0][:, 1].sum()  # more relocations


@functools.cache
def _prepared():
    setting, world, _ = prepare(load_scenario(until="2020-12", scale=0.02, seed=3))
    return setting, world, levers(setting, 0)


def _market(demand_share: np.ndarray, rent_ratio: np.ndarray):
    """A prepared world whose districts have tech plus other demand ``demand_share`` x stock,
    and rents at ``rent_ratio`` x their starting level."""
    setting, shared, lev = _prepared()
    world = copy.deepcopy(shared)
    o = world.offices
    tech = tech_demand_m2(setting, world)
    # Enough stock that tech tenants alone fit within the wanted demand share.
    o.stock_m2 = np.maximum(o.stock_m2, tech / demand_share)
    o.other_demand_m2 = demand_share * o.stock_m2 - tech
    o.rent_per_m2 = o.rent_start * rent_ratio
    o.rent_market = o.rent_per_m2.copy()
    return setting, world, lev


def test_rents_rise_when_space_is_tight_and_fall_when_it_is_empty():
    setting, _, _ = _prepared()
    nd = setting.n_districts
    p = setting.params.rents
    tight = np.full(nd, 1.0 - p.natural_vacancy / 3)  # vacancy below natural
    slack = np.full(nd, 0.5 * (1.0 - p.natural_vacancy))  # vacancy far above natural
    for share, sign in ((tight, 1), (slack, -1)):
        setting, world, lev = _market(share, np.ones(nd))
        before = world.offices.rent_per_m2.copy()
        clear_office_market(setting, world, lev)
        change = np.log(world.offices.rent_per_m2 / before)
        assert (np.sign(change) == sign).all(), (sign, change)
        assert (np.abs(change) <= p.max_monthly_change + 1e-12).all()


@settings(max_examples=50, deadline=None)
@given(
    share=st.floats(0.05, 1.5),
    ratio=st.floats(0.3, 5.0),
    months=st.integers(1, 40),
)
def test_office_market_invariants(share, ratio, months):
    nd = _prepared()[0].n_districts
    setting, world, lev = _market(np.full(nd, share), np.full(nd, ratio))
    o = world.offices
    land = o.buildable_m2 + o.pipeline_m2.sum(axis=1)
    p = setting.params.rents
    for _ in range(months):
        before = o.rent_per_m2.copy()
        starts_before = o.buildable_m2.copy()
        clear_office_market(setting, world, lev)
        change = np.log(o.rent_per_m2 / before)
        # A rent moves by at most the monthly cap, unless lifted to the landlords' floor.
        floor = p.reservation_rent_share * o.rent_start
        assert (o.rent_per_m2 >= floor * (1 - 1e-12)).all()
        lifted = np.isclose(o.rent_per_m2, floor)
        assert (np.abs(change[~lifted]) <= p.max_monthly_change + 1e-12).all()
        assert (o.rent_per_m2 > 0).all() and np.isfinite(o.rent_per_m2).all()
        assert (o.stock_m2 >= 0).all() and (o.buildable_m2 >= 0).all()
        assert (o.pipeline_m2 >= 0).all()
        assert ((o.vacancy >= 0) & (o.vacancy <= 1)).all()
        # Building starts only where rents are above their starting (replacement) level.
        started = starts_before - o.buildable_m2
        assert (started[o.rent_per_m2 <= o.rent_start] == 0).all()
    # Land only turns into buildings: what is still buildable or under way never grows.
    assert (o.buildable_m2 + o.pipeline_m2.sum(axis=1) <= land * (1 + 1e-12)).all()


def test_a_rent_cap_holds_rent_rises():
    setting, _, lev = _prepared()
    nd = setting.n_districts
    p = setting.params.rents
    cap = np.log1p(0.03) / 12
    capped = replace(lev, rent_cap_per_month=np.full(nd, cap))
    tight = np.full(nd, 1.0 - p.natural_vacancy / 4)
    setting, free_world, _ = _market(tight, np.ones(nd))
    capped_world = copy.deepcopy(free_world)
    clear_office_market(setting, free_world, lev)
    clear_office_market(setting, capped_world, capped)
    rise = np.log(capped_world.offices.rent_per_m2 / capped_world.offices.rent_start)
    assert (rise <= cap + 1e-15).all()
    assert (capped_world.offices.rent_per_m2 <= free_world.offices.rent_per_m2).all()
    assert (capped_world.offices.rent_per_m2 < free_world.offices.rent_per_m2).any()


def test_more_tech_demand_means_higher_rent(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=2), 3)
    lev = levers(setting, world.step)
    crowded = copy.deepcopy(world)
    crowded.firms.employees[: crowded.firms.n] *= 3.0
    clear_office_market(setting, world, lev)
    clear_office_market(setting, crowded, lev)
    assert (crowded.offices.rent_per_m2 >= world.offices.rent_per_m2).all()
    assert (crowded.offices.vacancy <= world.offices.vacancy).all()
    assert (crowded.offices.rent_per_m2 > world.offices.rent_per_m2).any()
