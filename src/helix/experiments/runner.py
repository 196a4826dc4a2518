"""The coordinator: submits runs to a backend, collects them and writes them to the store.

Only the coordinator writes. Each run is written in one transaction as soon as it comes back,
so killing the coordinator (Ctrl-C, ``kill -9``) loses only the runs in flight; rerunning the
same experiment skips the runs already done (their ids come from their position in the
design) and redoes the rest, including runs that failed before. A run that raises is retried
once, then recorded as failed with its error. A lost local worker breaks the pool: a new pool
is started and the runs it held are redone; a run lost with its worker has not failed (the
other runs of a broken pool are healthy), so a loss does not count against its tries. A run
once lost is redone alone, nothing else in flight, so that a further loss is its own; a run
lost :data:`MAX_LOSSES` times (the last ones alone: it kills its worker) is recorded as failed.
A lost Dask scheduler stops the experiment with an :class:`~helix.errors.ExperimentError`;
rerun it to resume.

While it runs, the coordinator keeps a small JSON status file beside the database (DuckDB
lets no other process open a database that is being written), which
``helix experiment status`` reads; it is removed when the coordinator exits.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from helix.errors import ExperimentError, StoreError
from helix.experiments.design import Experiment, RunSpec
from helix.experiments.executors import MAX_ATTEMPTS, MAX_LOSSES, Backend
from helix.experiments.keep import Kept, kept_by
from helix.experiments.summary import Summary, store_summary, summarise
from helix.experiments.worker import RunReturn, RunTask, run_task
from helix.scenario.load import scenario_to_dict
from helix.store.experiments import (
    OutcomeValue,
    PointValue,
    has_runs,
    kept_by_run,
    register_experiment,
    run_statuses,
    write_run_outcomes,
)
from helix.store.runs import Store, now

STATUS_INTERVAL_S = 0.5


@dataclass
class ExperimentProgress:
    """Where an experiment stands; handed to the progress callback after every change."""

    total: int
    done: int
    failed: int
    running: int
    skipped: int  # done before this session started
    ran: int  # finished in this session (done or failed)
    elapsed: float  # seconds since this session started

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed

    def status(self) -> dict[str, int]:
        return {
            "total": self.total,
            "done": self.done,
            "failed": self.failed,
            "pending": self.pending,
        }


ProgressCallback = Callable[[ExperimentProgress], None]


@dataclass
class ExperimentReport:
    """What a session of an experiment did, and the experiment's summary."""

    experiment_id: str
    name: str
    backend: str
    total: int
    done: int
    failed: int
    pending: int
    skipped: int
    ran: int
    seconds: float
    summary: Summary
    redone: int = 0  # runs done before without an indicator the file keeps now: run again

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["summary"] = self.summary.to_json()
        out["runs_per_minute"] = round(self.runs_per_minute, 2)
        out["seconds"] = round(self.seconds, 3)
        return out


# --------------------------------------------------------------------------- the store side


def register(store: Store, exp: Experiment) -> None:
    """Record the experiment (its file and resolved content) and its sweep points."""
    points = [
        PointValue(point, p.name, p.key, float(value))
        for point in range(len(exp.samples))
        for p, value in zip(exp.parameters, exp.point_values(point).values(), strict=True)
    ]
    register_experiment(
        store,
        experiment_id=exp.experiment_id,
        name=exp.name,
        file=exp.file,
        text=exp.text,
        resolved=exp.resolved(),
        total=exp.total,
        points=points,
    )


def complete_runs(store: Store, exp: Experiment) -> tuple[set[str], set[str]]:
    """The experiment's finished runs that hold every indicator it keeps now, and those that
    lack one (the file's outcomes, channel or ``keep`` asked for less when they ran).

    A run that lacks one is pending again: its position and seed are the same, so running it
    again gives the same outcomes, and stores what the file reads now.
    """
    wanted = kept_by(exp)
    complete: set[str] = set()
    lacking: set[str] = set()
    for run_id, kept in kept_by_run(store.con, exp.experiment_id).items():
        (complete if Kept.from_json(kept).covers(wanted) else lacking).add(run_id)
    return complete, lacking


