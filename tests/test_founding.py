"""Founding: more reachable knowledge (slower decay, faster trains, shared labs) means more
start-ups; founding teams come out of the talent pool."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from helix.scenario.load import load_scenario
from helix.world.mechanisms.founding import found_firms, lab_places, spillover_reference
from helix.world.mechanisms.knowledge import spillover_kernels, update_spillovers
from helix.world.mechanisms.policy import lever_schedule, levers
from helix.world.state import STAGE_PUBLIC


@pytest.mark.slow
def test_slower_spillover_decay_means_more_founding(run, observed):
    """Births fall as knowledge decays faster with travel time (same seeds for each decay)."""
    decay = load_scenario().parameters.knowledge.decay_per_minute
    assert decay > 0
    levels = (0.0, decay, min(4 * decay, 0.1))
    seeds = (1, 2, 3)
    births = np.array(
        [
            [
                observed(
                    run([f"parameters.knowledge.decay_per_minute={d!r}"], seed=s), "births"
                ).sum()
                for s in seeds
            ]
            for d in levels
        ]
    )
    total = births.sum(axis=1)
    assert total[0] > total[1] > total[2]
    assert (births[0] > births[2]).all()


def _births(setting, world, lev, draws: int, *, hardware: bool = False) -> np.ndarray:
    """Firms founded in one month, for each of ``draws`` random streams (seeds 0, 1, ...)."""
    out = []
    for k in range(draws):
        w = copy.deepcopy(world)
        found_firms(setting, w, lev, np.random.default_rng(k))
        births = w.flows.births
        out.append(births[:, setting.sector_hardware].sum() if hardware else births.sum())
    return np.asarray(out)


def test_a_rail_link_means_more_founding(scenario, advanced, rail):
    """Common random numbers on one month: the same world, the same draws, faster trains."""
    base = scenario(seed=4)
    setting, world, _, _ = advanced(base, 6)
    fast = replace(setting, levers=lever_schedule(scenario(rail(0.5), seed=4).world_inputs()))
    lev0, lev1 = levers(setting, world.step), levers(fast, world.step)
    w0, w1 = copy.deepcopy(world), copy.deepcopy(world)
    update_spillovers(setting, w0, spillover_kernels(setting, lev0.city_minutes))
    update_spillovers(setting, w1, spillover_kernels(setting, lev1.city_minutes))
    assert (w1.spillover >= w0.spillover).all() and (w1.spillover > w0.spillover).any()
    b0, b1 = _births(setting, w0, lev0, 60), _births(setting, w1, lev1, 60)
    assert b1.sum() > b0.sum()
    assert (b1 >= b0).sum() > (b1 < b0).sum()


def test_shared_labs_mean_more_hardware_founding(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=5), 3)
    lev = levers(setting, world.step)
    none = replace(lev, lab_slots=np.zeros_like(lev.lab_slots))
    plenty = replace(lev, lab_slots=np.full_like(lev.lab_slots, 1e6))
    b0 = _births(setting, world, none, 40, hardware=True)
    b1 = _births(setting, world, plenty, 40, hardware=True)
    assert b1.sum() > b0.sum()
    w = copy.deepcopy(world)
    found_firms(setting, w, plenty, np.random.default_rng(0))
    new = slice(world.firms.n, w.firms.n)
    hardware = setting.sector_hardware[w.firms.sector[new]]
    assert (w.firms.lab_until[new][hardware] > world.step).all()
    assert (w.firms.lab_until[new][~hardware] == 0).all()
    assert (lab_places(setting, w, plenty) <= plenty.lab_slots).all()


def test_founding_takes_teams_out_of_the_pool(scenario, advanced):
    setting, world, _, _ = advanced(scenario(seed=6), 5)
    lev = levers(setting, world.step)
    f = world.firms
    n0, next_id = f.n, f.next_id
    pool0 = world.talent.pool.copy()
    found_firms(setting, world, lev, np.random.default_rng(1))
    new = slice(n0, f.n)
    born = f.n - n0
    assert born > 0
    assert world.flows.births.sum() == born
    team = setting.params.founding.team_size
    left = pool0 - world.talent.pool
    per_city = np.bincount(f.city[new], minlength=setting.n_cities) * team
    assert np.allclose(left, per_city)
    assert (world.talent.pool >= 0).all()
    assert (left <= 0.1 * pool0 + 1e-9).all()  # at most a tenth of a pool founds in a month
    assert np.array_equal(f.id[new], np.arange(next_id, next_id + born))
    assert (f.born[new] == world.step).all()
    assert (f.stage[new] == 0).all() and (f.stage[new] < STAGE_PUBLIC).all()
    assert (f.employees[new] == team).all()
    assert (f.cash[new] > 0).all() and f.alive[new].all()
    assert (setting.district_city[f.district[new]] == f.city[new]).all()


def test_the_spillover_reference_moves_from_the_start_to_the_month(scenario, advanced):
    """w = 0 reads knowledge against the start (the shipped rule), w = 1 against this month's
    mean over the sector's districts, and between them the geometric blend; with w = 1 a world
    whose knowledge doubles everywhere founds no more firms than before."""
    setting, world, _, _ = advanced(scenario(seed=7), 4)
    start = setting.ref_knowledge
    assert np.array_equal(spillover_reference(setting, world.spillover), start)
    spill = world.spillover
    present = spill > 0
    month = np.where(present, spill, 0.0).sum(axis=0) / np.maximum(present.sum(axis=0), 1)

    def with_weight(w: float):
        p = setting.params.model_copy(deep=True)
        p.founding.spillover_peer_weight = w
        return replace(setting, params=p)

    at_month = with_weight(1.0)
    assert np.allclose(spillover_reference(at_month, spill), month)
    half = spillover_reference(with_weight(0.5), spill)
    assert np.allclose(half, np.sqrt(start * month))
    lev = levers(at_month, world.step)
    doubled = copy.deepcopy(world)
    doubled.spillover = 2.0 * world.spillover
    assert np.array_equal(_births(at_month, world, lev, 5), _births(at_month, doubled, lev, 5))
    shipped = levers(setting, world.step)
    assert _births(setting, doubled, shipped, 5).sum() > _births(setting, world, shipped, 5).sum()
