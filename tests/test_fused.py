"""The compiled passes of a firm's month give the NumPy code's numbers, bit for bit.

``helix.world.fused`` replaces ``operations``' NumPy code when numba is on; a run must not
change with the switch. The shipped world has no hire ramp and no founders' pay cut, so those
branches are run here with both switched on.
"""

from __future__ import annotations

import numpy as np
import pytest

from helix import simulate
from helix.world import kernels

BRANCHES = [
    [],
    ["parameters.growth.hire_ramp_months=3", "parameters.founding.founder_pay_cut=0.5"],
]


def _columns(result) -> dict[str, np.ndarray]:
    out = {}
    for group, table in (
        ("indicators", result.observations.long_form()),
        ("events", result.event_table()),
        ("snapshots", result.snapshot_table()),
    ):
        for name, column in table.items():
            out[f"{group}.{name}"] = np.asarray(column)
    return out


@pytest.mark.parametrize("overrides", BRANCHES, ids=["shipped", "ramp-and-pay-cut"])
def test_a_run_is_the_same_with_numba_on_and_off(monkeypatch, tiny_scenario_of, overrides):
    runs = []
    for use_numba in (True, False):
        monkeypatch.setattr(kernels, "USE_NUMBA", use_numba)
        runs.append(_columns(simulate(tiny_scenario_of(overrides, until="2021-06", seed=3))))
    compiled, reference = runs
    assert compiled.keys() == reference.keys()
    # firms are funded (hiring on a plan) and fail (dead rows) in the months compared
    assert {"funded", "failed"} <= set(compiled["events.event"].astype(str))
    for name, column in compiled.items():
        ref = reference[name]
        if column.dtype.kind == "f":
            assert np.array_equal(column.view(np.int64), ref.view(np.int64)), name
        else:
            assert np.array_equal(column, ref), name


def test_the_compiled_move_is_the_argmax_of_the_move_values(tiny_world):
    """Every living firm's best district and whether the move pays, as ``np.argmax`` reads the
    value matrix (district 0 and no move where none is possible)."""
    from helix.world.mechanisms.policy import levers
    from helix.world.mechanisms.relocation import _best_moves_compiled, move_values

    setting, world, _ = tiny_world(months=6)
    world.offices.rent_per_m2[0] *= 3.0  # dear rent in one district: moves from it pay
    lev = levers(setting, world.step)
    rows = np.flatnonzero(world.firms.view("alive"))
    value, _ = move_values(setting, world, lev, rows)
    best, pays = _best_moves_compiled(setting, world, lev, rows)
    expected = np.argmax(value, axis=1)
    assert np.array_equal(best, expected)
    assert np.array_equal(pays, value[np.arange(len(rows)), expected] > 0)
    # both kinds of firm are compared: some with a move that pays, some with no move possible
    assert pays.any() and (~np.isfinite(value).any(axis=1)).any()