def experiment_status(store: Store | None, exp: Experiment) -> dict[str, int]:
    """``{"total", "done", "failed", "pending"}`` of the experiment in the store (a finished
    run without an indicator the file keeps now is pending: :func:`complete_runs`)."""
    ids = {spec.run_id for spec in exp.runs()}
    statuses: dict[str, str] = {}
    complete: set[str] = set()
    if store is not None and has_runs(store.con):
        statuses = run_statuses(store.con, exp.experiment_id)
        complete, _ = complete_runs(store, exp)
    done = sum(1 for r, s in statuses.items() if s == "done" and r in ids and r in complete)
    failed = sum(1 for r, s in statuses.items() if s == "failed" and r in ids)
    return {
        "total": exp.total,
        "done": done,
        "failed": failed,
        "pending": exp.total - done - failed,
    }


def status_file(db: str | Path, experiment_id: str) -> Path:
    """The live status file the coordinator keeps beside the database."""
    p = Path(db)
    return p.with_name(f"{p.name}.{experiment_id}.status.json")


def process_start(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, from ``/proc``), or None if there
    is no such process.

    A pid alone is not an identity: after a ``kill -9`` the number may be reused by another
    process; the pid with its start time is.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:  # no /proc (not Linux): fall back to whether the pid exists at all
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def coordinator_alive(status: dict[str, Any]) -> bool:
    """Whether the process that wrote a status file is still that process, running."""
    pid = status.get("pid")
    if not isinstance(pid, int):
        return False
    started = process_start(pid)
    if started is None:
        return False
    recorded = status.get("process_start")
    return started == 0 or recorded is None or started == recorded


def _write_status(path: Path, progress: ExperimentProgress) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    payload = {
        **progress.status(),
        "running": progress.running,
        "pid": os.getpid(),
        "process_start": process_start(os.getpid()),
    }
    try:
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        tmp.replace(path)
    except OSError:  # status is a courtesy; the store is the record
        pass


# ----------------------------------------------------------------------------- coordinating


@contextmanager
def ctrl_c_in_queries() -> Iterator[None]:
    """DuckDB turns Ctrl-C during a query into its own error: make it a KeyboardInterrupt.

    The query's transaction is rolled back, so the run being written is simply not there.
    """
    try:
        yield
    except (duckdb.Error, RuntimeError) as exc:
        if isinstance(exc, duckdb.InterruptException) or "interrupt" in str(exc).lower():
            raise KeyboardInterrupt from None
        raise


@contextmanager
def deferred_ctrl_c() -> Iterator[list[int]]:
    """Hold Ctrl-C while a run is being written; the coordinator stops at the next safe point.

    Yields a list that receives the signal when Ctrl-C is pressed (only in the main thread, and
    only where Ctrl-C is not ignored).
    """
    pressed: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield pressed
        return
    signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


