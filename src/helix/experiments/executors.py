"""Where runs happen: local processes or a Dask cluster, behind ``concurrent.futures``.

One execution layer for experiments, calibration and validation: experiments hand a backend
to their coordinator (:mod:`helix.experiments.runner`, which writes each run to the store);
calibration and validation map a function over tasks on the same backends with
:func:`helix.experiments.batch.run_tasks`.

A backend holds a :class:`concurrent.futures.Executor` (a ``ProcessPoolExecutor`` on this
machine, or the executor of a Dask ``Client``) plus what the coordinator needs to survive its
failures: how many runs it can do at once (``slots``), how to recover from a broken pool, and
whether the cluster is still there. Any other ``concurrent.futures`` executor can be wrapped in
:class:`ExecutorBackend` (e.g. a ``ThreadPoolExecutor`` or mpi4py's ``MPIPoolExecutor``).

Local workers are started with the ``spawn`` method, one compute thread each (numba, OpenMP,
BLAS), so processes x threads stays within the cores; they ignore Ctrl-C (the coordinator
handles it) and exit when the coordinator dies, even by ``kill -9``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Protocol

from helix.errors import ExperimentError
from helix.experiments.worker import THREAD_LIMITS, limit_threads

CONNECT_TIMEOUT_S = 5.0
MAX_ATTEMPTS = 2  # tries per run or task: a second lost worker is not a coincidence
MAX_LOSSES = 3
"""Times a run or task may be lost with its worker before it is taken for what kills them.

