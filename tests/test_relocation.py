"""Relocation: firms whose lease ends move to cheaper space when the rent saved over a lease
beats the revenue, talent and investors they lose and the cost of moving; small firms first."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.relocation import move_values, relocate_firms
from helix.world.mechanisms.rents import space_per_employee


def _world(tiny_scenario_of, advanced, overrides=(), months: int = 4):
    setting, world, _, _ = advanced(tiny_scenario_of(list(overrides), seed=3), months)
    return setting, world, levers(setting, world.step)


def _squeeze(setting, world, district: int, factor: float) -> None:
    """Multiply one district's rent (charged and market) by ``factor``."""
    world.offices.rent_per_m2[district] *= factor
    world.offices.rent_market[district] *= factor


def _movers(setting, world, lev, seed: int):
    w = copy.deepcopy(world)
    w.flows = w.flows.next_month()  # this month's flows start at zero, as in the schedule
    district0 = w.firms.view("district").copy()
    employees0 = w.firms.view("employees").copy()
    relocate_firms(setting, w, lev, np.random.default_rng(seed))
    moved = w.firms.view("district") != district0
    return w, moved, district0, employees0


ALL_LOOK: tuple[str, ...] = ()


def _movers_over_seeds(setting, world, lev, seeds: range):
    """Firms moved (any seed), and their destinations, over several draws of ending leases."""
    moved_any = np.zeros(world.firms.n, bool)
    targets: list[np.ndarray] = []
    for seed in seeds:
        w, moved, _, employees0 = _movers(setting, world, lev, seed)
        moved_any |= moved
        targets.append(w.firms.view("district")[moved])
        assert np.array_equal(w.firms.view("employees"), employees0)  # engineers move along
        assert (setting.district_city[w.firms.view("district")] == w.firms.view("city")).all()
        fl = w.flows
        assert fl.relocations_in.sum() == fl.relocations_out.sum()
        assert fl.relocations_out.sum() + fl.relocations_within.sum() == moved.sum()
    return moved_any, np.concatenate(targets)


def test_a_rent_rise_moves_small_firms_to_cheaper_districts(tiny_scenario_of, advanced):
    setting, world, lev = _world(tiny_scenario_of, advanced, ALL_LOOK)
    harbour = setting.districts.index("Harbour")
    from_harbour = world.firms.view("district") == harbour
    calm, _ = _movers_over_seeds(setting, world, lev, range(8))
    squeezed = copy.deepcopy(world)
    _squeeze(setting, squeezed, harbour, 3.0)
    moved, target = _movers_over_seeds(setting, squeezed, lev, range(8))
    assert moved[from_harbour].sum() > calm[from_harbour].sum()
    desk = space_per_employee(setting, squeezed) * squeezed.offices.rent_per_m2
    assert (desk[target] < desk[harbour]).all()  # only to cheaper space
    # Within the city is possible: Meadow, Alder's other district, takes some of them.
    assert (target == setting.districts.index("Meadow")).any()


def test_small_firms_are_the_most_sensitive(tiny_scenario_of, advanced):
    setting, world, lev = _world(tiny_scenario_of, advanced, ALL_LOOK)
    _squeeze(setting, world, setting.districts.index("Harbour"), 3.0)
    f = world.firms
    rows = np.flatnonzero(f.view("alive") & (f.view("district") == 0))
    value, _ = move_values(setting, world, lev, rows)
    best = value.max(axis=1)
    small = f.employees[rows] < setting.params.rents.small_firm_employees
    assert small.any() and (~small).any()
    assert (best[small] > 0).mean() > (best[~small] > 0).mean()


def test_a_dearer_move_keeps_firms(tiny_scenario_of, advanced):
    setting, world, lev = _world(tiny_scenario_of, advanced, ALL_LOOK)
    _squeeze(setting, world, setting.districts.index("Harbour"), 3.0)
    rows = np.flatnonzero(world.firms.view("alive"))
    base, _ = move_values(setting, world, lev, rows)
    rents = setting.params.rents
    dearer = rents.model_copy(update={"moving_cost_months": 6 * rents.moving_cost_months})
    dear_setting = replace(setting, params=setting.params.model_copy(update={"rents": dearer}))
    dear, _ = move_values(dear_setting, world, lev, rows)
    finite = np.isfinite(base)
    assert (dear[finite] <= base[finite]).all()
    assert (dear.max(axis=1) > 0).sum() < (base.max(axis=1) > 0).sum()


def test_no_move_to_a_district_without_room(tiny_scenario_of, advanced):
    setting, world, lev = _world(tiny_scenario_of, advanced, ALL_LOOK)
    _squeeze(setting, world, setting.districts.index("Harbour"), 3.0)
    meadow = setting.districts.index("Meadow")
    world.offices.other_demand_m2[meadow] = world.offices.stock_m2[meadow]  # full
    _, target = _movers_over_seeds(setting, world, lev, range(4))
    assert not (target == meadow).any()
