"""``helix calibrate``: bad input, the quick run, resuming, a corrupted study, the loss, the
identifiability measures and the generated document.

Calibrations here are tiny (a few trials, two seeds, scale 0.05, runs ending at the last target
month); the model's values are never asserted, only the machinery.
"""

from __future__ import annotations

import importlib.util
import json
import math
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
import tomli_w

from helix.experiments import calibration as cal
from helix.experiments.calibration import (
    Evaluated,
    FreeParameter,
    fit_targets,
    identifiability,
    replace_generated,
    search,
    spec_hash,
    study_file,
    total_loss,
)
from helix.experiments.calibration.screen import ScreenedCandidate, best_by_facts
from helix.experiments.validation.facts import FACTS
from helix.scenario.load import load_scenario, scenario_to_dict
from helix.scenario.schema import Target

ROOT = Path(__file__).resolve().parents[1]


def write_world(tmp_path: Path, default_toml: str, edit: Any, name: str = "world.toml") -> Path:
    data = tomllib.loads(default_toml)
    edit(data)
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def quick(cli: Any, tmp_path: Path, *extra: str, db: str = "c.duckdb") -> Any:
    return cli(
        "calibrate", "--quick", "--db", tmp_path / db, "--out", tmp_path / "calibrated.toml",
        "--json", *extra,
    )  # fmt: skip


def one_line_error(res: Any, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    assert "Traceback" not in res.output
    for needle in needles:
        assert needle in lines[0], lines[0]


# ------------------------------------------------------------------------------ bad input


def _set_target(name: str, **fields: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["targets"][name].update(fields)

    return edit


def _set_calibration(entries: dict[str, Any]) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["calibration"] = entries

    return edit


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (_set_target("T1", indicator="gdp"), "targets.T1.indicator"),
        (_set_target("T2", city="Atlantis"), "targets.T2.city"),
        (_set_target("T3", other_city="Atlantis"), "targets.T3.other_city"),
        (_set_target("T1", start="2019-01"), "targets.T1.start"),
        (_set_target("T4", end="2036-12"), "targets.T4.end"),
        (_set_target("T1", tolerance=0), "targets.T1.tolerance"),
        (_set_target("T2", tolerance=-1.0), "targets.T2.tolerance"),
        (_set_target("T1", start="2025-01", end="2024-01"), "targets.T1.end"),
        (
            _set_calibration({"parameters.growth.hiring_response": {"low": 0.01}}),
            "calibration.parameters.growth.hiring_response.high",
        ),
        (
            _set_calibration({"parameters.growth.hiring_response": {"low": 0.01, "high": 2.0}}),
            "calibration.parameters.growth.hiring_response.high",
        ),
        (
            _set_calibration({"parameters.funding.hurdle": {"low": -9.0, "high": 1.0}}),
            "calibration.parameters.funding.hurdle.low",
        ),
        (
            _set_calibration({"parameters.rents.natural_vacancy": {"low": 0.2, "high": 0.1}}),
            "calibration.parameters.rents.natural_vacancy",
        ),
        (
            _set_calibration({"parameters.growth.no_such_thing": {"low": 0.0, "high": 1.0}}),
            "calibration.parameters.growth.no_such_thing",
        ),
        (
            _set_calibration({"parameters.initial.stage_shares": {"low": 0.0, "high": 1.0}}),
            "calibration.parameters.initial.stage_shares",
        ),
        (
            _set_calibration({"sectors.ai.label": {"low": 0.0, "high": 1.0}}),
            "calibration.sectors.ai.label",
        ),
        (
            _set_calibration({"seed": {"low": 0.0, "high": 10.0}}),
            "calibration.seed",
        ),
        (
            _set_calibration({"parameters.exits.loss_months": {"low": 6.5, "high": 30}}),
            "calibration.parameters.exits.loss_months.low",
        ),
    ],
)
def test_bad_targets_and_calibration_entries_are_one_line(
    cli: Any, tmp_path: Path, default_toml: str, edit: Any, key: str
) -> None:
    path = write_world(tmp_path, default_toml, edit)
    res = cli("calibrate", path, "--quick", "--db", tmp_path / "c.duckdb")
    one_line_error(res, key, str(path))
    assert not study_file(tmp_path / "c.duckdb").exists()


def test_a_world_without_free_parameters_cannot_be_calibrated(
    cli: Any, tmp_path: Path, default_toml: str
) -> None:
    path = write_world(tmp_path, default_toml, lambda d: d.pop("calibration", None))
    one_line_error(cli("calibrate", path, "--quick", "--db", tmp_path / "c.duckdb"), "calibration")