A pool that breaks takes every run in flight with it, so the first loss says nothing about the
run; after it the run is redone alone, and each further loss is its own."""
STILLBORN_POOLS = 3  # pools in a row whose workers died before finishing any run


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the OS tells it)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


class Backend(Protocol):
    """Where runs happen, as the coordinator sees it."""

    label: str
    slots: int
    generation: int

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]: ...

    def recover(self, exc: BaseException, generation: int) -> None:
        """Called when a future raised: make the backend usable again, or raise
        :class:`~helix.errors.ExperimentError` if it cannot be."""

    def check(self) -> None: ...

    def close(self, *, cancel: bool = False) -> None: ...


class ExecutorBackend:
    """Any ``concurrent.futures`` executor, used as it is (it is not restarted if it breaks)."""

    def __init__(self, executor: cf.Executor, slots: int, label: str = "executor") -> None:
        self.executor = executor
        self.slots = max(int(slots), 1)
        self.label = label
        self.generation = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        return self.executor.submit(fn, *args)

    def recover(self, exc: BaseException, generation: int) -> None:
        return None

    def check(self) -> None:
        return None

    def close(self, *, cancel: bool = False) -> None:
        self.executor.shutdown(wait=not cancel, cancel_futures=cancel)

    def __enter__(self) -> ExecutorBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


# ------------------------------------------------------------------------- local processes


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)


def init_local_worker(parent_pid: int) -> None:
    """Initialise a local worker: one thread, no Ctrl-C, exit with the coordinator."""
    limit_threads()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


@contextmanager
def _thread_limited_environment() -> Iterator[None]:
    """Spawned children inherit the environment at start: limit their threads from birth."""
    saved = {k: os.environ.get(k) for k in THREAD_LIMITS}
    os.environ.update(THREAD_LIMITS)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class LocalPool:
    """Worker processes on this machine (all cores by default), restarted if one dies."""

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ExperimentError(f"must be at least 1, got {workers}", key="--workers")
        self.slots = workers or available_cores()
        self.label = f"{self.slots} local process{'es' if self.slots > 1 else ''}"
        self.generation = 0
        self._stillborn = 0
        self._ever_finished = False
        self._lock = threading.Lock()
        self.executor = self._new_executor()

    def _new_executor(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_local_worker,
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        try:
            fut = self._submit(fn, *args)
        except BrokenProcessPool as exc:  # broken before its futures were collected
            self.recover(exc, self.generation)
            fut = self._submit(fn, *args)
        fut.add_done_callback(self._note_success)
        return fut

    def _submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        with self._lock, _thread_limited_environment():
            return self.executor.submit(fn, *args)

    def _note_success(self, fut: cf.Future[Any]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self._stillborn = 0
            self._ever_finished = True

    def recover(self, exc: BaseException, generation: int) -> None:
        """A dead worker breaks the whole pool: start a new one (once per broken pool)."""
        if not isinstance(exc, BrokenProcessPool) or generation != self.generation:
            return
        self._terminate()
        self._stillborn += 1
        # Workers that die at start (no main guard) never finish a run; once one has, a broken
        # pool is a run's doing, which the coordinator tells apart by running it alone.
        if self._stillborn >= STILLBORN_POOLS and not self._ever_finished:
            raise ExperimentError(
                "local worker processes keep dying before finishing a run (a script that "
                "starts experiments needs an `if __name__ == '__main__':` guard)",
                key="--workers",
            )
        self.executor = self._new_executor()
        self.generation += 1

    def check(self) -> None:
        return None

    def _terminate(self) -> None:
        # The pool starts workers as work is submitted, so one may start between a look at its
        # processes and the shutdown: look before and after, and stop every one seen. A worker
        # left alive ignores Ctrl-C and holds the pool's queues, and the coordinator's exit
        # would wait for it.
        processes = dict(getattr(self.executor, "_processes", None) or {})
        self.executor.shutdown(wait=False, cancel_futures=True)
        processes.update(getattr(self.executor, "_processes", None) or {})
        for p in processes.values():
            if p.is_alive():
                p.terminate()

    def close(self, *, cancel: bool = False) -> None:
        if cancel:
            self._terminate()
        else:
            self.executor.shutdown(wait=True)

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


# ------------------------------------------------------------------------------------ Dask


class DaskCluster:
    """An existing Dask distributed cluster, through ``Client(address).get_executor()``.

    Workers need helix installed; run them with one thread each for CPU-bound runs, e.g.
    ``dask worker tcp://HOST:8786 --nworkers N --nthreads 1``.
    """

    def __init__(
        self, address: str, timeout: float = CONNECT_TIMEOUT_S, *, quiet: bool = True
    ) -> None:
        if quiet:  # the coordinator reports a lost cluster itself, in one line
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - the [dask] extra is not installed
            raise ExperimentError(
                "needs Dask: pip install 'helix[dask]'", key="--cluster"
            ) from None
        self.address = address
        self.label = f"Dask cluster {address}"
        self.generation = 0
        self._timeout = timeout
        self._lost_since: float | None = None
        _probe(address, timeout)
        try:
            self.client = _quiet_client(Client)(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExperimentError(
                f"no Dask scheduler answers at {address} within {timeout:g} s "
                f"({exc.__class__.__name__})",
                key="--cluster",
            ) from None
        except Exception as exc:
            raise ExperimentError(
                f"cannot connect to {address!r}: {exc}".splitlines()[0], key="--cluster"
            ) from None
        self.executor = self.client.get_executor(pure=False)
        self.slots = max(sum(self.client.nthreads().values()), 1)

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        try:
            return self.executor.submit(fn, *args)
        except Exception as exc:
            raise self._lost() from exc

    def _lost(self) -> ExperimentError:
        return ExperimentError(
            "lost the Dask cluster; rerun the same command to resume", key=self.address
        )

    def recover(self, exc: BaseException, generation: int) -> None:
        """A run that killed its workers is retried; a vanished scheduler stops the experiment."""
        if self.client.status not in ("running", "newly-created"):
            raise self._lost()

    def check(self) -> None:
        """Raise if the scheduler has been unreachable for longer than the connect timeout."""
        if self.client.status in ("running", "newly-created"):
            self._lost_since = None
            return
        now = time.monotonic()
        if self._lost_since is None:
            self._lost_since = now
        if self.client.status in ("closed", "closing", "failed") or (
            now - self._lost_since > 2 * self._timeout
        ):
            raise self._lost()

    def close(self, *, cancel: bool = False) -> None:
        try:
            self.executor.shutdown(wait=False)
            self.client.close(timeout=self._timeout)
        except Exception:  # the cluster may already be gone
            pass

    def __enter__(self) -> DaskCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)


def _probe(address: str, timeout: float) -> None:
    """Refuse an address that is malformed or where nothing listens, before Dask's ``Client``
    is made: a ``Client`` that fails to connect spends another ten seconds closing itself when
    it is collected, and prints its own traceback from ``__del__``.

    Only TCP-based addresses (``tcp://``, ``tls://``, or no scheme) are probed; others are left
    to Dask.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
    except ValueError as exc:
        raise ExperimentError(f"not a scheduler address ({exc})", key="--cluster") from None
    if scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise ExperimentError(
            f"not a scheduler address, want tcp://HOST:PORT ({exc})", key="--cluster"
        ) from None
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ExperimentError(
            f"no Dask scheduler answers at {address} within {timeout:g} s ({reason})",
            key="--cluster",
        ) from None
    if scheme == "tcp":
        # Something listens; Dask's Client waits without end for a peer that accepts and never
        # speaks (its timeout covers the connection only), so ask for its identity first.
        try:
            asyncio.run(asyncio.wait_for(_identity(address), timeout))
        except Exception as exc:
            raise ExperimentError(
                f"no Dask scheduler answers at {address} within {timeout:g} s "
                f"(something listens there but does not speak Dask: {exc.__class__.__name__})",
                key="--cluster",
            ) from None


async def _identity(address: str) -> Any:
    """A scheduler's answer to ``identity`` (the handshake and one request)."""
    from distributed.comm import connect

    comm = await connect(address)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def _quiet_client(client_class: type) -> type:
    """Dask's ``Client``, closing itself quickly and quietly when collected half-made."""

    class QuietClient(client_class):  # type: ignore[misc, valid-type]
        def __del__(self) -> None:
            try:
                if self.status not in ("closed", "closing"):
                    self.close(timeout=0.5)
            except Exception:  # the connection never was; nothing to tell
                pass

    return QuietClient


def backend_for(cluster: str | None, workers: int | None) -> LocalPool | DaskCluster:
    """The Dask cluster at ``cluster`` if given, else ``workers`` local processes."""
    if cluster:
        return DaskCluster(cluster)
    return LocalPool(workers)
