"""Talent: visas bring foreign engineers; moves conserve engineers; commuting hires conserve too."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from helix.scenario.load import load_scenario
from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.talent import match_hires, move_talent


def visa_variant(value: float) -> list[str]:
    """The shipped world with its visa policies neutral and one Shanghai visa policy of ``value``."""
    base = load_scenario()
    neutral = [f"policies.{k}.value=1.0" for k, p in base.policies.items() if p.kind == "visa"]
    return [
        *neutral,
        'policies.test-visa.kind="visa"',
        'policies.test-visa.cities=["Shanghai"]',
        'policies.test-visa.start="2020-07"',
        f"policies.test-visa.value={value}",
    ]


def test_visas_bring_more_foreign_talent(run, observed):
    """Foreign inflow rises with the visa multiplier, from the policy's first month, in its city."""
    results = {v: run(visa_variant(v), seed=3) for v in (1.0, 2.0, 4.0)}
    first = results[1.0].months.index("2020-07")
    shanghai = {v: observed(r, "foreign_inflow", "Shanghai") for v, r in results.items()}
    assert np.array_equal(shanghai[1.0][:first], shanghai[4.0][:first])
    assert (shanghai[2.0][first:] > shanghai[1.0][first:]).all()
    assert (shanghai[4.0][first:] > shanghai[2.0][first:]).all()
    others = [c for c in results[1.0].observations.cities if c != "Shanghai"]
    assert np.array_equal(
        observed(results[1.0], "foreign_inflow", others),
        observed(results[4.0], "foreign_inflow", others),
    )
    # Common random numbers: the same world up to the policy, so the first month's total
    # inflow differs by the extra foreigners only.
    inflow = {v: observed(r, "talent_inflow", "Shanghai") for v, r in results.items()}
    assert np.array_equal(inflow[1.0][:first], inflow[4.0][:first])
    assert inflow[4.0][first] > inflow[2.0][first] > inflow[1.0][first]
    assert inflow[4.0][first] - inflow[1.0][first] == pytest.approx(
        shanghai[4.0][first] - shanghai[1.0][first]
    )


def test_one_month_of_moves_conserves_engineers(scenario, advanced):
    """Pool plus employed changes by graduates plus foreign arrivals minus attrition, exactly;
    migrants out equal migrants in; the diaspora changes by who left minus who came back."""
    setting, world, _, _ = advanced(scenario(seed=5), 8)
    lev = levers(setting, world.step)
    p = setting.params.talent
    hub = setting.city_global
    pool0 = world.talent.pool.copy()
    diaspora0 = world.talent.diaspora.copy()
    employed = world.firms.view("employees")[world.firms.view("alive")].sum()

    move_talent(setting, world, lev)

    fl = world.flows
    graduates, foreign = fl.graduates, fl.foreign_inflow
    abroad, returnees = fl.abroad, fl.returnees
    inflow, outflow = fl.talent_inflow, fl.talent_outflow
    # Moves between cities, abroad and back only move engineers: across all cities, inflows
    # minus outflows are the foreign arrivals.
    assert inflow.sum() - outflow.sum() == pytest.approx(foreign.sum(), rel=1e-9)
    # The hub takes in who goes abroad and gives back who returns; no domestic moves there.
    assert inflow[hub].sum() - foreign[hub].sum() == pytest.approx(abroad.sum(), rel=1e-12)
    assert outflow[hub].sum() == pytest.approx(returnees.sum(), rel=1e-12)
    china = ~hub
    migrants_in = np.where(china, inflow - returnees - foreign, 0.0)
    migrants_out = np.where(china, outflow - abroad, 0.0)
    assert migrants_in.sum() == pytest.approx(migrants_out.sum(), rel=1e-12)
    assert (migrants_in >= -1e-9).all() and (migrants_out >= -1e-9).all()
    # Before attrition each city's pool moved by exactly its flows; the hub also took in the
    # graduates who went abroad and gave back the returnees.
    before_attrition = world.talent.pool / (1.0 - p.attrition)
    expected = pool0 + graduates + foreign + returnees - abroad + migrants_in - migrants_out
    expected[hub] += (abroad.sum() - returnees.sum()) / hub.sum()
    assert before_attrition == pytest.approx(expected, rel=1e-12)
    attrition = p.attrition * before_attrition.sum()
    total0 = pool0.sum() + employed
    total1 = world.talent.pool.sum() + employed
    assert total1 == pytest.approx(total0 + graduates.sum() + foreign.sum() - attrition, rel=1e-12)
    assert world.talent.diaspora - diaspora0 == pytest.approx(abroad - returnees, abs=1e-9)
    assert (abroad[hub] == 0).all() and (returnees[hub] == 0).all()
    assert abroad.sum() > 0 and returnees.sum() > 0


def test_visa_levers_scale_foreign_arrivals_in_move_talent(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=6), 3)
    lev = levers(setting, world.step)
    shanghai = setting.cities.index("Shanghai")
    doubled = lev.foreign_multiplier.copy()
    doubled[shanghai] *= 2.0
    a, b = copy.deepcopy(world), copy.deepcopy(world)
    move_talent(setting, a, lev)
    move_talent(setting, b, replace(lev, foreign_multiplier=doubled))
    extra = b.flows.foreign_inflow - a.flows.foreign_inflow
    assert extra[shanghai] == pytest.approx(a.flows.foreign_inflow[shanghai])
    assert np.delete(extra, shanghai) == pytest.approx(0.0)
    assert b.talent.pool[shanghai] > a.talent.pool[shanghai]


def test_commuting_hires_conserve_engineers_and_respect_pools(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=7), 4)
    lev = levers(setting, world.step)
    pool = world.talent.pool.copy()
    for demand in (
        np.zeros(setting.n_cities),
        world.flows.hiring_demand,
        10 * pool,  # far more than the pools can give
    ):
        hired, taken = match_hires(setting, world, lev, demand)
        assert hired.sum() == pytest.approx(taken.sum(), rel=1e-12, abs=1e-9)
        assert (hired >= 0).all() and (hired <= demand + 1e-9).all()
        cap = setting.params.talent.max_hire_share * pool
        assert (taken >= 0).all() and (taken <= cap * (1 + 1e-12) + 1e-9).all()
    assert np.array_equal(world.talent.pool, pool)  # matching only reports, operate moves people
