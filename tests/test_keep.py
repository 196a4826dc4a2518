"""Experiments keep what they read: the indicators stored per run, what reads them back, the
size shown before a run, and a latin sweep's rank correlations (issue 14 item 5).

Every run is the tiny world to 2021-06 (a fraction of a second), run in this process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from helix.experiments.channels import trace_experiment
from helix.experiments.design import load_experiment
from helix.experiments.executors import ExecutorBackend
from helix.experiments.keep import (
    BYTES_PER_KEPT_ROW,
    STORE_OVERHEAD,
    Kept,
    estimate_size,
    kept_by,
)
from helix.experiments.runner import complete_runs, experiment_status, run_experiment
from helix.experiments.summary import spearman_interval
from helix.report.build import kept_note
from helix.report.source import load_runs
from helix.report.targets import verdicts
from helix.store import Store
from helix.store.runs import observations
from helix.world.catalogue import INDICATORS

WHAT_IF = """
name = "keep-test"
scenario = "tiny-corridor"
until = "2021-06"
replicates = 2
{extra}
[variants.vc-slump.scenario.shocks.vc-slump]
kind = "vc_downturn"
start = "2020-06"
severity = 0.6
[outcomes.alder_output]
indicator = "output"
city = "Alder"
{outcomes}
"""
LATIN = """
name = "latin-test"
scenario = "tiny-corridor"
until = "2021-06"
replicates = 1
[sweep]
design = "latin"
samples = 6
[uncertainties.hurdle]
key = "parameters.funding.hurdle"
low = -0.5
high = 1.5
[outcomes.alder_output]
indicator = "output"
city = "Alder"
[outcomes.alder_vs_cedar]
indicator = "output"
city = "Alder"
other_city = "Cedar"
statistic = "city_ratio"
"""


# Two targets the short runs can measure: one on output (kept everywhere), one T3-like on VC,
# which the runs keep in their channel city only.
TARGETS = (
    'set = { "targets.early" = { indicator = "output", statistic = "growth", city = "Alder", '
    'start = "2020-01", end = "2021-06", observed = 0.5, tolerance = 0.5 }, '
    '"targets.vc_early" = { indicator = "vc_invested", statistic = "city_ratio", '
    'city = "Alder", other_city = "Cedar", start = "2020-01", end = "2021-06", '
    "observed = 1.2, tolerance = 0.3 } }"
)


def write(folder: Path, text: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def in_process() -> Iterator[ExecutorBackend]:
    with ExecutorBackend(ThreadPoolExecutor(1), 1) as backend:
        yield backend


def stored(db: Path) -> list[tuple[str, str | None, int]]:
    """(indicator, city, rows) of a store's indicators."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT indicator, city, count(*) FROM indicators GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    return [(str(i), c, int(n)) for i, c, n in rows]


def test_an_experiment_stores_its_outcomes_indicators_and_its_channel_city(
    tmp_path: Path, in_process: ExecutorBackend
) -> None:
    exp = load_experiment(write(tmp_path, WHAT_IF.format(extra=TARGETS, outcomes="")))
    kept = kept_by(exp)
    # The outcome's indicator everywhere; every indicator of the focus city, where the channel
    # is traced (a variant beside the baseline, no sweep).
    assert kept == Kept(frozenset({"output"}), "Alder")
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        report = run_experiment(exp, store, in_process)
    assert (report.done, report.failed, report.redone) == (4, 0, 0)
    rows = stored(db)
    assert {i for i, c, _ in rows if c != "Alder"} == {"output"}
    assert {i for i, c, _ in rows if c == "Alder"} == set(INDICATORS)
    # The estimate counts the very rows stored.
    size = estimate_size(exp)
    assert size.runs * size.cells_per_month * size.months == sum(n for *_, n in rows)
    assert size.bytes == pytest.approx(
        STORE_OVERHEAD + sum(n for *_, n in rows) * BYTES_PER_KEPT_ROW
    )

    # What reads the runs back finds what it needs, and says what it lacks.
    with Store(db, read_only=True) as store:
        (trace,) = trace_experiment(store.con, exp.experiment_id)
        assert trace.parted is not None and trace.unkept == []
        (elsewhere,) = trace_experiment(store.con, exp.experiment_id, city="Cedar")
        assert elsewhere.unkept and "output" not in elsewhere.unkept
        assert 'keep = "all"' in elsewhere.sentence()
        run_id = next(r for r in store.run_ids())
        obs = observations(store.con, run_id)
        assert set(obs.city_sector) >= {"output", "firms"} and "unicorns" in obs.city_sector
        cedar = obs.cities.index("Cedar")
        assert np.isnan(obs.city_sector["firms"][:, cedar]).all()  # not kept: NaN, not zero
        assert not np.isnan(obs.city_sector["output"]).any()
        runs = load_runs(store, [run_id])
        note = kept_note(store.con, [run_id])
        assert note is not None and "output" in note and "every indicator of Alder" in note
        # A target on an indicator kept only in Alder (T3-like: Alder's VC over Cedar's) is
        # left out of the report's table, not shown as failed.
        assert {v.name for v in verdicts(store.con, runs)} == {"early"}


