"""Knowledge spillovers: reach grows as decay falls or trains get faster; pools add up."""

from __future__ import annotations

import copy
import functools
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from helix.scenario.load import load_scenario
from helix.world.mechanisms.knowledge import (
    density_multiplier,
    pools,
    reach,
    spillover_kernels,
    update_spillovers,
)
from helix.world.mechanisms.policy import lever_schedule, levers
from helix.world.simulation import prepare


@functools.cache
def _prepared():
    return prepare(load_scenario(until="2020-12", scale=0.02, seed=2))


def _with_decay(setting, decay: float):
    k = setting.params.knowledge.model_copy(update={"decay_per_minute": decay})
    return replace(setting, params=setting.params.model_copy(update={"knowledge": k}))


@settings(max_examples=40, deadline=None)
@given(slow=st.floats(0.0, 0.05), extra=st.floats(1e-4, 0.05))
def test_slower_decay_reaches_further(slow, extra):
    setting, _, _ = _prepared()
    near, _ = spillover_kernels(_with_decay(setting, slow), setting.city_minutes)
    far, _ = spillover_kernels(_with_decay(setting, slow + extra), setting.city_minutes)
    assert (near >= far).all()
    assert np.array_equal(np.diag(near), np.diag(far))  # no travel inside a district
    off = ~np.eye(len(near), dtype=bool)
    assert (near[off] > far[off]).all()
    assert (far > 0).all()


def test_the_same_district_and_city_reach_furthest():
    setting, _, _ = _prepared()
    w, _ = spillover_kernels(setting, setting.city_minutes)
    dc = setting.district_city
    same_city = dc[:, None] == dc[None, :]
    for d in range(len(w)):
        assert w[d, d] == w[d].max()
        if (~same_city[d]).any():
            assert w[d, same_city[d]].min() > w[d, ~same_city[d]].max()


def test_a_rail_link_widens_reach_between_its_cities_only(rail, tiny_world, tiny_scenario_of):
    setting, _, _ = tiny_world()
    linked = ("Alder", "Cedar")
    railed = tiny_scenario_of(rail(0.5, linked)).world_inputs()
    base, fast = levers(setting, 0), lever_schedule(railed).at(0)
    ci = [setting.cities.index(c) for c in linked]
    pair = np.zeros((setting.n_cities, setting.n_cities), bool)
    pair[np.ix_(ci, ci)] = True
    np.fill_diagonal(pair, False)
    assert np.allclose(fast.city_minutes[pair], 0.5 * base.city_minutes[pair])
    assert np.array_equal(fast.city_minutes[~pair], base.city_minutes[~pair])

    w0, (q0,) = spillover_kernels(setting, base.city_minutes)
    w1, (q1,) = spillover_kernels(setting, fast.city_minutes)
    dc = setting.district_city
    between = pair[np.ix_(dc, dc)]
    assert (w1[between] > w0[between]).all()
    assert np.array_equal(w1[~between], w0[~between])
    assert (q1 >= q0).all()


def test_a_special_network_extends_its_sector_s_reach_between_its_nodes(tiny_world):
    setting, _, _ = tiny_world()
    (network,) = setting.networks
    w, (w_quantum,) = spillover_kernels(setting, setting.city_minutes)
    assert (w_quantum >= w).all()
    nodes = network.nodes[setting.district_city]
    dc = setting.district_city
    linked = nodes[:, None] & nodes[None, :] & (dc[:, None] != dc[None, :])
    assert linked.any()
    assert (w_quantum[linked] > w[linked]).all()
    assert np.array_equal(w_quantum[~linked], w[~linked])


def test_pools_add_up_firms_and_research():
    setting, world, _ = _prepared()
    know, mass, count = pools(setting, world)
    f = world.firms
    alive = f.view("alive")
    assert count.sum() == alive.sum()
    assert np.isclose(mass.sum(), f.view("employees")[alive].sum() + setting.research_staff.sum())
    assert (know >= 0).all() and (mass >= 0).all()


def test_more_reach_means_more_spillover_and_density():
    """Reach is linear in the kernel: a wider kernel never lowers what a firm can reach."""
    setting, shared, _ = _prepared()
    world = copy.deepcopy(shared)
    know, mass, _ = pools(setting, world)
    near = spillover_kernels(_with_decay(setting, 0.0005), setting.city_minutes)
    far = spillover_kernels(_with_decay(setting, 0.005), setting.city_minutes)
    assert (reach(setting, near, know) >= reach(setting, far, know)).all()
    a, b = world, copy.deepcopy(world)
    a.reach_mass = reach(setting, far, mass)
    b.reach_mass = reach(setting, near, mass)
    assert (density_multiplier(setting, b) >= density_multiplier(setting, a)).all()
    update_spillovers(setting, world, near)
    assert np.isfinite(world.practice).all()
    assert (world.spillover >= 0).all()
