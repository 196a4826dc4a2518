"""Batches of tasks on the experiments' backends: calibration candidates, validation seeds.

Calibration and validation run their simulations through the same backends as experiments
(:mod:`helix.experiments.executors`: local processes with one compute thread each, restarted
when one dies, or a Dask cluster), with the same recovery: a task whose worker is lost is
retried after the backend has recovered, and a lost cluster stops the job with one
:class:`~helix.errors.ExperimentError`. Calibration resumes from its optuna study; a batch is
collected in the tasks' order, so results do not depend on the backend or the workers.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from helix.errors import ExperimentError
from helix.experiments.executors import (
    MAX_ATTEMPTS,
    Backend,
    DaskCluster,
    LocalPool,
    available_cores,
)

POLL_INTERVAL_S = 0.5
T = TypeVar("T")
R = TypeVar("R")


# ------------------------------------------------------------------------- in this process


class InProcess:
    """Runs each task in this process as it is submitted (one worker: no pool to start)."""

    label = "this process"
    slots = 1
    generation = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        fut: cf.Future[Any] = cf.Future()
        try:
            fut.set_result(fn(*args))
        except Exception as exc:  # as a pool would: the error is the future's
            fut.set_exception(exc)
        return fut

    def recover(self, exc: BaseException, generation: int) -> None:
        raise exc

    def check(self) -> None:
        return None

    def close(self, *, cancel: bool = False) -> None:
        return None

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


def task_backend(
    cluster: str | None, workers: int | None, tasks: int | None = None
) -> InProcess | LocalPool | DaskCluster:
    """The backend for a batch of tasks: the Dask cluster at ``cluster`` if given, else
    ``workers`` local processes (all cores by default, at most one per task), or this process
    when that comes to one."""
    if cluster:
        return DaskCluster(cluster)
    if workers is not None and workers < 1:
        raise ExperimentError(f"must be at least 1, got {workers}", key="--workers")
    n = workers or available_cores()
    if tasks is not None:
        n = min(n, max(tasks, 1))
    return InProcess() if n <= 1 else LocalPool(n)


# ------------------------------------------------------------------------ a batch of tasks


def run_tasks(
    backend: Backend,
    fn: Callable[[T], R],
    tasks: Sequence[T],
    on_done: Callable[[], None] | None = None,
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[R]:
    """``[fn(task) for task in tasks]`` on the backend, in the tasks' order.

    At most two tasks per slot are in flight. A task whose worker is lost (a dead local
    process, a Dask worker gone) is retried after the backend has recovered, alone (nothing
    else in flight), since a broken pool takes every task in flight with it; a task lost
    ``max_attempts`` + 1 times, the last ones alone, kills its worker and stops the job with
    an :class:`~helix.errors.ExperimentError`, as does a lost cluster. ``fn`` should
    return its own errors as data: an exception it raises is re-raised here.
    """
    results: dict[int, R] = {}
    attempts = [0] * len(tasks)
    queue = deque(range(len(tasks)))
    in_flight: dict[cf.Future[Any], tuple[int, int]] = {}
    try:
        while queue or in_flight:
            while queue and len(in_flight) < 2 * backend.slots:
                suspect = attempts[queue[0]] > 0  # lost before: runs alone
                if suspect and in_flight:
                    break
                i = queue.popleft()
                attempts[i] += 1
                in_flight[backend.submit(fn, tasks[i])] = (i, backend.generation)
                if suspect:
                    break
            finished, _ = cf.wait(
                list(in_flight), timeout=POLL_INTERVAL_S, return_when=cf.FIRST_COMPLETED
            )
            for fut in finished:
                i, generation = in_flight.pop(fut)
                try:
                    results[i] = fut.result()
                except Exception as exc:
                    if not _lost_worker(exc):
                        raise
                    backend.recover(exc, generation)  # raises if the backend is gone
                    if attempts[i] > max_attempts:
                        raise ExperimentError(
                            f"task {i} lost its worker {attempts[i]} times ({exc!r})"
                        ) from exc
                    queue.appendleft(i)
                    continue
                if on_done is not None:
                    on_done()
            backend.check()
    finally:
        for fut in in_flight:
            fut.cancel()
    return [results[i] for i in range(len(tasks))]


def _lost_worker(exc: BaseException) -> bool:
    """Whether a future's exception says its worker died, not that the task raised."""
    if isinstance(exc, BrokenProcessPool | cf.CancelledError):
        return True
    name = exc.__class__.__name__
    return name in {"KilledWorker", "CommClosedError", "FutureCancelledError"}


def run_batch(
    fn: Callable[[T], dict[str, Any]],
    tasks: Sequence[T],
    *,
    cluster: str | None,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    what: str,
) -> list[dict[str, Any]]:
    """``[fn(task) for task in tasks]`` on the backend :func:`task_backend` chooses, counting
    ``(done, planned)`` into ``progress``; ``fn`` returns ``{"ok": ..., "error": ...}`` with its
    result, and the first task that failed stops the batch with one
    :class:`~helix.errors.ExperimentError` ("a validation run failed: ...")."""
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(tasks))

    with task_backend(cluster, workers, len(tasks)) as backend:
        results = run_tasks(backend, fn, tasks, tick)
    errors = [r["error"] for r in results if not r["ok"]]
    if errors:
        raise ExperimentError(f"{what} run failed: {errors[0]}")
    return results
