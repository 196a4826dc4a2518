"""Relocation: rent-burdened firms, small ones first, move to cheaper, nearer Chinese districts
with room."""

from __future__ import annotations

import copy

import numpy as np

from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.relocation import destination_choice, relocate_firms


def _squeezed(tiny_scenario_of, advanced, rent_share: float):
    """A world mid-run where every firm's rent is ``rent_share`` of its costs."""
    setting, world, _, _ = advanced(tiny_scenario_of(seed=3), 4)
    f = world.firms
    f.rent_paid[: f.n] = rent_share * f.costs[: f.n]
    return setting, world, levers(setting, world.step)


def _movers(setting, world, lev, seed: int):
    w = copy.deepcopy(world)
    district0 = w.firms.view("district").copy()
    employees0 = w.firms.view("employees").copy()
    relocate_firms(setting, w, lev, np.random.default_rng(seed))
    moved = w.firms.view("district") != district0
    return w, moved, district0, employees0


def test_a_heavier_rent_burden_moves_more_small_firms(tiny_scenario_of, advanced):
    p = tiny_scenario_of().parameters.rents
    light = _squeezed(tiny_scenario_of, advanced, 0.5 * p.burden_threshold)
    heavy = _squeezed(tiny_scenario_of, advanced, min(1.0, 2.0 * p.burden_threshold))
    for seed in range(3):
        _, none, _, _ = _movers(*light, seed)
        _, some, _, _ = _movers(*heavy, seed)
        assert none.sum() == 0
        assert some.sum() > 0


def test_small_firms_move_first(tiny_scenario_of, advanced):
    p = tiny_scenario_of().parameters.rents
    setting, world, lev = _squeezed(tiny_scenario_of, advanced, min(1.0, 2.0 * p.burden_threshold))
    small = world.firms.view("employees") < p.small_firm_employees
    alive = world.firms.view("alive")
    moved = np.zeros(2)
    for seed in range(5):
        _, m, _, _ = _movers(setting, world, lev, seed)
        moved += (m[small & alive].mean(), m[~small & alive].mean())
    assert moved[0] > moved[1]


def test_movers_go_somewhere_cheaper_with_room(tiny_scenario_of, advanced):
    p = tiny_scenario_of().parameters.rents
    setting, world, lev = _squeezed(tiny_scenario_of, advanced, min(1.0, 2.0 * p.burden_threshold))
    w, moved, district0, employees0 = _movers(setting, world, lev, 0)
    f = w.firms
    assert moved.any()
    assert np.array_equal(f.view("employees"), employees0)  # engineers move with their firm
    target = f.view("district")[moved]
    assert (target != district0[moved]).all()
    assert setting.city_china[setting.district_city[target]].all()
    assert (w.offices.vacancy[target] > 0).all()
    assert (setting.district_city[f.view("district")] == f.view("city")).all()
    flows = w.flows
    assert flows.relocations_in.sum() == flows.relocations_out.sum() == moved.sum()
    # On average they move to cheaper space.
    rent = w.offices.rent_per_m2
    assert rent[target].mean() < rent[district0[moved]].mean()


def test_destination_choice_prefers_cheaper_districts(tiny_scenario_of, advanced):
    setting, world, _, _ = advanced(tiny_scenario_of(seed=4), 2)
    lev = levers(setting, world.step)
    world.offices.vacancy[:] = 0.2
    choice = destination_choice(setting, world, lev)
    rows = choice.sum(axis=1)
    assert np.allclose(rows[rows > 0], 1.0)
    assert (np.diag(choice) == 0).all()
    assert (choice[:, ~setting.city_china[setting.district_city]] == 0).all()
    # Halving one district's rent makes it more attractive from everywhere else.
    cheap = copy.deepcopy(world)
    d = int(np.flatnonzero(setting.city_china[setting.district_city])[0])
    cheap.offices.rent_per_m2[d] *= 0.5
    cheaper = destination_choice(setting, cheap, lev)
    reachable = (np.arange(setting.n_districts) != d) & (choice[:, d] > 0)
    assert reachable.sum() > 1
    assert (cheaper[reachable, d] > choice[reachable, d]).all()
    assert ((cheaper[:, d] > 0) == (choice[:, d] > 0)).all()  # where firms can go is unchanged
