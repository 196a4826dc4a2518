"""Experiments: the design file, seeds by position, local runs, retries, resume, examples.

Every run is a tiny world (scale 0.03, 2020-01..2022-12: a tenth of a second), so the tests
check structure, counts and determinism, never the model's values. The Dask cluster has its
own module (``test_experiments_dask.py``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from conftest import assert_one_line_error
from experiment_results import fingerprints, summary_rows

import helix.experiments.runner as runner_module
from helix.experiments.design import load_experiment
from helix.experiments.executors import ExecutorBackend, LocalPool
from helix.experiments.runner import run_experiment, status_file
from helix.experiments.spec import Sweep
from helix.experiments.sweeps import SweptParameter, draw_samples, position_seed
from helix.experiments.worker import RunReturn, RunTask, run_task
from helix.scenario.load import load_scenario
from helix.store import Store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
NO_TAX = ROOT / "examples" / "no-tax-break.toml"
HELIX = Path(sys.executable).parent / "helix"
TINY: dict[str, Any] = {"until": "2022-12", "scale": 0.03}
TINY_FLAGS = ("--until", "2022-12", "--scale", "0.03")


@pytest.fixture(scope="module")
def pool() -> Iterator[LocalPool]:
    """Two local worker processes shared by the module's runs."""
    with LocalPool(2) as p:
        yield p


def files_in(folder: Path, *inputs: Path) -> list[Path]:
    """Every file under ``folder`` but the test's own inputs (the CLI fixture works in a
    ``cwd`` folder beside them)."""
    return [p for p in folder.rglob("*") if p.is_file() and p not in inputs]


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------- design


def test_seeds_come_from_the_run_position_and_variants_share_them() -> None:
    exp = load_experiment(NO_TAX, replicates=3, **TINY)
    runs = list(exp.runs())
    assert exp.total == len(runs) == 6
    assert len({r.run_id for r in runs}) == 6
    for r in runs:
        assert r.seed == position_seed([exp.seed, r.replicate, r.sweep_point])
        assert 0 <= r.seed < 2**63
    by_variant = {v: [r.seed for r in runs if r.variant == v] for v in exp.variants}
    assert by_variant["baseline"] == by_variant["no-tax-break"]  # common random numbers
    assert len(set(by_variant["baseline"])) == 3
    again = load_experiment(NO_TAX, replicates=3, **TINY)
    assert [r.run_id for r in again.runs()] == [r.run_id for r in runs]


def test_independent_seeds_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path, "common_random_numbers = false\n" + NO_TAX.read_text())
    exp = load_experiment(path, replicates=2, **TINY)
    seeds = {v: [r.seed for r in exp.runs() if r.variant == v] for v in exp.variants}
    assert seeds["baseline"] != seeds["no-tax-break"]


def test_identity_follows_what_decides_the_runs(tmp_path: Path) -> None:
    base = load_experiment(NO_TAX, replicates=2, **TINY)
    assert load_experiment(NO_TAX, replicates=3, **TINY).experiment_id != base.experiment_id
    assert load_experiment(NO_TAX, replicates=2, until="2021-12").experiment_id != (
        base.experiment_id
    )
    # Outcomes, names and descriptions only change the summary, not the runs.
    edited = NO_TAX.read_text().replace('statistic = "final_year"', 'statistic = "mean"')
    edited = edited.replace('description = "The Digital', 'description = "Edited: the Digital')
    assert load_experiment(write(tmp_path, edited), replicates=2, **TINY).experiment_id == (
        base.experiment_id
    )


def test_variants_change_the_scenario_as_written() -> None:
    levers = load_experiment(ROOT / "examples" / "policy-levers.toml", replicates=1)
    specs = {r.variant: r for r in levers.runs()}
    base = levers.scenario(specs["baseline"])
    assert "fast-rail" not in base.policies
    rail = levers.scenario(specs["fast-rail"]).policies["fast-rail"]
    assert (rail.kind, rail.value, rail.start, len(rail.cities)) == ("rail", 0.5, "2026-01", 9)
    no_tax = levers.scenario(specs["no-tax-break"])
    assert no_tax.policies["digital-leap-rd-tax-break"].end == "2025-12"
    withdrawn = levers.scenario(specs["support-withdrawn"]).policies["support-withdrawn"]
    assert withdrawn.kind == "support_withdrawal"
    assert levers.scenario(specs["rent-cap"]).policies["rent-cap"].kind == "rent_cap"
    # A short run drops what starts after its end, as `helix run --until` does.
    short = load_experiment(ROOT / "examples" / "policy-levers.toml", replicates=1, **TINY)
    spec = next(r for r in short.runs() if r.variant == "fast-rail")
    assert "fast-rail" not in short.scenario(spec).policies
    assert short.scenario(spec).end == "2022-12"


