"""What the dashboard reads from the store (through :mod:`helix.store.views`), and how.

One :class:`Store` is open at a time in the dashboard's process (DuckDB refuses a second
connection to the same file with another configuration, and another process's lock is the
user's to see): :class:`StoreGate` opens it when a reader or the job worker needs it, shares it
(each reader gets its own cursor, which DuckDB makes safe across threads) and closes it when the
last one is done, so the CLI can use the file between what-ifs. Writing a report opens the file
read-only on its own, so :meth:`StoreGate.alone` waits until the shared store is closed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from scipy import stats

from helix.dashboard.backend import BASELINE, WHAT_IF, Store
from helix.store import views
from helix.world.catalogue import INDICATORS

LIST_LIMIT = 200


class StoreGate:
    """Shares one read-write :class:`Store` among the dashboard's threads."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._cond = threading.Condition()
        self._store: Store | None = None
        self._users = 0
        self._alone = False

    @contextmanager
    def shared(self, *, create: bool = True) -> Iterator[Store]:
        """The store, opened if needed (a :class:`~helix.errors.StoreError` if locked, or if
        it does not exist and ``create`` is false)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._alone)
            if self._store is None:
                self._store = Store(self.db, create=create)
            self._users += 1
            store = self._store
        try:
            yield store
        finally:
            with self._cond:
                self._users -= 1
                if self._users == 0 and self._store is not None:
                    self._store.close()
                    self._store = None
                self._cond.notify_all()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for a reader: a missing database is an error, never created by a read."""
        with self.shared(create=False) as store:
            cur = store.con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def alone(self) -> Iterator[None]:
        """No store of ours open: for code that opens the file itself (the report)."""
        with self._cond:
            self._cond.wait_for(lambda: self._users == 0 and not self._alone)
            self._alone = True
        try:
            yield
        finally:
            with self._cond:
                self._alone = False
                self._cond.notify_all()


def listing(cur: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """Past runs, experiments and calibrations, newest first."""
    return views.listing(cur, LIST_LIMIT)


def summary_rows(cur: duckdb.DuckDBPyConnection, experiment_id: str) -> list[dict[str, Any]]:
    """The experiment's summary as ``helix experiment`` stored it (means, paired differences)."""
    return views.summary_records(cur, experiment_id)


def series(
    cur: duckdb.DuckDBPyConnection,
    experiment_id: str,
    indicator: str,
    city: str,
    sector: str | None = None,
    district: str | None = None,
) -> dict[str, Any]:
    """An indicator at one city, per variant: median and 5-95% band over replicates, and the
    paired difference (what-if minus baseline, replicate by replicate) with its 95% CI."""
    spec = INDICATORS[indicator]
    rows = views.variant_series(
        cur,
        experiment_id,
        indicator,
        city,
        intensive=spec.intensive,
        sector=sector,
        district=district,
    )
    months = sorted({r[2] for r in rows})
    at = {m: i for i, m in enumerate(months)}
    runs: dict[str, dict[int, np.ndarray]] = {}
    for variant, replicate, date, value in rows:
        cells = runs.setdefault(variant, {}).setdefault(replicate, np.full(len(months), np.nan))
        cells[at[date]] = value
    variants: dict[str, Any] = {}
    for variant, reps in runs.items():
        cube = np.array(list(reps.values()))
        variants[variant] = {
            "runs": len(reps),
            "median": _clean(np.nanmedian(cube, axis=0)),
            "low": _clean(np.nanquantile(cube, 0.05, axis=0)),
            "high": _clean(np.nanquantile(cube, 0.95, axis=0)),
        }
    return {
        "indicator": indicator,
        "unit": spec.unit,
        "city": city,
        "sector": sector,
        "district": district,
        "months": months,
        "variants": variants,
        "difference": _paired(runs, len(months)),
    }


def _paired(runs: dict[str, dict[int, np.ndarray]], months: int) -> dict[str, Any] | None:
    base, other = runs.get(BASELINE, {}), runs.get(WHAT_IF, {})
    pairs = sorted(set(base) & set(other))
    if not pairs:
        return None
    diff = np.array([other[r] - base[r] for r in pairs])
    mean = diff.mean(axis=0)
    if len(pairs) > 1:
        half = stats.t.ppf(0.975, len(pairs) - 1) * diff.std(axis=0, ddof=1) / np.sqrt(len(pairs))
    else:
        half = np.full(months, np.nan)
    return {
        "pairs": len(pairs),
        "mean": _clean(mean),
        "low": _clean(mean - half),
        "high": _clean(mean + half),
    }


def _clean(a: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in a]


RUN_OF_MONTHS = 3  # months in a row a difference must stay clear of zero to count as moved


def channel(cur: duckdb.DuckDBPyConnection, experiment_id: str, city: str) -> list[dict[str, Any]]:
    """The channel a lever works through: the city's indicators in the order they moved.

    An indicator has moved in the first month from which the paired difference's 95% CI
    excludes zero for ``RUN_OF_MONTHS`` months in a row. Indicators that never move are left
    out; the change at the end is relative to the baseline's mean there.
    """
    rows = views.city_series(cur, experiment_id, city)
    months = sorted({r[3] for r in rows})
    at = {m: i for i, m in enumerate(months)}
    cubes: dict[str, dict[str, dict[int, np.ndarray]]] = {}
    for indicator, variant, replicate, date, total, mean in rows:
        spec = INDICATORS.get(indicator)
        if spec is None:
            continue
        by_rep = cubes.setdefault(indicator, {}).setdefault(variant, {})
        cells = by_rep.setdefault(replicate, np.full(len(months), np.nan))
        cells[at[date]] = mean if spec.intensive else total
    out = []
    for indicator, runs in cubes.items():
        diff = _paired(runs, len(months))
        if diff is None or diff["pairs"] < 2:
            continue
        low = np.array([np.nan if v is None else v for v in diff["low"]])
        high = np.array([np.nan if v is None else v for v in diff["high"]])
        clear = (low > 0) | (high < 0)
        streak = np.convolve(clear.astype(int), np.ones(RUN_OF_MONTHS, int), "valid")
        first = np.flatnonzero(streak == RUN_OF_MONTHS)
        if not len(first):
            continue
        base_end = np.nanmean([a[-1] for a in runs[BASELINE].values()])
        end = diff["mean"][-1]
        out.append(
            {
                "indicator": indicator,
                "unit": INDICATORS[indicator].unit,
                "moved": months[int(first[0])],
                "difference_at_end": end,
                "percent_at_end": None
                if end is None or not base_end
                else float(100 * end / abs(base_end)),
            }
        )
    return sorted(out, key=lambda r: (r["moved"], r["indicator"]))
