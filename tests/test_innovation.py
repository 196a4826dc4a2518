"""Innovation and imitation: more real R&D, more innovation; more density, more imitation;
productivity falls only by obsolescence."""

from __future__ import annotations

import copy

import numpy as np

from helix.world.mechanisms.innovation import innovate_and_imitate


def _productivity_after(setting, world, intensity, seed: int, *, reach_mass=None):
    w = copy.deepcopy(world)
    if reach_mass is not None:
        w.reach_mass = reach_mass
    rows, gains = innovate_and_imitate(setting, w, intensity, np.random.default_rng(seed))
    return w.firms.view("productivity").copy(), rows, gains


def test_more_rd_means_more_innovation(tiny_scenario_of, advanced):
    setting, world, _, _ = advanced(tiny_scenario_of(seed=1), 4)
    n = world.firms.n
    low, high = np.full(n, 0.05), np.full(n, 0.3)
    for seed in range(3):
        a_low, *_ = _productivity_after(setting, world, low, seed)
        a_high, *_ = _productivity_after(setting, world, high, seed)
        # Same draws, more tries: nobody does worse, some do better.
        alive = world.firms.view("alive")
        assert a_high.mean() > a_low.mean()
        assert (a_high[alive] >= a_low[alive] - 1e-12).sum() > 0.95 * alive.sum()


def test_denser_reach_means_more_imitation(tiny_scenario_of, advanced):
    setting, world, _, _ = advanced(tiny_scenario_of(seed=2), 4)
    n = world.firms.n
    intensity = np.full(n, 0.1)
    counts = np.zeros(2)
    for seed in range(3):
        _, sparse, _ = _productivity_after(
            setting, world, intensity, seed, reach_mass=0.25 * world.reach_mass
        )
        _, dense, _ = _productivity_after(
            setting, world, intensity, seed, reach_mass=4.0 * world.reach_mass
        )
        counts += (len(sparse), len(dense))
    assert counts[1] > counts[0]


def test_productivity_falls_only_by_obsolescence_and_imitators_close_their_gap(
    tiny_scenario_of, advanced
):
    setting, world, _, _ = advanced(tiny_scenario_of(seed=3), 4)
    k = setting.params.knowledge
    before = world.firms.view("productivity").copy()
    practice = world.practice[world.firms.view("district"), world.firms.view("sector")]
    after, rows, gains = _productivity_after(setting, world, np.full(world.firms.n, 0.1), 0)
    assert (after >= before - k.obsolescence - 1e-12).all()
    assert len(rows) > 0
    assert (gains > 0).all()
    # An imitator never overshoots the best practice it copies from.
    assert (after[rows] <= practice[rows] - k.obsolescence + 1e-9).all()
