"""Pairs first: hand a what-if's runs to the worker processes pair by pair.

Leaf module (no helix import): it wraps any backend with the coordinator's interface
(``submit``, ``slots``, ``generation``, ``recover``, ``check``, ``close``).
"""

from __future__ import annotations

import concurrent.futures as cf
import heapq
import itertools
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Pool(Protocol):
    """A backend as the experiment coordinator sees it."""

    label: str
    slots: int
    generation: int

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]: ...

    def recover(self, exc: BaseException, generation: int) -> None: ...

    def check(self) -> None: ...


class Design(Protocol):
    """An experiment: its size and its runs, each with run_id, replicate, sweep point, variant."""

    @property
    def total(self) -> int: ...

    def runs(self) -> Iterable[Any]: ...


class PairsFirst:
    """A backend that runs a what-if's runs pair by pair: baseline and what-if of replicate 0,
    then of replicate 1, and so on.

    The coordinator submits runs in the design's order (every baseline run, then every what-if
    run) and keeps two per process in flight, so on two cores the first difference from the
    baseline would wait for three rounds of runs. This wrapper takes every run at once (its
    ``slots`` is the experiment's size) and feeds the pool's processes one run each, the
    lowest replicate first, so the first pair is done after one round. Which run is done where
    does not change any result: each run's seed comes from its place in the design.

    Runs are held until the coordinator has handed over all it will run (``expected``), so the
    first ones sent to the pool are the first pair, not the first two baselines; the
    coordinator's periodic :meth:`check` sends them in any case (a run it could not build is
    never handed over).
    """

    def __init__(self, pool: Pool, exp: Design, expected: int) -> None:
        self.pool = pool
        self.label = pool.label
        self.slots = max(exp.total, pool.slots)
        self._rank = {
            spec.run_id: (spec.replicate, spec.sweep_point, spec.variant_index)
            for spec in exp.runs()
        }
        self._waiting: list[tuple[Any, int, cf.Future[Any], Callable[..., Any], tuple]] = []
        self._busy = 0
        self._expected = expected
        self._submitted = 0
        self._order = itertools.count()
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self.pool.generation

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        proxy: cf.Future[Any] = cf.Future()
        rank = self._rank.get(getattr(args[0], "run_id", ""), (0, 0, 0)) if args else (0, 0, 0)
        with self._lock:
            heapq.heappush(self._waiting, (rank, next(self._order), proxy, fn, args))
            self._submitted += 1
            held = self._submitted < self._expected
        if not held:
            self._dispatch()
        return proxy

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if self._busy >= self.pool.slots or not self._waiting:
                    return
                _, _, proxy, fn, args = heapq.heappop(self._waiting)
                if not proxy.set_running_or_notify_cancel():
                    continue  # the coordinator gave up on it
                self._busy += 1
            try:
                real = self.pool.submit(fn, *args)
            except BaseException as exc:
                self._finished(proxy, None, exc)
                continue
            real.add_done_callback(lambda f, p=proxy: self._finished(p, f, None))

    def _finished(
        self, proxy: cf.Future[Any], real: cf.Future[Any] | None, error: BaseException | None
    ) -> None:
        with self._lock:
            self._busy -= 1
        if real is not None and real.cancelled():
            error = cf.CancelledError()
        elif real is not None:
            error = real.exception()
        if error is None and real is not None:
            proxy.set_result(real.result())
        else:
            proxy.set_exception(error or cf.CancelledError())
        self._dispatch()

    def recover(self, exc: BaseException, generation: int) -> None:
        self.pool.recover(exc, generation)

    def check(self) -> None:
        self.pool.check()
        self._expected = 0
        self._dispatch()

    def close(self, *, cancel: bool = False) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for _, _, proxy, _, _ in waiting:
            proxy.cancel()
