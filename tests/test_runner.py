"""The main job: simulate, store in one go, measure the report's figures from the store."""

from __future__ import annotations

import pytest

import helix.runner
from helix.runner import run_and_store
from helix.store import Store


def test_a_run_is_stored_with_its_targets(scenario, tmp_path):
    s = scenario(until="2025-12", seed=21)
    with Store(tmp_path / "runs.duckdb") as store:
        stored = run_and_store(s, store)
        assert store.run_ids() == [stored.run_id]
        dates = store.con.execute(
            "SELECT min(date), max(date), count(DISTINCT date) FROM indicators WHERE run_id = ?",
            [stored.run_id],
        ).fetchone()
    assert dates == ("2020-01", "2025-12", 72)
    assert stored.seconds > 0
    assert stored.db == str(tmp_path / "runs.duckdb")
    assert set(stored.targets) == set(s.targets) == {f"T{i}" for i in range(1, 8)}
    for name, t in stored.targets.items():
        assert t["report"] == s.targets[name].observed
        assert isinstance(t["pass"], bool)


def test_targets_after_the_end_of_a_short_run_are_left_out(scenario, tmp_path):
    s = scenario(until="2021-12")
    assert s.targets == {}
    with Store(tmp_path / "runs.duckdb") as store:
        assert run_and_store(s, store).targets == {}


def test_a_run_that_raises_is_recorded_as_failed_and_nothing_else(scenario, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the world fell over")

    monkeypatch.setattr(helix.runner, "simulate", broken)
    with Store(tmp_path / "runs.duckdb") as store:
        with pytest.raises(RuntimeError):
            run_and_store(scenario(), store)
        assert store.run_ids() == []
        (failed,) = store.run_ids("failed")
        row = store.con.execute("SELECT error FROM runs WHERE run_id = ?", [failed]).fetchone()
        assert "the world fell over" in row[0]
        for table in ("indicators", "firm_events", "firm_snapshots"):
            assert store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