class Coordinator:
    """Runs an experiment's pending runs on a backend and writes each to the store."""

    def __init__(
        self,
        exp: Experiment,
        store: Store,
        backend: Backend,
        progress: ProgressCallback | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.exp = exp
        self.store = store
        self.backend = backend
        self.callback = progress
        self.max_attempts = max_attempts
        self.status_path = status_file(store.path, exp.experiment_id)
        self.attempts: dict[str, int] = {}  # submissions so far, lost or not
        self.raised: dict[str, int] = {}  # tries that ended in the run's own error
        self.lost: dict[str, int] = {}  # tries lost with their worker
        self.in_flight: dict[cf.Future[Any], tuple[RunSpec, int, int]] = {}
        self.queue: deque[RunSpec] = deque()
        self.clock = time.perf_counter()
        self.last_status = 0.0
        self.progress = ExperimentProgress(exp.total, 0, 0, 0, 0, 0, 0.0)
        self.kept = kept_by(exp)

    def run(self) -> ExperimentReport:
        """Run what is pending, then summarise every finished run of the experiment."""
        register(self.store, self.exp)
        done, lacking = complete_runs(self.store, self.exp)
        ids = {spec.run_id for spec in self.exp.runs()}
        self.queue.extend(spec for spec in self.exp.runs() if spec.run_id not in done)
        p = self.progress
        p.done = p.skipped = sum(1 for spec in self.exp.runs() if spec.run_id in done)
        try:
            with deferred_ctrl_c() as pressed, ctrl_c_in_queries():
                self._notify(force=True)
                self._loop(pressed)
        finally:
            for fut in self.in_flight:
                fut.cancel()
            self.status_path.unlink(missing_ok=True)
        seconds = time.perf_counter() - self.clock
        with ctrl_c_in_queries():
            summary, values = summarise(self.store, self.exp)
            store_summary(self.store, self.exp, summary, values)
        return ExperimentReport(
            experiment_id=self.exp.experiment_id,
            name=self.exp.name,
            backend=self.backend.label,
            total=p.total,
            done=p.done,
            failed=p.failed,
            pending=p.pending,
            skipped=p.skipped,
            ran=p.ran,
            seconds=seconds,
            summary=summary,
            redone=len(lacking & ids),
        )

    def _loop(self, stop: list[int]) -> None:
        while self.queue or self.in_flight:
            if stop:
                raise KeyboardInterrupt
            self._fill()
            finished, _ = cf.wait(
                list(self.in_flight), timeout=STATUS_INTERVAL_S, return_when=cf.FIRST_COMPLETED
            )
            for fut in finished:
                spec, generation, attempt = self.in_flight.pop(fut)
                self._collect(fut, spec, generation, attempt)
            self.backend.check()
            self._notify()

    def _fill(self) -> None:
        """Keep every slot busy, with one run queued behind each; a run lost before runs alone."""
        while self.queue and len(self.in_flight) < 2 * self.backend.slots:
            suspect = self.lost.get(self.queue[0].run_id, 0) > 0
            if suspect and self.in_flight:
                break
            spec = self.queue.popleft()
            attempt = self.attempts.get(spec.run_id, 0) + 1
            try:
                scenario = self.exp.scenario(spec)
            except ExperimentError as exc:  # a sweep point the schema rejects
                self._fail(spec, exc.line())
                continue
            task = RunTask(
                spec.run_id,
                scenario,
                self.exp.keeps_microdata(spec.variant),
                attempt,
                self.exp.outcomes,
            )
            fut = self.backend.submit(run_task, task)
            self.in_flight[fut] = (spec, self.backend.generation, attempt)
            if suspect:
                break
        self.progress.running = len(self.in_flight)

    def _collect(self, fut: cf.Future[Any], spec: RunSpec, generation: int, attempt: int) -> None:
        ret: RunReturn | None = None
        self.attempts[spec.run_id] = attempt
        try:
            ret = fut.result()
        except Exception as exc:  # the worker or cluster, not the run, failed
            self.backend.recover(exc, generation)  # raises if the backend is gone
            lost = self.lost[spec.run_id] = self.lost.get(spec.run_id, 0) + 1
            if lost < MAX_LOSSES:
                self.queue.appendleft(spec)
            else:
                self._fail(
                    spec,
                    f"its worker was lost {lost} times, {lost - 1} of them running alone "
                    f"(it kills its worker: out of memory? a crash?); last: "
                    f"{exc.__class__.__name__}: {exc}".strip(),
                )
            return
        if ret.error is None:
            self._write(spec, ret)
            return
        raised = self.raised[spec.run_id] = self.raised.get(spec.run_id, 0) + 1
        if raised < self.max_attempts:
            self.queue.appendleft(spec)
        else:
            self._fail(spec, ret.error)

    def _write(self, spec: RunSpec, ret: RunReturn) -> None:
        result = ret.result
        assert result is not None
        keep = self.exp.keeps_microdata(spec.variant)
        self.store.write_run(
            spec.run_id,
            scenario_name=result.scenario.name,
            scenario_json=scenario_to_dict(result.scenario),
            seed=spec.seed,
            started=ret.started,
            indicators=self.kept.rows(result.observations.long_form(coded=True)),
            events=result.event_table(coded=True) if keep else None,
            snapshots=result.snapshot_table(coded=True) if keep else None,
            experiment=self._position(spec),
            kept=self.kept.to_json(),
        )
        write_run_outcomes(
            self.store,
            self.exp.experiment_id,
            [
                OutcomeValue(spec.run_id, spec.variant, spec.replicate, spec.sweep_point, k, v)
                for k, v in ret.outcomes.items()
            ],
        )
        self.progress.done += 1
        self.progress.ran += 1

    def _fail(self, spec: RunSpec, error: str) -> None:
        try:
            data = self.exp.scenario_data(spec)
        except ExperimentError:
            data = {}
        self.store.write_failed_run(
            spec.run_id,
            scenario_name=str(data.get("name", self.exp.base.get("name", ""))),
            scenario_json=data,
            seed=spec.seed,
            started=now(),
            error=error,
            experiment=self._position(spec),
        )
        self.progress.failed += 1
        self.progress.ran += 1

    def _position(self, spec: RunSpec) -> dict[str, Any]:
        return {"experiment_id": self.exp.experiment_id, **spec.position()}

    def _notify(self, force: bool = False) -> None:
        p = self.progress
        p.running = len(self.in_flight)
        p.elapsed = time.perf_counter() - self.clock
        if self.callback is not None:
            self.callback(p)
        moment = time.monotonic()
        if force or moment - self.last_status >= STATUS_INTERVAL_S:
            _write_status(self.status_path, p)
            self.last_status = moment


def run_experiment(
    exp: Experiment,
    store: Store,
    backend: Backend,
    progress: ProgressCallback | None = None,
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> ExperimentReport:
    """Run an experiment's pending runs on ``backend``, writing each to ``store``.

    Args:
        exp: The resolved experiment (:func:`~helix.experiments.design.load_experiment`).
        store: The results store; only this process writes to it.
        backend: Where runs happen (:class:`~helix.experiments.executors.LocalPool`,
            :class:`~helix.experiments.executors.DaskCluster`, or any executor wrapped in
            :class:`~helix.experiments.executors.ExecutorBackend`).
        progress: Called with an :class:`ExperimentProgress` whenever runs finish.
        max_attempts: Tries per run before it is recorded as failed.

    Returns:
        What this session did, and the summary of every finished run.
    """
    return Coordinator(exp, store, backend, progress, max_attempts=max_attempts).run()


def read_status(db: str | Path, exp: Experiment) -> dict[str, Any]:
    """The experiment's status from the store, or from the live status file while it runs.

    ``running`` says whether a coordinator is at work on it now (its process checked, not only
    its status file: a coordinator killed with ``kill -9`` leaves its file behind).

    Raises:
        StoreError: the database does not exist (nothing is created), cannot be read, or is
            held by another process while no coordinator of this experiment is running.
    """
    path = Path(db)
    if not path.exists():
        raise StoreError("no such database", file=str(db), key="--db")
    live = status_file(db, exp.experiment_id)
    status: dict[str, Any] | None = None
    try:
        status = json.loads(live.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        status = None
    running = isinstance(status, dict) and coordinator_alive(status)
    try:
        with Store(path, read_only=True) as store:
            try:
                counts = experiment_status(store, exp)
            except Exception as exc:  # a database of another kind, or an older helix
                raise StoreError(
                    f"cannot read runs ({exc})".splitlines()[0], file=str(db)
                ) from None
    except StoreError as exc:
        if "lock" not in exc.reason.lower():
            raise
        if running and isinstance(status, dict):
            counts = {k: int(status[k]) for k in ("total", "done", "failed", "pending")}
            return {**counts, "running": True, "pid": status["pid"]}
        if isinstance(status, dict):
            raise StoreError(
                f"the experiment is not running (its coordinator, pid {status.get('pid')}, is "
                "gone) and another process holds the database; ask again when it is free",
                file=str(db),
                key="--db",
            ) from None
        raise
    if running and isinstance(status, dict):
        return {**counts, "running": True, "pid": status["pid"]}
    return {**counts, "running": False}
