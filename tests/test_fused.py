"""The compiled passes of a firm's month give the NumPy code's numbers, bit for bit.

``helix.world.fused`` replaces ``operations``' NumPy code when numba is on; a run must not
change with the switch. The shipped world has no hire ramp and no founders' pay cut, so those
branches are run here with both switched on.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from helix import simulate
from helix.world import fused, kernel_cache, kernels

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
        # the passes themselves, compiled here if the cache does not have them yet
        monkeypatch.setitem(fused.compiled.state, "ready", use_numba)
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


def test_until_the_passes_are_compiled_the_numpy_code_runs_while_a_helper_compiles(monkeypatch):
    """A cold cache: one helper is started and the NumPy code runs while it compiles; once the
    cache has every compiled function (or the helper is gone) they run."""
    started, have, busy = [], {"cached": False}, {"now": True}
    monkeypatch.setattr(kernel_cache, "cached", lambda passes: have["cached"])
    monkeypatch.setattr(kernel_cache, "compiling", lambda passes: busy["now"])
    monkeypatch.setattr(
        kernel_cache, "compile_elsewhere", lambda p, code: started.append(code) or True
    )
    compiled = kernel_cache.Compiled(fused.KERNELS, fused.WARM_UP, cache=True)

    def ask(enabled: bool = True) -> bool:
        compiled.state["asked"] = -1.0  # past the half-second between looks
        return compiled(enabled)

    assert not ask() and not ask()
    assert started == [fused.WARM_UP], "one helper, whatever the number of asks"
    have["cached"] = True
    assert ask() and compiled(True)
    # a helper that is gone without compiling everything: the rest is compiled in the process
    compiled.state.update(ready=False, helped=True)
    have["cached"], busy["now"] = False, False
    assert ask()
    # numba off: never
    compiled.state.update(ready=False, helped=False)
    assert not ask(enabled=False) and len(started) == 1
    # no disk cache: compiled in the process, no helper
    assert kernel_cache.Compiled(fused.KERNELS, "", cache=False)(True) and len(started) == 1


def test_a_helper_runs_detached_and_removes_its_lock(tmp_path):
    """``compile_elsewhere`` starts one helper per cache folder, which runs its code and then
    removes the lock; a second call while it runs starts none."""

    class Cache:
        _cache_path = str(tmp_path)

    class Dispatcher:
        _cache = Cache()

    done = tmp_path / "done"
    code = f"import time; time.sleep(1); open({str(done)!r}, 'w').write('compiled')"
    assert kernel_cache.compile_elsewhere([Dispatcher()], code)
    assert kernel_cache.compiling([Dispatcher()])
    assert kernel_cache.compile_elsewhere([Dispatcher()], "raise SystemExit(3)")  # busy: none
    for _ in range(300):
        if not kernel_cache.compiling([Dispatcher()]):
            break
        time.sleep(0.1)
    assert done.read_text() == "compiled"
    assert not (tmp_path / "helix-compiling.lock").exists()