def test_calibrating_a_table_of_named_items_is_allowed(tmp_path: Path, default_toml: str) -> None:
    path = write_world(
        tmp_path,
        default_toml,
        _set_calibration({"sectors.ai.demand_growth": {"low": 0.0, "high": 0.5}}),
    )
    [p] = cal.free_parameters(load_scenario(path))
    assert (p.path, p.schema_low, p.schema_high, p.integer) == (
        "sectors.ai.demand_growth",
        -0.5,
        1.0,
        False,
    )
    free_md, _ = cal.parameter_rows_markdown(load_scenario(path))
    [row] = [r for r in free_md.splitlines() if "sectors.ai.demand_growth" in r]
    assert "1/year" in row and "demand" in row.lower()


def test_shipped_world_marks_free_parameters_inside_the_schema_bounds() -> None:
    free = cal.free_parameters(load_scenario())
    assert 6 <= len(free) <= 12
    for p in free:
        assert p.path.startswith(("parameters.", "shocks."))
        assert p.schema_low is None or p.low >= p.schema_low
        assert p.schema_high is None or p.high <= p.schema_high


# ------------------------------------------------------------------------------ quick run


@pytest.mark.slow
def test_quick_calibration_writes_a_world_that_loads_and_stores_its_fit(
    cli: Any, tmp_path: Path
) -> None:
    res = quick(cli, tmp_path, "--workers", "2")
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    world = load_scenario(tmp_path / "calibrated.toml")
    shipped = load_scenario()
    assert world.scale == shipped.scale and world.end == shipped.end  # the user's world, not 0.05
    for path, value in payload["parameters"].items():
        node: Any = world
        for part in path.split("."):
            node = getattr(node, part) if not isinstance(node, dict) else node[part]
        assert node == pytest.approx(value)
    assert [f["target"] for f in payload["fit"]] == list(shipped.targets)
    for f in payload["fit"]:
        assert isinstance(f["within"], bool) and f["seeds"] == 2
        assert f["loss"] >= 0
    assert payload["trials"] == cal.QUICK_TRIALS
    assert math.isfinite(payload["best_loss"])

    con = duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True)
    try:
        stored = cal.latest_calibration(con)
    finally:
        con.close()
    assert stored is not None and stored["calibration_id"] == payload["calibration_id"]
    assert [r["target"] for r in stored["fit"]] == list(shipped.targets)
    assert [r["parameter"] for r in stored["parameters"]] == list(shipped.calibration)
    assert len(stored["correlations"]) == len(shipped.calibration) ** 2
    assert "--quick" not in stored["command"] and "--trials 8" in stored["command"]


def _calibrate_in(folder: Path, *args: str | Path) -> Any:
    """``helix calibrate ARGS`` in-process, working in ``folder``/cwd (as the ``cli`` fixture
    does, for fixtures shared by a module)."""
    from typer.testing import CliRunner

    from helix.cli import app

    work = folder / "cwd"
    work.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        return CliRunner().invoke(app, ["calibrate", *map(str, args)])


