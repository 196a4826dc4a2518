"""IP disputes: more same-sector crowding, more disputes; the sued pay and give back gains."""

from __future__ import annotations

import copy

import numpy as np

from helix.world.mechanisms.disputes import settle_disputes
from helix.world.mechanisms.innovation import innovate_and_imitate


def _imitation(tiny_scenario_of, advanced, seed: int):
    setting, world, _, _ = advanced(tiny_scenario_of(seed=seed), 6)
    rows, gains = innovate_and_imitate(
        setting, world, np.full(world.firms.n, 0.1), np.random.default_rng(seed)
    )
    assert len(rows) > 0
    return setting, world, rows, gains


def _sued(setting, world, rows, gains, crowding: float, seed: int):
    """Settle disputes with every cell's firm count scaled by ``crowding``."""
    w = copy.deepcopy(world)
    w.flows.firm_count = crowding * w.flows.firm_count
    cash0, a0 = w.firms.cash.copy(), w.firms.productivity.copy()
    settle_disputes(setting, w, rows, gains, np.random.default_rng(seed))
    sued = w.firms.cash[rows] < cash0[rows]
    return w, sued, cash0, a0


def test_more_crowding_means_more_disputes(tiny_scenario_of, advanced):
    counts = np.zeros(2)
    for seed in (1, 2):
        setting, world, rows, gains = _imitation(tiny_scenario_of, advanced, seed)
        for j, crowding in enumerate((0.5, 3.0)):
            _, sued, _, _ = _sued(setting, world, rows, gains, crowding, seed)
            counts[j] += sued.sum()
    assert counts[1] > counts[0]


def test_the_sued_pay_the_cost_and_give_back_part_of_their_gain(tiny_scenario_of, advanced):
    setting, world, rows, gains = _imitation(tiny_scenario_of, advanced, 3)
    p = setting.params.disputes
    w, sued, cash0, a0 = _sued(setting, world, rows, gains, 3.0, 3)
    assert sued.any()
    assert np.allclose(cash0[rows][sued] - w.firms.cash[rows][sued], p.cost_yuan)
    lost = a0[rows] - w.firms.productivity[rows]
    assert np.allclose(lost[sued], p.loss_share * gains[sued])
    assert (lost[~sued] == 0).all()
    others = np.setdiff1d(np.arange(w.firms.n), rows)
    assert np.array_equal(w.firms.cash[others], cash0[others])
    # Disputes are counted, perhaps later (a filing lag), never negative.
    assert (w.flows.ip_disputes >= 0).all()