def test_keep_all_stores_every_indicator_and_a_sweep_keeps_no_channel_city(
    tmp_path: Path, in_process: ExecutorBackend
) -> None:
    exp = load_experiment(write(tmp_path, WHAT_IF.format(extra='keep = "all"', outcomes="")))
    assert kept_by(exp) == Kept(None)
    with Store(tmp_path / "all.duckdb") as store:
        run_experiment(exp, store, in_process)
    assert {i for i, *_ in stored(tmp_path / "all.duckdb")} == set(INDICATORS)
    sweep = load_experiment(write(tmp_path, LATIN, "latin.toml"))
    assert kept_by(sweep) == Kept(frozenset({"output"}))
    listed = load_experiment(write(tmp_path, LATIN, "latin.toml"), keep=["deals", "rent"])
    assert kept_by(listed) == Kept(frozenset({"output", "deals", "rent"}))


def test_an_outcome_on_an_indicator_not_kept_redoes_the_runs_with_the_same_results(
    tmp_path: Path, in_process: ExecutorBackend
) -> None:
    db = tmp_path / "r.duckdb"
    first = load_experiment(write(tmp_path, WHAT_IF.format(extra="", outcomes="")))
    with Store(db) as store:
        before = run_experiment(first, store, in_process)
    more = '[outcomes.cedar_deals]\nindicator = "deals"\ncity = "Cedar"\nstatistic = "total"\n'
    edited = load_experiment(write(tmp_path, WHAT_IF.format(extra="", outcomes=more)))
    assert edited.experiment_id == first.experiment_id  # outcomes do not decide the runs
    with Store(db) as store:
        done, lacking = complete_runs(store, edited)
        assert (len(done), len(lacking)) == (0, 4)
        assert experiment_status(store, edited)["pending"] == 4
        after = run_experiment(edited, store, in_process)
        assert experiment_status(store, edited)["pending"] == 0
    assert (after.ran, after.redone, after.skipped) == (4, 4, 0)
    mean = {(r.variant, r.outcome): r.value for r in after.summary.rows if r.statistic == "mean"}
    for r in before.summary.rows:
        if r.statistic == "mean":
            assert mean[(r.variant, r.outcome)] == r.value  # same seeds, same numbers
    assert np.isfinite(mean[("baseline", "cedar_deals")])
    assert ("deals", "Cedar") in {(i, c) for i, c, _ in stored(db)}


def test_the_plan_shows_the_runs_and_their_size_before_anything_runs(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    path = write(tmp_path, WHAT_IF.format(extra="", outcomes=""))
    db = tmp_path / "r.duckdb"
    planned = cli("experiment", path, "--plan", "--json", "--db", db)
    assert planned.exit_code == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert (plan["total"], plan["pending"]) == (4, 4) and not db.exists()
    assert plan["plan"]["kept"] == {"indicators": ["output"], "city": "Alder"}
    assert plan["plan"]["runs"] == 4 and plan["plan"]["months"] == 18
    assert plan["plan"]["bytes"] == round(estimate_size(load_experiment(path)).bytes)
    shown = cli("experiment", path, "--plan", "--keep", "all")
    assert shown.exit_code == 0, shown.stderr
    assert "4 runs x" in shown.stdout and "keeps every indicator" in shown.stdout


def test_a_latin_sweep_prints_each_outcomes_rank_correlation_with_each_parameter(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    path = write(tmp_path, LATIN, "latin.toml")
    args = ("experiment", path, "--workers", "1", "--db", tmp_path / "r.duckdb")
    printed = cli(*args)
    assert printed.exit_code == 0, printed.stderr
    words = " ".join(printed.stdout.split())
    assert "alder_output: rank correlation with each swept parameter" in words
    assert "alder_vs_cedar: output Alder/Cedar (city_ratio)" in words
    rows = json.loads(cli(*args, "--json").stdout)["summary"]["rows"]
    ranks = [r for r in rows if r["statistic"] == "spearman"]
    assert {(r["outcome"], r["parameter"]) for r in ranks} <= {
        ("alder_output", "hurdle"),
        ("alder_vs_cedar", "hurdle"),
    }
    assert ranks and all(-1 <= r["value"] <= 1 and r["n"] == 6 for r in ranks)


def test_a_rank_correlations_interval_narrows_with_runs_and_holds_it() -> None:
    low, high = spearman_interval(0.6, 20, 0.95) or (0, 0)
    wide = spearman_interval(0.6, 8, 0.95) or (0, 0)
    assert low < 0.6 < high and wide[0] < low and high < wide[1]
    assert spearman_interval(0.6, 3, 0.95) is None
