"""Experiments on a real Dask cluster: a scheduler and two workers on 127.0.0.1, started and
stopped here by PID.

The same experiment runs locally and on the cluster and must give bit-identical results, also
when a worker is killed mid-experiment; a scheduler that dies stops the coordinator with one
line, and the experiment then resumes anywhere (here: locally).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")

from dask_cluster import Cluster, start_cluster, stop
from experiment_results import fingerprints, summary_rows

from helix.errors import ExperimentError
from helix.experiments.design import load_experiment
from helix.experiments.executors import DaskCluster, LocalPool
from helix.experiments.runner import ExperimentProgress, run_experiment
from helix.store import Store

ROOT = Path(__file__).resolve().parents[1]
NO_TAX = ROOT / "examples" / "no-tax-break.toml"
TINY: dict[str, Any] = {"until": "2022-12", "scale": 0.03}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = start_cluster(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield c
    finally:
        stop([*c.workers, c.scheduler])


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """The experiment every test here runs, done once on two local processes."""
    exp = load_experiment(NO_TAX, replicates=5, **TINY)
    db = tmp_path_factory.mktemp("local") / "local.duckdb"
    with Store(db) as store, LocalPool(2) as pool:
        report = run_experiment(exp, store, pool)
    assert report.done == exp.total == 10
    return exp, db


@pytest.mark.slow
def test_the_cluster_gives_the_local_results_bit_for_bit(
    cluster: Cluster, local_reference: tuple[Any, Path], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    exp, local_db = local_reference
    db = tmp_path / "dask.duckdb"
    result = cli(
        "experiment", NO_TAX, "--cluster", cluster.address, "--db", db, "--json",
        "--replicates", "5", "--until", "2022-12", "--scale", "0.03",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["experiment_id"] == exp.experiment_id
    assert (report["done"], report["failed"], report["pending"]) == (exp.total, 0, 0)
    assert report["backend"] == f"Dask cluster {cluster.address}"
    assert fingerprints(db, exp.experiment_id) == fingerprints(local_db, exp.experiment_id)
    assert summary_rows(db, exp.experiment_id) == summary_rows(local_db, exp.experiment_id)


@pytest.mark.slow
def test_a_worker_killed_mid_experiment_loses_nothing(
    cluster: Cluster, local_reference: tuple[Any, Path], tmp_path: Path
) -> None:
    exp, local_db = local_reference
    victim = cluster.workers[0]
    killed_at: list[int] = []

    def kill_a_worker(p: ExperimentProgress) -> None:
        if not killed_at and p.done >= 2:
            os.kill(victim.pid, signal.SIGKILL)
            killed_at.append(p.done)

    db = tmp_path / "killed.duckdb"
    with Store(db) as store, DaskCluster(cluster.address) as backend:
        report = run_experiment(exp, store, backend, kill_a_worker)
    victim.wait(timeout=10)
    assert killed_at and killed_at[0] < exp.total
    assert (report.done, report.failed, report.pending) == (exp.total, 0, 0)
    assert fingerprints(db, exp.experiment_id) == fingerprints(local_db, exp.experiment_id)


@pytest.mark.slow
def test_a_dead_scheduler_stops_the_coordinator_and_the_experiment_resumes_locally(
    tmp_path: Path, local_reference: tuple[Any, Path]
) -> None:
    exp, local_db = local_reference
    doomed = start_cluster(tmp_path, workers=1)
    db = tmp_path / "doomed.duckdb"
    stopped_at: list[float] = []

    def kill_the_scheduler(p: ExperimentProgress) -> None:
        if not stopped_at and p.done >= 2:
            os.kill(doomed.scheduler.pid, signal.SIGKILL)
            stopped_at.append(time.monotonic())

    try:
        with (
            Store(db) as store,
            DaskCluster(doomed.address, timeout=3) as backend,
            pytest.raises(ExperimentError) as info,
        ):
            run_experiment(exp, store, backend, kill_the_scheduler)
        assert time.monotonic() - stopped_at[0] < 20
        assert doomed.address in info.value.line()
        assert "rerun" in info.value.line()
    finally:
        stop([*doomed.workers, doomed.scheduler])
    with Store(db) as store, LocalPool(1) as pool:
        report = run_experiment(exp, store, pool)
    assert report.skipped >= 2 and report.skipped + report.ran == exp.total
    assert (report.done, report.failed) == (exp.total, 0)
    assert fingerprints(db, exp.experiment_id) == fingerprints(local_db, exp.experiment_id)
