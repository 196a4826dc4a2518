"""The DuckDB results store: round trips, whole-or-nothing writes, and errors it reports."""

from __future__ import annotations

import numpy as np
import pytest

from helix.errors import StoreError
from helix.runner import run_and_store
from helix.scenario.load import scenario_from_json_dict
from helix.store import Store, indicator_rows, now
from helix.world.simulation import simulate
from helix.world.state import EVENT_NAMES


def _memory_rows(result) -> list[tuple]:
    """A run's indicators as the store's rows, in :func:`indicator_rows`'s order."""
    lf = result.observations.long_form()
    rows = [
        (m, c, d, s, i, float(v))
        for m, c, d, s, i, v in zip(
            lf["month"],
            lf["city"],
            lf["district"],
            lf["sector"],
            lf["indicator"],
            lf["value"],
            strict=True,
        )
    ]
    return sorted(
        rows,
        key=lambda r: (
            r[4],
            r[0],
            r[1],
            r[2] is not None,
            r[2] or "",
            r[3] is not None,
            r[3] or "",
        ),
    )


def _same_values(a: list[tuple], b: list[tuple]) -> bool:
    """Equal rows, comparing values by their bits (NaN equals NaN)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x[:5] != y[:5]:
            return False
        if np.float64(x[5]).tobytes() != np.float64(y[5]).tobytes():
            return False
    return True


def test_stored_indicators_are_bit_identical_to_a_second_run(scenario, tmp_path):
    s = scenario(seed=11)
    with Store(tmp_path / "runs.duckdb") as store:
        first = run_and_store(s, store)
        second = run_and_store(scenario(seed=11), store)
        rows1 = indicator_rows(store.con, first.run_id)
        rows2 = indicator_rows(store.con, second.run_id)
    assert first.run_id != second.run_id
    assert len(rows1) > 0
    assert _same_values(rows1, rows2)
    # And against a run that never went through the store.
    assert _same_values(rows1, _memory_rows(simulate(scenario(seed=11))))


def test_the_stored_scenario_reruns_exactly(scenario, tmp_path):
    s = scenario(["parameters.knowledge.decay_per_minute=0.003"], seed=12)
    path = tmp_path / "runs.duckdb"
    with Store(path) as store:
        stored = run_and_store(s, store)
    with Store(path, read_only=True) as store:
        meta = store.run(stored.run_id)
        rows = indicator_rows(store.con, stored.run_id)
    assert meta["status"] == "done"
    assert meta["seed"] == 12
    assert meta["scenario_name"] == s.name
    assert meta["finished"] >= meta["started"]
    again = scenario_from_json_dict(meta["scenario_json"])
    assert again == s
    assert _same_values(rows, _memory_rows(simulate(again)))


def test_events_and_snapshots_are_stored_whole(scenario, tmp_path):
    s = scenario(seed=13)
    with Store(tmp_path / "runs.duckdb") as store:
        stored = run_and_store(s, store)
        con = store.con
        events = con.execute(
            "SELECT event, count(*) FROM firm_events WHERE run_id = ? GROUP BY event",
            [stored.run_id],
        ).fetchall()
        snaps = con.execute(
            "SELECT DISTINCT date FROM firm_snapshots WHERE run_id = ?", [stored.run_id]
        ).fetchall()
        n_snaps = con.execute(
            "SELECT count(*) FROM firm_snapshots WHERE run_id = ?", [stored.run_id]
        ).fetchone()[0]
        funded = con.execute(
            "SELECT min(amount) FROM firm_events WHERE run_id = ? AND event = 'funded'",
            [stored.run_id],
        ).fetchone()[0]
    table = stored.result.event_table()
    expected = dict(zip(*np.unique(table["event"], return_counts=True), strict=True))
    assert {e: n for e, n in events} == {str(k): int(v) for k, v in expected.items()}
    assert {e for e, _ in events} <= set(EVENT_NAMES)
    assert {"founded", "funded", "failed"} <= {e for e, _ in events}
    assert funded is not None and funded > 0  # the round size
    assert sorted(d for (d,) in snaps) == ["2020-12", "2021-12"]
    assert n_snaps == len(stored.result.snapshots["firm_id"])


def test_a_failed_write_leaves_nothing(tmp_path):
    path = tmp_path / "runs.duckdb"
    bad = {"month": np.array(["2020-01", "2020-02"]), "value": np.array([1.0])}
    with Store(path) as store:
        with pytest.raises(Exception):  # noqa: B017 - whatever DuckDB raises for ragged columns
            store.write_run(
                "r1",
                scenario_name="x",
                scenario_json={},
                seed=0,
                started=now(),
                indicators=bad,
            )
        assert store.con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        assert store.con.execute("SELECT count(*) FROM indicators").fetchone()[0] == 0


def test_a_failed_run_is_marked_failed(tmp_path):
    with Store(tmp_path / "runs.duckdb") as store:
        store.write_failed_run(
            "r2", scenario_name="x", scenario_json={}, seed=1, started=now(), error="boom"
        )
        assert store.run_ids("failed") == ["r2"]
        assert store.run_ids() == []
        assert store.run("r2")["status"] == "failed"
        with pytest.raises(StoreError):
            store.latest_run()


def test_latest_run_and_unknown_run(scenario, tmp_path):
    with Store(tmp_path / "runs.duckdb") as store:
        stored = run_and_store(scenario(until="2020-03"), store)
        assert store.latest_run() == stored.run_id
        with pytest.raises(StoreError, match="no run"):
            store.run("nope")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: p / "missing-folder" / "x.duckdb", "folder does not exist"),
        (lambda p: p, "is a directory"),
    ],
)
def test_unwritable_paths_raise_store_errors(tmp_path, make, match):
    with pytest.raises(StoreError, match=match) as info:
        Store(make(tmp_path))
    assert info.value.key == "--db"
    assert info.value.file == str(make(tmp_path))


def test_a_file_that_is_not_a_database_raises_a_store_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        Store(path)


def test_reading_a_missing_database_raises_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "absent.duckdb", read_only=True)
    assert not (tmp_path / "absent.duckdb").exists()


def test_coded_columns_store_the_same_rows_as_strings(scenario, tmp_path):
    result = simulate(scenario(seed=14))
    with Store(tmp_path / "runs.duckdb") as store:
        for run_id, coded in (("strings", False), ("codes", True)):
            store.write_run(
                run_id,
                scenario_name="x",
                scenario_json={},
                seed=14,
                started=now(),
                indicators=result.observations.long_form(coded=coded),
                events=result.event_table(coded=coded),
                snapshots=result.snapshot_table(coded=coded),
            )
        for table in ("indicators", "firm_events", "firm_snapshots"):
            rows = "SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = '{r}'"
            a = rows.format(t=table, r="strings")
            b = rows.format(t=table, r="codes")
            n = store.con.execute(f"SELECT count(*) FROM ({a})").fetchone()[0]
            assert n > 0
            for x, y in ((a, b), (b, a)):
                diff = store.con.execute(f"SELECT count(*) FROM ({x} EXCEPT ALL {y})").fetchone()[0]
                assert diff == 0, table
            nulls = store.con.execute(
                f"SELECT count(*) FROM ({b}) WHERE city IS NULL OR sector = 'None'"
            ).fetchone()[0]
            assert nulls == 0, table