@pytest.mark.parametrize(
    ("design", "samples", "points"),
    [("grid", 3, 9), ("latin", 5, 5), ("sobol", 4, 16), ("morris", 2, 6)],
)
def test_sweep_designs_have_their_sizes(design: str, samples: int, points: int) -> None:
    params = [
        SweptParameter("a", "uncertainty", "parameters.rents.depreciation", 0.0, 0.1, False),
        SweptParameter("b", "lever", "parameters.exits.loss_months", 6, 30, True),
    ]
    x = draw_samples(params, Sweep(design=design, samples=samples), seed=7, file="f")  # type: ignore[arg-type]
    assert x.shape == (points, 2)
    assert ((x[:, 0] >= 0.0) & (x[:, 0] <= 0.1)).all()
    assert ((x[:, 1] >= 6) & (x[:, 1] <= 30)).all()
    y = draw_samples(params, Sweep(design=design, samples=samples), seed=7, file="f")  # type: ignore[arg-type]
    assert np.array_equal(x, y)


# ------------------------------------------------------------------------------- bad input

BAD_INPUT = {
    "unknown-variant-key": (
        '[variants.typo]\nset = { "parameters.knowledge.no_such_thing" = 1.0 }\n',
        ("variants.typo.set.parameters.knowledge.no_such_thing", "unknown key"),
    ),
    "unknown-variant-table-key": (
        "[variants.typo.scenario.parameters.rents]\nno_such_thing = 1.0\n",
        ("variants.typo", "parameters.rents.no_such_thing", "unknown key"),
    ),
    "sweep-out-of-bounds": (
        '[sweep]\ndesign = "latin"\nsamples = 4\n'
        '[uncertainties.decay]\nkey = "parameters.knowledge.decay_per_minute"\n'
        "low = 0.001\nhigh = 0.5\n",
        ("uncertainties.decay.high", "outside the bounds"),
    ),
    "sweep-unknown-key": (
        '[sweep]\ndesign = "latin"\n[levers.x]\nkey = "parameters.rents.nope"\nlow = 0\nhigh = 1\n',
        ("levers.x.key", "unknown key"),
    ),
    "sobol-not-power-of-two": (
        '[sweep]\ndesign = "sobol"\nsamples = 100\n'
        '[uncertainties.decay]\nkey = "parameters.knowledge.decay_per_minute"\n'
        "low = 0.001\nhigh = 0.004\n",
        ("sweep.samples", "power of two"),
    ),
    "unknown-outcome": (
        '[outcomes.joy]\nindicator = "happiness"\ncity = "Shanghai"\n',
        ("outcomes.joy.indicator", "unknown indicator 'happiness'"),
    ),
    "unknown-outcome-city": (
        '[outcomes.x]\nindicator = "output"\ncity = "Atlantis"\n',
        ("outcomes.x.city", "unknown city"),
    ),
    "unknown-top-level-key": ("replicas = 3\n", ("replicas", "unknown key")),
    "unknown-keep-word": ('keep = "everything"\n', ("keep", "'everything'", '"outcomes", "all"')),
    "keep-one-indicator-as-a-word": ('keep = "deals"\n', ("keep", 'keep = ["deals"]')),
    "keep-unknown-indicator": ('keep = ["outptu"]\n', ("keep", "did you mean 'output'")),
    "city-ratio-without-other-city": (
        '[outcomes.t3]\nindicator = "vc_invested"\ncity = "Shanghai"\nstatistic = "city_ratio"\n',
        ("outcomes.t3.other_city", "city_ratio needs city"),
    ),
    "other-city-without-city-ratio": (
        '[outcomes.x]\nindicator = "output"\ncity = "Shanghai"\nother_city = "Beijing"\n',
        ("outcomes.x.other_city", "only by statistic"),
    ),
    "city-ratio-unknown-other-city": (
        '[outcomes.t3]\nindicator = "vc_invested"\ncity = "Shanghai"\nother_city = "Pekin"\n'
        'statistic = "city_ratio"\n',
        ("outcomes.t3.other_city", "unknown other_city 'Pekin'"),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    case: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    body, parts = BAD_INPUT[case]
    path = write(tmp_path, 'name = "bad"\nreplicates = 1\n' + body)
    db = tmp_path / "out.duckdb"
    result = cli("experiment", path, "--db", db, "--workers", "1", *TINY_FLAGS)
    assert_one_line_error(result, str(path), *parts)
    assert files_in(tmp_path, path) == []


def test_missing_file_is_one_line(tmp_path: Path, cli: Callable[..., Any]) -> None:
    result = cli("experiment", tmp_path / "nope.toml", "--db", tmp_path / "x.duckdb")
    assert_one_line_error(result, "nope.toml", "file not found")
    assert files_in(tmp_path) == []


@pytest.mark.slow
def test_a_cluster_that_does_not_answer_is_named_within_seconds(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    clock = time.monotonic()
    result = cli("experiment", NO_TAX, "--cluster", address, "--db", tmp_path / "x.duckdb")
    assert time.monotonic() - clock < 20
    assert_one_line_error(result, "--cluster", address)
    assert files_in(tmp_path) == []


def test_status_of_a_fresh_experiment_is_all_pending(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    db = tmp_path / "other.duckdb"
    with Store(db):
        pass  # a store that holds none of this experiment's runs
    result = cli("experiment", "status", NO_TAX, "--db", db, "--json", "--replicates", "4")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "total": 8,
        "done": 0,
        "failed": 0,
        "pending": 8,
        "running": False,
    }


# ------------------------------------------------------------------------- runs and retries


@pytest.mark.slow
def test_local_results_are_identical_with_one_or_two_workers(tmp_path: Path) -> None:
    exp = load_experiment(NO_TAX, replicates=3, **TINY)
    dbs = []
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.duckdb"
        with Store(db) as store, LocalPool(workers) as pool:
            report = run_experiment(exp, store, pool)
        assert (report.done, report.failed, report.pending, report.ran) == (6, 0, 0, 6)
        dbs.append(db)
    a, b = (fingerprints(db, exp.experiment_id) for db in dbs)
    assert len(a) == 6 and a == b
    assert summary_rows(dbs[0], exp.experiment_id) == summary_rows(dbs[1], exp.experiment_id)


@pytest.mark.slow
def test_a_run_that_raises_is_retried_once_then_marked_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = load_experiment(NO_TAX, replicates=2, **TINY)
    runs = list(exp.runs())
    flaky, broken = runs[1].run_id, runs[2].run_id
    calls: Counter[str] = Counter()

    def sometimes_failing(task: RunTask) -> RunReturn:
        calls[task.run_id] += 1
        if task.run_id == flaky and task.attempt == 1:
            raise ConnectionError("worker vanished")  # the future raises: a lost worker
        if task.run_id == broken:
            return RunReturn(task.run_id, runner_module.now(), 0.0, None, "ValueError: boom")
        return run_task(task)

    monkeypatch.setattr(runner_module, "run_task", sometimes_failing)
    db = tmp_path / "r.duckdb"
    with Store(db) as store, ExecutorBackend(ThreadPoolExecutor(2), 2) as backend:
        report = run_experiment(exp, store, backend)
        errors = store.con.execute(
            "SELECT run_id, error FROM runs WHERE status = 'failed'"
        ).fetchall()
    assert (report.done, report.failed, report.pending) == (3, 1, 0)
    assert calls[flaky] == 2 and calls[broken] == 2
    assert errors == [(broken, "ValueError: boom")]
    assert any("1 run(s) failed" in n for n in report.summary.notes)
    assert {r.failed for r in report.summary.rows if r.variant == runs[2].variant} == {1}

    # Rerunning redoes the failed run only.
    monkeypatch.setattr(runner_module, "run_task", run_task)
    with Store(db) as store, ExecutorBackend(ThreadPoolExecutor(2), 2) as backend:
        again = run_experiment(exp, store, backend)
    assert (again.done, again.failed, again.skipped, again.ran) == (4, 0, 3, 1)


def test_run_task_reports_an_exception_instead_of_raising() -> None:
    ret = run_task(RunTask("x", None, False))  # type: ignore[arg-type]
    assert ret.result is None and ret.error is not None and ret.error.startswith("AttributeError")


class _KillsItsWorker:
    """Unpickling this in a worker process ends that process (a crash mid-experiment)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os._exit, (3,))


@pytest.mark.slow
def test_a_dead_local_worker_is_replaced_and_its_runs_redone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = load_experiment(NO_TAX, replicates=3, **TINY)
    victim = list(exp.runs())[2]
    real = type(exp).scenario
    tries: Counter[str] = Counter()

    def scenario(self: Any, spec: Any) -> Any:
        tries[spec.run_id] += 1
        if spec.run_id == victim.run_id and tries[spec.run_id] == 1:
            return _KillsItsWorker()
        return real(self, spec)

    monkeypatch.setattr(type(exp), "scenario", scenario)
    with Store(tmp_path / "k.duckdb") as store, LocalPool(2) as pool:
        report = run_experiment(exp, store, pool)
        generation = pool.generation
    assert (report.done, report.failed, report.pending) == (6, 0, 0)
    assert generation == 1  # one broken pool, replaced once
    assert tries[victim.run_id] == 2


# -------------------------------------------------------------------- kill -9, then resume


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _start_coordinator(db: Path, extra: tuple[str, ...]) -> subprocess.Popen[bytes]:
    """``helix experiment`` in its own process group, with Ctrl-C handled as in a terminal."""
    cmd = [str(HELIX), "experiment", str(NO_TAX), "--db", str(db), "--workers", "2", "--json"]
    return subprocess.Popen(
        [*cmd, *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_done(proc: subprocess.Popen[bytes], live: Path, at_least: int) -> None:
    """Wait until the coordinator's live status file reports ``at_least`` runs done."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if json.loads(live.read_text())["done"] >= at_least:
                return
        except (OSError, ValueError, KeyError):
            pass
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    pytest.fail("the experiment did not get going")


@pytest.mark.slow
def test_ctrl_c_then_kill_9_then_resume_loses_nothing_and_repeats_nothing(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    flags = (*TINY_FLAGS, "--replicates", "12")
    exp = load_experiment(NO_TAX, replicates=12, **TINY)
    db = tmp_path / "kill.duckdb"
    live = status_file(db, exp.experiment_id)

    def status() -> dict[str, int]:
        result = cli("experiment", "status", NO_TAX, "--db", db, "--json", *flags)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    # Ctrl-C: the runs written so far stay; one line, exit 130.
    proc = _start_coordinator(db, flags)
    try:
        _wait_for_done(proc, live, 2)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err.decode()
    # Before it: the warning that this short run ends before the variant changes anything.
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("helix: interrupted:") and b"Traceback" not in err
    first = status()
    assert first["done"] >= 2 and first["failed"] == 0 and not live.exists()

    # kill -9 of the coordinator: its workers exit too; the finished runs stay.
    proc = _start_coordinator(db, flags)
    workers: list[int] = []
    try:
        _wait_for_done(proc, live, first["done"] + 2)
        during = status()  # DuckDB keeps the database locked: status reads the live file
        assert during["total"] == exp.total and during["done"] >= first["done"] + 2
        assert during["running"] is True and during["pid"] == proc.pid
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert workers and not any(_alive(w) for w in workers)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    before = status()  # the dead coordinator's status file is left, and not believed
    assert live.exists() and before["running"] is False
    assert first["done"] + 2 <= before["done"] < exp.total == before["total"] == 24
    assert before["failed"] == 0 and before["pending"] == exp.total - before["done"]

    resumed = cli("experiment", NO_TAX, "--db", db, "--json", "--workers", "2", *flags)
    assert resumed.exit_code == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["skipped"] == before["done"]
    assert report["ran"] == exp.total - before["done"]
    assert (report["done"], report["failed"], report["pending"]) == (exp.total, 0, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            "SELECT count(*), count(DISTINCT run_id) FROM runs WHERE experiment_id = ?",
            [exp.experiment_id],
        ).fetchone()
        per_run = con.execute("SELECT DISTINCT count(*) FROM indicators GROUP BY run_id").fetchall()
    assert runs == (exp.total, exp.total)
    assert len(per_run) == 1  # every run complete, none half-written
    assert not live.exists()
    assert status() == {
        "total": exp.total,
        "done": exp.total,
        "failed": 0,
        "pending": 0,
        "running": False,
    }


# ---------------------------------------------------------------------------- the examples


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_each_example_runs_to_completion(path: Path, tmp_path: Path, pool: LocalPool) -> None:
    decade = path.stem in ("can-the-boom-end", "can-this-last")
    sweeping = "sobol" in path.stem or decade
    samples = 2 if sweeping else None
    # Their outcomes are 2025-35 growth: those examples run to their own end, at two points.
    span = {"scale": TINY["scale"]} if decade else TINY
    exp = load_experiment(path, replicates=1, samples=samples, **span)
    db = tmp_path / "ex.duckdb"
    with Store(db) as store:
        report = run_experiment(exp, store, pool)
        micro = dict(
            store.con.execute(
                "SELECT r.variant, count(s.run_id) FROM runs r"
                " LEFT JOIN firm_snapshots s ON s.run_id = r.run_id GROUP BY r.variant"
            ).fetchall()
        )
        stored = store.con.execute(
            "SELECT count(*) FROM experiment_summaries WHERE experiment_id = ?",
            [exp.experiment_id],
        ).fetchone()
    assert (report.done, report.failed, report.pending) == (exp.total, 0, 0)
    assert stored is not None and stored[0] == len(report.summary.rows) > 0
    rows = report.summary.rows
    for outcome in exp.outcomes:
        for variant in exp.variants:
            mean = [
                r for r in rows if (r.variant, r.outcome, r.statistic) == (variant, outcome, "mean")
            ]
            assert len(mean) == 1 and mean[0].n == exp.points
        diffs = {r.variant for r in rows if r.outcome == outcome and r.statistic == "difference"}
        assert diffs == set(exp.variants) - {exp.baseline}
    for variant in exp.variants:
        assert (micro[variant] > 0) == exp.keeps_microdata(variant)
    if exp.parameters:
        assert not any(exp.keeps_microdata(v) for v in exp.variants)  # off for sweeps
    if exp.parameters and exp.spec.sweep is not None and exp.spec.sweep.design != "latin":
        # Sensitivity indices come from Sobol' and Morris designs (a Latin sweep has none).
        for outcome in exp.outcomes:
            indices = {
                (r.statistic, r.parameter) for r in rows if r.outcome == outcome and r.parameter
            }
            noted = any(outcome in n for n in report.summary.notes)
            expected = {(s, p.name) for s in ("S1", "ST") for p in exp.parameters}
            assert indices == expected or (not indices and noted)


@pytest.mark.slow
def test_a_morris_sweep_over_a_lever_gives_elementary_effects(
    tmp_path: Path, pool: LocalPool
) -> None:
    path = write(
        tmp_path,
        'name = "morris"\nreplicates = 1\n[sweep]\ndesign = "morris"\nsamples = 2\n'
        '[levers.tax_break]\nkey = "policies.digital-leap-rd-tax-break.value"\nlow = 0.0\nhigh = 1.0\n'
        '[uncertainties.entrants]\nkey = "parameters.founding.founders_per_engineer"\n'
        "low = 0.0002\nhigh = 0.001\n"
        '[outcomes.firms]\nindicator = "firms"\ncity = "Shanghai"\nstatistic = "final"\n',
    )
    exp = load_experiment(path, **TINY)
    assert exp.total == 6
    with Store(tmp_path / "m.duckdb") as store:
        report = run_experiment(exp, store, pool)
        points = store.con.execute(
            "SELECT count(DISTINCT sweep_point), count(*) FROM experiment_points"
        ).fetchone()
        view = store.con.execute('SELECT DISTINCT "index" FROM experiment_sensitivity').fetchall()
    assert report.done == 6 and points == (6, 12)
    stats = {(r.statistic, r.parameter) for r in report.summary.rows if r.parameter}
    assert stats == {(s, p) for s in ("mu_star", "mu", "sigma") for p in ("tax_break", "entrants")}
    assert {v[0] for v in view} == {"mu_star", "mu", "sigma"}


def test_the_readme_example_is_a_valid_experiment(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Experiments", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    exp = load_experiment(write(tmp_path, block), replicates=1)
    assert list(exp.variants) == ["baseline", "no-tax-break", "fast-rail"]
    assert exp.experiment_id == load_experiment(write(tmp_path, block), replicates=1).experiment_id


def test_the_sobol_example_varies_the_calibrated_parameters_over_their_bounds() -> None:
    """examples/sobol-main-parameters.toml says it uses the [calibration] table's own bounds."""
    free = load_scenario().calibration
    exp = load_experiment(ROOT / "examples" / "sobol-main-parameters.toml")
    swept = {u.key: (u.low, u.high) for u in exp.spec.uncertainties.values()}
    assert swept == {path: (b.low, b.high) for path, b in free.items()}