@pytest.fixture(scope="module")
def two_trials(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A quick calibration of two trials on one worker, both held against the facts, printed as
    tables, and its store: what the table test reads, and the store the document generator's
    test reads (read-only)."""
    folder = tmp_path_factory.mktemp("two-trials")
    res = _calibrate_in(
        folder, "--quick", "--trials", "2", "--workers", "1", "--db", folder / "c.duckdb",
        "--out", folder / "out.toml", "--facts", "2",
    )  # fmt: skip
    return res, folder / "c.duckdb"


@pytest.mark.slow
def test_quick_calibration_prints_tables(two_trials: tuple[Any, Path]) -> None:
    res, _ = two_trials
    assert res.exit_code == 0, res.output
    for needle in ("Fit", "held against the facts", "Identifiability", "Correlation", "out.toml"):
        assert needle in res.stdout


@pytest.mark.slow
def test_the_facts_screen_is_stored_and_names_the_shipped_candidate(
    two_trials: tuple[Any, Path],
) -> None:
    res, db = two_trials
    assert res.exit_code == 0, res.output
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT rank, trial, passed, facts, chosen FROM calibration_facts ORDER BY rank"
        ).fetchall()
        [(best_trial,)] = con.execute("SELECT best_trial FROM calibrations").fetchall()
    assert [r[0] for r in rows] == [1, 2]
    assert all(r[3] == len(FACTS) and 0 <= r[2] <= r[3] for r in rows)
    [chosen] = [r for r in rows if r[4]]
    assert chosen[1] == best_trial


def _trials(db: Path) -> list[Any]:
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    storage = JournalStorage(JournalFileBackend(str(study_file(db))))
    [summary] = optuna.get_all_study_summaries(storage)
    return optuna.load_study(study_name=summary.study_name, storage=storage).get_trials()


def _resumed_study(folder: Path, workers: str) -> dict[str, list[Any]]:
    """A quick study of three trials on ``workers`` workers, rerun with the same budget, then
    extended to six: its trials after each of the three commands."""
    db = folder / "c.duckdb"
    steps = {}
    for step, trials in (("first", "3"), ("same", "3"), ("more", "6")):
        res = _calibrate_in(
            folder, "--quick", "--db", db, "--out", folder / "calibrated.toml", "--json",
            "--trials", trials, "--workers", workers,
        )  # fmt: skip
        assert res.exit_code == 0, (step, res.output)
        steps[step] = _trials(db)
    return steps


@pytest.fixture(scope="module")
def resumed_on_one_worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    return _resumed_study(tmp_path_factory.mktemp("resumed"), "1")


@pytest.mark.slow
def test_rerun_with_more_trials_resumes_the_study(
    resumed_on_one_worker: dict[str, list[Any]],
) -> None:
    first = resumed_on_one_worker["first"]
    assert len(first) == 3
    assert len(resumed_on_one_worker["same"]) == 3  # the same budget adds nothing
    later = resumed_on_one_worker["more"]
    assert len(later) == 6
    assert [t.params for t in later[:3]] == [t.params for t in first]
    assert [t.value for t in later[:3]] == [t.value for t in first]


@pytest.mark.slow
def test_results_do_not_depend_on_workers(
    resumed_on_one_worker: dict[str, list[Any]], tmp_path: Path
) -> None:
    """The same three commands on two workers give the same trials after each (two batches of
    candidates, the second after a resume), as on one."""
    two = _resumed_study(tmp_path, "2")
    for step, one in resumed_on_one_worker.items():
        assert [t.params for t in two[step]] == [t.params for t in one], step
        assert [t.value for t in two[step]] == [t.value for t in one], step


@pytest.mark.slow
def test_an_interrupted_calibration_resumes_without_losing_trials(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cal.simulate_targets
    calls = {"n": 0}

    def interrupted(task: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > cal.BATCH * cal.QUICK_SEEDS:  # during the second batch
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(search, "simulate_targets", interrupted)
    res = quick(cli, tmp_path, "--trials", "8", "--workers", "1")
    assert res.exit_code == 130
    assert "resume" in res.output
    db = tmp_path / "c.duckdb"
    before = _trials(db)
    done = [t for t in before if t.state.name == "COMPLETE"]
    stale = [t for t in before if t.state.name == "RUNNING"]
    assert len(done) == cal.BATCH and len(stale) == cal.BATCH

    monkeypatch.setattr(search, "simulate_targets", real)
    assert quick(cli, tmp_path, "--trials", "8", "--workers", "1").exit_code == 0
    after = _trials(db)
    assert len(after) == 8 and all(t.state.name == "COMPLETE" for t in after)
    assert [t.params for t in after[: 2 * cal.BATCH]] == [t.params for t in before]
    assert [t.value for t in after[: cal.BATCH]] == [t.value for t in done]


@pytest.mark.parametrize("garbage", ["not json at all\n", '{"op_code": 0}\n{{{ broken\n{}\n'])
def test_a_corrupted_study_file_is_one_line(cli: Any, tmp_path: Path, garbage: str) -> None:
    db = tmp_path / "c.duckdb"
    study_file(db).write_text(garbage, encoding="utf-8")
    one_line_error(quick(cli, tmp_path, "--trials", "2", "--workers", "1"), "study file", "--db")


def test_bad_budget_is_one_line(cli: Any, tmp_path: Path) -> None:
    one_line_error(quick(cli, tmp_path, "--trials", "0"), "--trials")
    one_line_error(quick(cli, tmp_path, "--facts", "-1"), "--facts")


def _screened(trial: int, loss: float, passed: int, error: str | None = None) -> Any:
    return ScreenedCandidate(trial, loss, {}, passed, 10, [], {}, error)


def test_the_facts_ship_the_best_fit_that_passes_them_all_or_else_the_most() -> None:
    by_fit = [_screened(7, 0.1, 9), _screened(3, 0.2, 10), _screened(5, 0.3, 10)]
    assert best_by_facts(by_fit).trial == 3
    by_fit = [_screened(7, 0.1, 8), _screened(3, 0.2, 9), _screened(5, 0.3, 9)]
    assert best_by_facts(by_fit).trial == 3  # the most facts, then the better fit
    by_fit = [_screened(7, 0.1, 0, "ValueError: boom"), _screened(3, 0.2, 2)]
    assert best_by_facts(by_fit).trial == 3


# ------------------------------------------------------------------------------ the loss


def _target(**kw: Any) -> Target:
    base = {
        "indicator": "output",
        "statistic": "cagr",
        "city": "Shanghai",
        "start": "2020-01",
        "end": "2025-12",
        "observed": 0.2,
        "tolerance": 0.02,
    }
    return Target(**{**base, **kw})


def test_within_target_loss_is_squared_standardised_error_of_the_mean() -> None:
    t = {"A": _target()}
    [row] = fit_targets(t, [{"A": [0.21, None, True]}, {"A": [0.23, None, False]}])
    assert row.simulated_mean == pytest.approx(0.22)
    assert row.loss == pytest.approx(1.0)  # one tolerance off
    assert row.within and row.seeds_within == 0.5
    assert row.simulated_sd == pytest.approx(math.sqrt(2) * 0.01)


def test_direction_targets_are_hinges() -> None:
    t = {
        "F": _target(statistic="change", observed=0.0, tolerance=1.0, comparison="falls"),
        "M": _target(statistic="recovery_months", observed=18, tolerance=1, comparison="at_most"),
        "C": _target(statistic="city_ratio", other_city="Beijing", observed=1.0, tolerance=0.05,
                     comparison="crosses"),
    }  # fmt: skip
    good = {"F": [-0.1, 0.3, True], "M": [12.0, None, True], "C": [1.2, 0.8, True]}
    rows = fit_targets(t, [good, good])
    assert total_loss(rows) == 0 and all(r.within for r in rows)
    bad = {"F": [0.5, 0.3, False], "M": [None, None, False], "C": [0.9, 0.8, False]}
    rows = {r.target: r for r in fit_targets(t, [good, bad])}
    assert rows["F"].loss == pytest.approx(0.5 * 0.5**2 + 0.5 * cal.DIRECTION_FAIL_PENALTY)
    window = 72  # no recovery inside 2020-01..2025-12 counts as one month past the window
    assert rows["M"].simulated_mean == pytest.approx((12 + window + 1) / 2)
    assert rows["M"].loss == pytest.approx(0.5 * (window + 1 - 18) ** 2 + 2.0)
    assert rows["C"].loss == pytest.approx(0.5 * (0.1 / 0.05) ** 2 + 2.0)


def test_a_target_missing_on_some_seeds_is_penalised() -> None:
    t = {"A": _target()}
    [row] = fit_targets(t, [{"A": [0.2, None, True]}, {"A": [None, None, False]}])
    assert row.loss == pytest.approx(0.5 * cal.MISSING_PENALTY)
    [row] = fit_targets(t, [{"A": [None, None, False]}])
    assert row.loss == cal.MISSING_PENALTY and not row.within


# ------------------------------------------------------------------------------ identifiability


def test_identifiability_tells_a_pinned_parameter_from_a_loose_one() -> None:
    free = [
        FreeParameter("a", 0.0, 1.0, False, False, 0.5),
        FreeParameter("b", 0.01, 1.0, False, True, 0.1),
        FreeParameter("c", 0.0, 1.0, False, False, 0.5),
    ]
    r = np.random.default_rng(0)
    evaluated = []
    for i in range(300):
        a, u, c = r.uniform(size=3)
        b = free[1].from_unit(u)
        # a is pinned near 0.3; b is loose; c is tied to a (only a + c is identified)
        loss = 400 * (a - 0.3) ** 2 + 400 * (a + c - 0.9) ** 2
        evaluated.append(Evaluated(i, {"a": a, "b": b, "c": c}, loss))
    best = min(evaluated, key=lambda e: e.loss).values
    params, corr = identifiability(free, evaluated, best)
    verdict = {p.parameter: p.verdict for p in params}
    assert verdict["a"] == "pinned" and verdict["b"] == "loose"
    assert corr.shape == (3, 3) and np.allclose(np.diag(corr), 1.0)
    by = {p.parameter: p for p in params}
    assert by["a"].profile_low <= 0.3 <= by["a"].profile_high


def test_identifiability_needs_enough_trials() -> None:
    free = [FreeParameter("a", 0.0, 1.0, False, False, 0.5)]
    evaluated = [Evaluated(i, {"a": i / 5}, float(i)) for i in range(5)]
    [p], corr = identifiability(free, evaluated, {"a": 0.0})
    assert p.verdict == "too few trials" and p.top_width is None
    assert np.isnan(corr).all()


def test_rerun_profiles_are_used_when_given() -> None:
    free = [FreeParameter("a", 0.0, 1.0, False, False, 0.5)]
    evaluated = [Evaluated(i, {"a": i / 30}, 1.0) for i in range(30)]  # flat: nothing learnt
    profile = [(v, 100 * (v - 0.5) ** 2) for v in np.linspace(0, 1, 9)]
    [p], _ = identifiability(free, evaluated, {"a": 0.5}, rerun_profiles={"a": profile})
    assert p.profile_width is not None and p.profile_width <= 0.5


def test_free_parameter_scales_round_trip() -> None:
    log = FreeParameter("x", 0.001, 0.1, False, True, 0.01)
    assert log.to_unit(0.01) == pytest.approx(0.5)
    assert log.from_unit(log.to_unit(0.037)) == pytest.approx(0.037)
    whole = FreeParameter("n", 6, 30, True, False, 18)
    assert whole.from_unit(0.51) == 18.0
    assert whole.distribution().step == 1


def test_study_name_ignores_free_start_values_but_not_fixed_parameters() -> None:
    world = load_scenario(scale=0.05, until="2025-12")
    free = cal.free_parameters(world)
    base = scenario_to_dict(world)
    seeds = [1, 2]
    h = spec_hash(base, free, seeds)
    moved = cal.with_values(base, {free[0].path: free[0].high})
    assert spec_hash(moved, free, seeds) == h
    shock = base["parameters"]["growth"]["shock_sd"]
    fixed = cal.with_values(base, {"parameters.growth.shock_sd": shock * 1.1 + 0.01})
    assert spec_hash(fixed, free, seeds) != h
    assert spec_hash(base, free, [1, 2, 3]) != h


# ------------------------------------------------------------------------------ the document


def test_replace_generated_keeps_text_outside_markers() -> None:
    text = "a\n<!-- BEGIN fit -->\nold\n<!-- END fit -->\nb\n"
    assert (
        replace_generated(text, "fit", "new") == "a\n<!-- BEGIN fit -->\nnew\n<!-- END fit -->\nb\n"
    )
    with pytest.raises(Exception, match="markers"):
        replace_generated("no markers", "fit", "x")


@pytest.mark.slow
def test_doc_generator_fills_every_section(two_trials: tuple[Any, Path], tmp_path: Path) -> None:
    res, db = two_trials
    assert res.exit_code == 0, res.output
    spec = importlib.util.spec_from_file_location(
        "gen_calibration", ROOT / "docs" / "gen_calibration.py"
    )
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    doc = tmp_path / "calibration.md"
    doc.write_text((ROOT / "docs" / "calibration.md").read_text(encoding="utf-8"), encoding="utf-8")
    code = gen.main(
        ["--db", str(db), "--doc", str(doc), "--seeds", "1", "--scale", "0.05",
         "--until", "2021-12", "--workers", "1"]
    )  # fmt: skip
    assert code == 0
    text = doc.read_text(encoding="utf-8")
    for name in ("free-parameters", "fixed-parameters", "provenance", "fit", "screen",
                 "identifiability", "correlations", "validation"):  # fmt: skip
        body = text.split(f"<!-- BEGIN {name} -->")[1].split(f"<!-- END {name} -->")[0]
        assert body.strip(), name
    assert "No calibration stored" not in text
    assert "parameters.growth.hiring_response" in text and "Axtell" in text


def test_place_in_range_names_a_value_at_the_edge_of_its_search_range() -> None:
    from helix.experiments.calibration.tables import place_in_range

    assert place_in_range(0.5, 0.0, 1.0, False) == "0.50"
    assert place_in_range(0.99, 0.0, 1.0, False) == "0.99 high edge"
    assert place_in_range(0.01, 0.0, 1.0, False) == "0.01 low edge"
    # On a log search scale, the middle is the geometric mean.
    assert place_in_range(0.01, 0.001, 0.1, True) == "0.50"
    assert place_in_range(0.0217, 0.02, 0.2, True).endswith("low edge")
