"""Batches of tasks on the experiments' backends: order, recovery from a lost worker, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helix.errors import ExperimentError
from helix.experiments.batch import InProcess, run_batch, run_tasks, task_backend
from helix.experiments.executors import LocalPool


def _square(x: int) -> int:
    return x * x


def _dies_once(task: tuple[str, int]) -> int:
    """Kill the worker process the first time task 1 runs (a marker file remembers)."""
    marker, x = task
    if x == 1 and not Path(marker).exists():
        Path(marker).touch()
        os._exit(3)
    return x * x


def _raises(x: int) -> int:
    raise ValueError(f"bad task {x}")


@pytest.mark.slow
def test_results_come_in_the_tasks_order_whatever_the_backend() -> None:
    tasks = list(range(7))
    ticks: list[int] = []
    with InProcess() as here:
        assert run_tasks(here, _square, tasks, lambda: ticks.append(1)) == [x * x for x in tasks]
    assert len(ticks) == len(tasks)
    with LocalPool(2) as pool:
        assert run_tasks(pool, _square, tasks) == [x * x for x in tasks]


@pytest.mark.slow
def test_a_lost_worker_is_replaced_and_its_task_retried(tmp_path: Path) -> None:
    marker = str(tmp_path / "died")
    with LocalPool(2) as pool:
        out = run_tasks(pool, _dies_once, [(marker, x) for x in range(4)])
        assert pool.generation == 1  # a new pool was started
    assert out == [0, 1, 4, 9]
    assert Path(marker).exists()


def test_an_error_of_the_task_itself_is_raised() -> None:
    with InProcess() as here, pytest.raises(ValueError, match="bad task 0"):
        run_tasks(here, _raises, [0])


def test_one_worker_runs_in_this_process_and_bad_counts_are_one_line() -> None:
    assert isinstance(task_backend(None, 1), InProcess)
    assert isinstance(task_backend(None, 4, tasks=1), InProcess)
    with pytest.raises(ExperimentError, match="at least 1"):
        task_backend(None, 0)


def _reports(x: int) -> dict[str, object]:
    """A task that returns its own error as data, as validation and ablation runs do."""
    return {"ok": x != 2, "error": f"seed {x} broke", "value": x}


def test_a_batch_counts_its_tasks_and_stops_on_the_first_failure_reported() -> None:
    seen: list[tuple[int, int]] = []
    ok = run_batch(
        _reports, [0, 1, 3], cluster=None, workers=1, progress=lambda *a: seen.append(a), what="a"
    )
    assert [r["value"] for r in ok] == [0, 1, 3] and seen == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(ExperimentError, match="a validation run failed: seed 2 broke"):
        run_batch(_reports, [1, 2, 4], cluster=None, workers=1, progress=None, what="a validation")
