"""What a worker does with one run: simulate it and send the result back to the coordinator.

Workers never touch the store. A run that raises comes back as an error string, so the
coordinator can tell a failing run (retried once, then recorded as failed) from a lost worker
or cluster (an exception of the executor's future).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from helix.experiments.spec import Outcome
from helix.experiments.summary import run_outcomes
from helix.scenario.schema import Scenario
from helix.world.simulation import RunResult, simulate

# One thread per process: processes x threads stays within the cores. numba needs no limit:
# helix's kernels are not parallel, so numba never starts its thread pool (and setting
# NUMBA_NUM_THREADS or calling numba.set_num_threads in a process would start it, or break the
# next compilation once it has started).
THREAD_LIMITS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_limited = False


def limit_threads() -> None:
    """Keep this process to one compute thread (OpenMP, BLAS); idempotent."""
    global _limited
    if _limited:
        return
    os.environ.update(THREAD_LIMITS)
    _limited = True


@dataclass(frozen=True)
class RunTask:
    """One run to do: its id, scenario, whether to keep firm microdata, what to measure."""

    run_id: str
    scenario: Scenario
    keep_firms: bool
    attempt: int = 1
    outcomes: dict[str, Outcome] = field(default_factory=dict)


@dataclass
class RunReturn:
    """What comes back: the result and its outcomes, or the error the run raised."""

    run_id: str
    started: datetime
    seconds: float
    result: RunResult | None
    error: str | None = None
    host: str = ""
    outcomes: dict[str, float] = field(default_factory=dict)


def run_task(task: RunTask) -> RunReturn:
    """Simulate one run; an exception of the model comes back as ``error``."""
    limit_threads()
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = time.perf_counter()
    host = f"{os.uname().nodename}:{os.getpid()}"
    try:
        result = simulate(task.scenario, keep_firms=task.keep_firms)
        outcomes = run_outcomes(result.observations, task.outcomes, task.scenario.scale)
    except Exception as exc:  # a model error is data for the coordinator, not a crash
        return RunReturn(
            task.run_id,
            started,
            time.perf_counter() - clock,
            None,
            f"{exc.__class__.__name__}: {exc}",
            host,
        )
    return RunReturn(
        task.run_id, started, time.perf_counter() - clock, result, None, host, outcomes
    )
