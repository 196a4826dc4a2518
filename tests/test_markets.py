"""Labour and offices in spatial equilibrium, on the tiny world: wages answer productivity and
rents, a binding rent cap lowers rents and the space built or kept, a full district rations
hiring, and engineers are conserved through it all."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.rents import (
    clear_office_market,
    room_m2,
    space_for_hires,
    tech_demand_m2,
)
from helix.world.mechanisms.talent import move_talent, wage_anchor
from helix.world.schedule import MonthContext, Schedule


def _mid_run(tiny_world, months: int = 6):
    setting, world, rng = tiny_world(months=months)
    world.flows = world.flows.next_month()
    return setting, world, rng, levers(setting, world.step)


def test_higher_productivity_means_a_higher_wage(tiny_world):
    setting, world, _, lev = _mid_run(tiny_world)
    alder = setting.cities.index("Alder")
    productive = copy.deepcopy(world)
    f = productive.firms
    in_alder = f.view("city") == alder
    f.revenue[: f.n][in_alder] *= 2.0
    assert wage_anchor(setting, productive)[alder] > wage_anchor(setting, world)[alder]
    move_talent(setting, world, lev)
    move_talent(setting, productive, lev)
    assert productive.talent.wage[alder] > world.talent.wage[alder]
    others = np.arange(setting.n_cities) != alder
    assert productive.talent.wage[others] == pytest.approx(world.talent.wage[others])


def test_wages_compensate_for_dearer_rents(tiny_world):
    setting, world, _, lev = _mid_run(tiny_world)
    alder = setting.cities.index("Alder")
    dear = copy.deepcopy(world)
    in_alder = setting.district_city == alder
    dear.offices.rent_per_m2[in_alder] *= 3.0
    assert wage_anchor(setting, dear)[alder] > wage_anchor(setting, world)[alder]
    move_talent(setting, world, lev)
    move_talent(setting, dear, lev)
    assert dear.talent.wage[alder] > world.talent.wage[alder]


def test_the_wage_stays_near_its_anchor_whatever_the_tightness(tiny_world):
    """Tightness alone moves a wage at most wage_response/wage_anchor_speed off its anchor."""
    setting, world, _, lev = _mid_run(tiny_world)
    p = setting.params.talent
    for demand in (0.0, 1e9):
        w = copy.deepcopy(world)
        for _ in range(600):
            w.flows.hiring_demand = np.full(setting.n_cities, demand)
            move_talent(setting, w, lev)
        gap = np.log(w.talent.wage / wage_anchor(setting, w))
        assert (np.abs(gap) <= p.wage_response / p.wage_anchor_speed + 0.02).all()


def _tight_market(tiny_world):
    """A world whose districts are nearly full: rents want to rise fast."""
    setting, world, _, lev = _mid_run(tiny_world)
    o = world.offices
    o.other_demand_m2 = np.maximum(o.stock_m2 - tech_demand_m2(setting, world), 0.0)
    return setting, world, lev


def test_a_binding_rent_cap_lowers_rent_and_stock(tiny_world):
    setting, free, lev = _tight_market(tiny_world)
    cap = np.log1p(0.03) / 12
    capped_lev = replace(lev, rent_cap_per_month=np.full(setting.n_districts, cap))
    capped = copy.deepcopy(free)
    built = {"free": 0.0, "capped": 0.0}
    withdrawn = 0.0
    for _ in range(48):
        clear_office_market(setting, free, lev)
        clear_office_market(setting, capped, capped_lev)
        built["free"] += free.flows.office_starts.sum()
        built["capped"] += capped.flows.office_starts.sum()
        withdrawn += capped.flows.office_withdrawn.sum()
        assert free.flows.office_withdrawn.sum() == 0.0  # no cap, no conversions
        assert (capped.offices.rent_per_m2 <= capped.offices.rent_market * (1 + 1e-12)).all()
    assert (capped.offices.rent_per_m2 < free.offices.rent_per_m2).all()
    assert capped.offices.stock_m2.sum() < free.offices.stock_m2.sum()
    assert built["capped"] < built["free"]
    assert withdrawn > 0
    assert (free.offices.rent_per_m2 == free.offices.rent_market).all()


def test_a_full_district_rations_hiring(tiny_world):
    setting, world, _, _ = _mid_run(tiny_world)
    o = world.offices
    harbour = setting.districts.index("Harbour")
    wish = np.full(world.firms.n, 2.0)
    assert (space_for_hires(setting, world, np.zeros(world.firms.n)) == 1.0).all()
    o.other_demand_m2[harbour] += o.stock_m2[harbour]  # no vacancy left
    assert room_m2(setting, world)[harbour] == 0.0
    share = space_for_hires(setting, world, wish)
    in_harbour = world.firms.view("district") == harbour
    assert (share[in_harbour] == 0.0).all()
    assert (share[~in_harbour] > 0).all() and (share <= 1.0).all()


def test_rationed_hiring_is_counted_and_engineers_are_conserved(tiny_world):
    """A month of the schedule with the core city's offices full: hires are turned away, and
    selling, hiring, firing and moving firms neither make nor lose engineers."""
    setting, world, rng = tiny_world(months=6)
    o = world.offices
    alder = setting.cities.index("Alder")
    full = setting.district_city == alder
    o.other_demand_m2[full] += o.stock_m2[full]
    f = world.firms
    schedule = Schedule(setting, world)
    world.flows = world.flows.next_month()
    month = MonthContext(setting, world, rng, schedule)
    for mechanism in schedule.mechanisms:
        before = world.talent.pool.sum() + f.view("employees")[f.view("alive")].sum()
        mechanism.run(month)
        if mechanism.name in ("operations", "relocation"):
            after = world.talent.pool.sum() + f.view("employees")[f.view("alive")].sum()
            assert after == pytest.approx(before, rel=1e-12)
        if mechanism.name == "operations":
            assert world.flows.hires_short_of_space[alder] > 0
            assert world.flows.hires_short_of_space.sum() >= 0
