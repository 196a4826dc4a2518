"""Running a world: determinism, and that observing a run does not change it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helix.world.catalogue import INDICATORS
from helix.world.simulation import prepare, simulate


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    """Bit-identical arrays under the same names (NaN equal to NaN by its bits)."""
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and a[k].tobytes() == b[k].tobytes()
        for k in a
    )


def _observations(result) -> dict[str, np.ndarray]:
    o = result.observations
    return {
        **{f"cs.{k}": v for k, v in o.city_sector.items()},
        **{f"c.{k}": v for k, v in o.city.items()},
        **{f"d.{k}": v for k, v in o.district.items()},
    }


def test_same_scenario_and_seed_give_bit_identical_results(scenario):
    s = scenario(seed=7)
    first, second = simulate(s), simulate(scenario(seed=7))
    assert first.observations.months == second.observations.months
    assert _same(_observations(first), _observations(second))
    assert _same(first.events, second.events)
    assert _same(first.snapshots, second.snapshots)
    assert first.final_firms == second.final_firms
    assert len(first.events["step"]) > 0 and len(first.snapshots["firm_id"]) > 0


def test_another_seed_gives_another_run(run):
    a, b = run(seed=1), run(seed=2)
    assert not _same(_observations(a), _observations(b))


def test_simulate_leaves_the_scenario_unchanged(scenario):
    s = scenario(seed=3)
    before = s.model_dump(mode="json")
    simulate(s, keep_firms=False)
    assert s.model_dump(mode="json") == before


def test_recording_firm_events_does_not_change_the_run(run):
    """Events and snapshots are observations only: they draw no random numbers."""
    with_firms = run(seed=4, keep_firms=True)
    without = run(seed=4, keep_firms=False)
    assert _same(_observations(with_firms), _observations(without))
    assert len(without.events["step"]) == 0 and len(without.snapshots["firm_id"]) == 0


def test_prepare_is_deterministic(scenario):
    s = scenario(seed=5)
    (_, w1, rng1), (_, w2, rng2) = prepare(s), prepare(s)
    for name in w1.firms.columns():
        assert np.array_equal(w1.firms.view(name), w2.firms.view(name)), name
    assert np.array_equal(w1.talent.pool, w2.talent.pool)
    assert np.array_equal(w1.funds.dry_powder_usd, w2.funds.dry_powder_usd)
    assert rng1.random() == rng2.random()


def test_progress_is_reported_once_per_month(scenario):
    s = scenario(until="2020-06")
    calls: list[tuple[int, int]] = []
    simulate(s, lambda done, total: calls.append((done, total)), keep_firms=False)
    assert calls == [(m, 6) for m in range(1, 7)]


def test_snapshots_are_taken_each_december_of_living_firms(run):
    result = run(until="2021-12", keep_firms=True)
    months = np.asarray(result.months)[result.snapshots["step"]]
    assert set(months) == {"2020-12", "2021-12"}
    snap = result.snapshot_table()
    assert (snap["employees"] > 0).all()
    assert (snap["age_months"] >= 0).all()
    last = snap["month"] == "2021-12"
    assert last.sum() == result.final_firms
    # A firm appears at most once per snapshot.
    for month in ("2020-12", "2021-12"):
        ids = snap["firm_id"][snap["month"] == month]
        assert len(np.unique(ids)) == len(ids)


def test_a_run_without_a_december_gives_empty_tables(scenario):
    """A short run (or one without firm records) still yields well-formed, empty tables."""
    result = simulate(scenario(until="2020-03"), keep_firms=False)
    for table in (result.event_table(), result.snapshot_table()):
        assert all(len(column) == 0 for column in table.values())


def test_the_tiny_world_runs_end_to_end_and_observes_every_indicator(tiny_scenario_of):
    """A second world through the same engine: every catalogue indicator observed, finite, and
    the same seed gives the same run."""
    s = tiny_scenario_of(seed=3)
    result = simulate(s)
    observed = _observations(result)
    assert {k.split(".", 1)[1] for k in observed} == set(INDICATORS)
    assert all(np.isfinite(v).all() for v in observed.values())
    assert result.months[0] == s.start and result.months[-1] == s.end
    assert result.final_firms > 0
    assert _same(observed, _observations(simulate(tiny_scenario_of(seed=3))))


def test_the_setting_is_built_once_and_frozen(tiny_scenario_of):
    setting, _, _ = prepare(tiny_scenario_of())
    sold_in = np.unique(setting.city_market)  # the markets some city sells in
    assert (setting.ref_mass > 0).any() and (setting.market0[sold_in] > 0).all()
    assert setting.levers.city_minutes.shape == (setting.steps, setting.n_cities, setting.n_cities)
    assert len(setting.export_controls) == 1 and len(setting.networks) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        setting.steps = 1  # type: ignore[misc]
