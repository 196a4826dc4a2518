"""The what-if queue: one worker thread runs one what-if at a time, never a request thread.

A what-if is submitted by any browser tab and queued; the worker runs it as an experiment on a
pool of worker processes kept warm between what-ifs (starting processes and importing the
engine takes seconds, which would eat the budget for first results). Progress is kept in the
job for the page to stream. Cancelling a queued job drops it; cancelling a running one stops
the coordinator at its next progress call, throws away the runs in flight and restarts the
pool; the runs already written stay in the store, so the same what-if resumes from them.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from helix.dashboard import backend
from helix.dashboard.storeviews import StoreGate

State = Literal["queued", "running", "done", "cancelled", "failed"]


class CancelledByUserError(Exception):
    """Raised from the progress callback to stop a running what-if."""


@dataclass
class Job:
    """One what-if, as the page follows it."""

    job_id: str
    what_if: backend.WhatIf
    experiment_file: Path
    experiment_id: str
    total: int
    state: State = "queued"
    done: int = 0
    failed: int = 0
    skipped: int = 0
    ran: int = 0
    elapsed: float = 0.0
    message: str = ""
    summarised: bool = False  # the experiment's summary is in the store
    report: str | None = None
    submitted: float = field(default_factory=time.monotonic)
    first_result_s: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def seconds_left(self) -> float | None:
        """Time left at the pace of this session's runs (None before the first one)."""
        left = self.total - self.done - self.failed
        if self.ran == 0 or self.elapsed <= 0:
            return None
        return left * self.elapsed / self.ran

    def view(self, position: int | None = None) -> dict[str, Any]:
        return {
            "job": self.job_id,
            "state": self.state,
            "experiment_id": self.experiment_id,
            "experiment_file": str(self.experiment_file),
            "total": self.total,
            "done": self.done,
            "failed": self.failed,
            "skipped": self.skipped,
            "elapsed": round(self.elapsed, 2),
            "seconds_left": None if self.seconds_left is None else round(self.seconds_left, 1),
            "first_result_s": self.first_result_s,
            "message": self.message,
            "summarised": self.summarised,
            "report": self.report,
            "queue_position": position,
        }


class JobQueue:
    """What-ifs in order of submission, run by one worker thread."""

    def __init__(self, db: Path, folder: Path, gate: StoreGate, workers: int | None) -> None:
        self.db = db
        self.folder = folder
        self.gate = gate
        self.workers = workers
        self.jobs: dict[str, Job] = {}
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._order: list[str] = []
        self._ids = itertools.count(1)
        self._pool: backend.LocalPool | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="helix-what-if", daemon=True)
        self._thread.start()

    def prepare(self, what_if: backend.WhatIf) -> tuple[Path, backend.Experiment]:
        """Check the what-if as a world and as an experiment; write its experiment file.

        Raises:
            HelixError: the CLI's line (a lever as ``helix run --set`` checks it, replicates
                or scale as ``helix experiment`` checks them).
        """
        path = backend.write_experiment_file(what_if, self.folder)
        return path, backend.load_what_if(path)

    def submit(self, what_if: backend.WhatIf) -> Job:
        """Check the what-if, write its experiment file and queue it (a HelixError if bad)."""
        path, exp = self.prepare(what_if)
        job = Job(f"j{next(self._ids)}", what_if, path, exp.experiment_id, exp.total)
        with self._lock:
            self.jobs[job.job_id] = job
            self._order.append(job.job_id)
        self._waiting.put(job)
        return job

    def position(self, job: Job) -> int | None:
        """How many what-ifs run or wait before this one (None once it has started)."""
        if job.state != "queued":
            return None
        with self._lock:
            ahead = [j for j in self._order if j != job.job_id]
            ahead = ahead[: self._order.index(job.job_id)]
        return sum(1 for j in ahead if self.jobs[j].state in ("queued", "running"))

    def cancel(self, job: Job) -> None:
        job.cancel.set()
        if job.state == "queued":
            job.state = "cancelled"
            job.message = "cancelled before it started"

    def close(self) -> None:
        for job in list(self.jobs.values()):
            self.cancel(job)
        self._waiting.put(None)
        self._thread.join(timeout=30)
        if self._pool is not None:
            self._pool.close(cancel=True)
            self._pool = None

    def warm(self) -> None:
        """Start the worker processes now, so the first what-if does not wait for them."""
        self._waiting.put(_WARM)

    # ------------------------------------------------------------------ the worker thread

    def _pool_ready(self) -> backend.LocalPool:
        if self._pool is None:
            self._pool = backend.new_pool(self.workers)
        return self._pool

    def _work(self) -> None:
        while True:
            job = self._waiting.get()
            if job is None:
                return
            if job is _WARM:
                self._warm_up()
                continue
            if job.state != "queued":
                continue
            job.state = "running"
            try:
                self._run(job)
            except CancelledByUserError:
                job.state = "cancelled"
                job.message = f"cancelled: {job.done} of {job.total} runs kept in the store"
                if self._pool is not None:
                    self._pool.close(cancel=True)
                    self._pool = None
            except backend.HelixError as exc:
                job.state = "failed"
                job.message = exc.line()
            except Exception as exc:  # a bug, shown in the page rather than killing the worker
                job.state = "failed"
                job.message = f"internal error: {exc.__class__.__name__}: {exc}"

    def _warm_up(self) -> None:
        pool = self._pool_ready()
        for fut in [pool.submit(_nothing) for _ in range(pool.slots)]:
            fut.result()

    def _run(self, job: Job) -> None:
        exp = backend.load_what_if(job.experiment_file)
        clock = time.monotonic()

        def progress(p: backend.ExperimentProgress) -> None:
            job.done, job.failed, job.skipped, job.ran = p.done, p.failed, p.skipped, p.ran
            job.elapsed = time.monotonic() - clock
            if job.first_result_s is None and p.ran > 0:
                job.first_result_s = round(time.monotonic() - job.submitted, 2)
            if job.cancel.is_set():
                raise CancelledByUserError

        with self.gate.shared() as store:
            backend.run_what_if(exp, store, self._pool_ready(), progress)
        job.elapsed = time.monotonic() - clock
        job.summarised = True
        job.message = f"{job.done} of {job.total} runs done, {job.failed} failed"
        try:
            job.message += "; writing the report"
            with self.gate.alone():
                out = self.folder / f"report-{job.experiment_id}"
                files = backend.write_report(
                    self.db, experiment=job.experiment_id, out_dir=out, pngs=False
                )
            job.report = files.html.parent.name
            job.message = job.message.removesuffix("; writing the report")
        except backend.HelixError as exc:
            job.message = job.message.replace("writing the report", f"no report: {exc.line()}")
        job.state = "done"


def _nothing() -> None:
    """A task for a fresh worker process: importing helix in it is the point."""


_WARM: Any = object()
