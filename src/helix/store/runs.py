"""The DuckDB results store: runs, their indicators, firm events and yearly firm snapshots.

A run is written in one transaction after it has finished, so a crash leaves it absent, never
half-written; a run that raised is recorded with status ``failed`` and its error.
Only the coordinating process writes (experiments send results back to it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from helix.coded import Coded, column_length
from helix.errors import StoreError
from helix.store.schema import SCHEMA
from helix.version import __version__
from helix.world.catalogue import INDICATORS

if TYPE_CHECKING:
    from helix.world.indicators import Observations


def helix_version() -> str:
    return __version__


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Store:
    """A DuckDB file of results. Use as a context manager or call :meth:`close`.

    Opening checks the file: a reader (``read_only``) or a writer that may not create it
    (``create=False``) refuses a missing file, and every block the tables use is read once, so
    a corrupt file is refused at the door (naming it) instead of being written into or failing
    deep inside a report. A failed write (a full disk, an I/O error) is a :class:`StoreError`
    and leaves the run out: a run is written in one transaction.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True) -> None:
        self.path = str(path)
        p = Path(path)
        if (read_only or not create) and not p.exists():
            raise StoreError("no such database", file=self.path, key="--db")
        if not read_only:
            parent = p.parent if str(p.parent) else Path(".")
            if not parent.exists():
                raise StoreError("folder does not exist", file=self.path, key="--db")
            if p.is_dir():
                raise StoreError("is a directory, not a database file", file=self.path, key="--db")
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise self._error("cannot open database", exc) from None
        except OSError as exc:
            raise StoreError(
                f"cannot open database ({exc.strerror})", file=self.path, key="--db"
            ) from None
        try:
            verify_blocks(self.con, self.path)
            if not read_only:
                self.con.execute(SCHEMA)
        except duckdb.Error as exc:
            self._close_quietly()
            raise self._error("cannot open database", exc) from None
        except StoreError:
            self._close_quietly()
            raise

    def _error(self, doing: str, exc: BaseException) -> StoreError:
        """A DuckDB error as one line naming the file (a checksum mismatch says corrupt)."""
        return StoreError(f"{doing} ({_reason(exc)})", file=self.path, key="--db")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _close_quietly(self) -> None:
        with suppress(duckdb.Error, OSError):
            self.con.close()

    def close(self) -> None:
        """Close the file; a checkpoint that fails (a full disk) is a :class:`StoreError`.

        What was committed stays in DuckDB's write-ahead log and is there at the next open.
        """
        try:
            self.con.close()
        except (duckdb.Error, OSError) as exc:
            raise self._error("cannot write the database", exc) from None

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: all of it is written, or (on any error) none of it.

        A write that fails in DuckDB (a full disk, an I/O error, a database invalidated by an
        earlier fatal error) is a :class:`StoreError` naming the file; Ctrl-C stays Ctrl-C.
        """
        try:
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield self.con
            except BaseException:
                self._rollback()
                raise
            self.con.execute("COMMIT")
        except duckdb.InterruptException:
            raise
        except (duckdb.Error, OSError) as exc:
            if "interrupt" in str(exc).lower():
                raise
            self._rollback()
            raise self._error("cannot write the database", exc) from None

    def _rollback(self) -> None:
        # No transaction may be left, or an earlier fatal error invalidated the database.
        with suppress(duckdb.Error, OSError):
            self.con.execute("ROLLBACK")

    def _insert(self, table: str, run_id: str, columns: dict[str, np.ndarray | Coded]) -> None:
        """Append rows; a :class:`~helix.coded.Coded` column is looked up in its labels by DuckDB."""
        lengths = {column_length(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of {table} differ in length: {sorted(lengths)}")
        if not columns or lengths == {0}:
            return
        frame: dict[str, np.ndarray] = {}
        names = ["run_id"]
        exprs = ["CAST($1 AS VARCHAR) AS run_id"]
        params: list[Any] = [run_id]
        for k, v in columns.items():
            names.append(k)
            if isinstance(v, Coded):
                # 1-based list index; codes as int64 so that code + 1 cannot overflow.
                frame[k] = np.asarray(v.codes, dtype=np.int64)
                params.append(list(v.labels))
                exprs.append(f"CAST(${len(params)} AS VARCHAR[])[{k} + 1] AS {k}")
            elif v.dtype.kind in "OUS":
                frame[k] = v
                exprs.append(f"CAST({k} AS VARCHAR) AS {k}")
            else:
                frame[k] = v
                exprs.append(k)
        self.con.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM frame",
            params,
        )

    def _replace_run_row(
        self,
        con: duckdb.DuckDBPyConnection,
        run_id: str,
        *,
        status: str,
        error: str | None,
        scenario_name: str,
        scenario_json: dict[str, Any],
        seed: int,
        started: datetime,
        experiment: dict[str, Any] | None,
        kept: dict[str, Any] | None = None,
    ) -> None:
        """Drop whatever a run id held before and write its ``runs`` row."""
        for table in ("runs", "indicators", "firm_events", "firm_snapshots"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
        exp = experiment or {}
        con.execute(
            "INSERT INTO runs (run_id, scenario_name, scenario_json, seed, helix_version,"
            " started, finished, status, error, experiment_id, variant, replicate, sweep_point,"
            " kept) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                scenario_name,
                json.dumps(scenario_json),
                seed,
                helix_version(),
                started,
                now(),
                status,
                error,
                exp.get("experiment_id"),
                exp.get("variant"),
                exp.get("replicate"),
                exp.get("sweep_point"),
                None if kept is None else json.dumps(kept),
            ],
        )

    def write_run(
        self,
        run_id: str,
        *,
        scenario_name: str,
        scenario_json: dict[str, Any],
        seed: int,
        started: datetime,
        indicators: dict[str, np.ndarray | Coded],
        events: dict[str, np.ndarray | Coded] | None = None,
        snapshots: dict[str, np.ndarray | Coded] | None = None,
        experiment: dict[str, Any] | None = None,
        kept: dict[str, Any] | None = None,
    ) -> None:
        """Write a finished run and all its tables in one transaction.

        ``kept`` says which indicators ``indicators`` holds when it is not all of them (an
        experiment's ``keep``: :class:`helix.experiments.keep.Kept`); None is every one.
        """
        rename = {"month": "date"}
        with self.transaction() as con:
            self._replace_run_row(
                con,
                run_id,
                status="done",
                error=None,
                scenario_name=scenario_name,
                scenario_json=scenario_json,
                seed=seed,
                started=started,
                experiment=experiment,
                kept=kept,
            )
            tables = (
                ("indicators", indicators),
                ("firm_events", events),
                ("firm_snapshots", snapshots),
            )
            for table, columns in tables:
                if columns is not None:
                    self._insert(table, run_id, {rename.get(k, k): v for k, v in columns.items()})

    def write_failed_run(
        self,
        run_id: str,
        *,
        scenario_name: str,
        scenario_json: dict[str, Any],
        seed: int,
        started: datetime,
        error: str,
        experiment: dict[str, Any] | None = None,
    ) -> None:
        """Record a run that raised, with its error, and nothing else of it."""
        with self.transaction() as con:
            self._replace_run_row(
                con,
                run_id,
                status="failed",
                error=error,
                scenario_name=scenario_name,
                scenario_json=scenario_json,
                seed=seed,
                started=started,
                experiment=experiment,
            )

    def run_ids(self, status: str = "done") -> list[str]:
        rows = self.con.execute(
            "SELECT run_id FROM runs WHERE status = ? ORDER BY finished", [status]
        ).fetchall()
        return [r[0] for r in rows]

    def latest_run(self) -> str:
        row = self.con.execute(
            "SELECT run_id FROM runs WHERE status = 'done' ORDER BY finished DESC LIMIT 1"
        ).fetchone()
        if row is None:
            raise StoreError("the store holds no finished run", file=self.path)
        return str(row[0])

    def run(self, run_id: str) -> dict[str, Any]:
        row = self.con.execute(
            "SELECT run_id, scenario_name, scenario_json, seed, helix_version, started, finished,"
            " status FROM runs WHERE run_id = ?",
            [run_id],
        ).fetchone()
        if row is None:
            raise StoreError(f"no run {run_id!r} in the store", file=self.path, key="run_id")
        keys = [
            "run_id",
            "scenario_name",
            "scenario_json",
            "seed",
            "helix_version",
            "started",
            "finished",
            "status",
        ]
        out = dict(zip(keys, row, strict=True))
        out["scenario_json"] = json.loads(out["scenario_json"])
        return out


def _reason(exc: BaseException) -> str:
    """The first line of a DuckDB error, in the user's words where we know them."""
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    low = text.lower()
    if "checksum" in low or "corrupt" in low:
        return "the file is corrupt: a block's checksum does not match; restore it or use another"
    if "no space left" in low:
        return "no space left on the device"
    return text


_VERIFIED: dict[tuple[str, int, int], None] = {}
"""Files whose blocks were read whole, by (path, mtime, size): the dashboard opens the store
per request and should not scan it each time."""


def verify_blocks(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Read every column of every table once, so that DuckDB checks each block's checksum.

    DuckDB verifies a block only when it reads it; ``count(*)`` is answered from metadata, so
    each column is aggregated (a hash sum: cheap, and nothing can answer it from statistics).
    About 0.1 s per 10 MB; a file already verified unchanged is not read again.

    Raises:
        StoreError: a block is corrupt.
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return  # an in-memory database, or a file another check will name
    key = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)
    if key in _VERIFIED:
        return
    tables = con.execute(
        "SELECT table_name, list(column_name ORDER BY ordinal_position)"
        " FROM information_schema.columns WHERE table_schema = 'main'"
        " AND table_name IN (SELECT table_name FROM duckdb_tables())"
        " GROUP BY table_name"
    ).fetchall()
    for table, columns in tables:
        sums = ", ".join(f'sum(hash("{c}"))' for c in columns)
        try:
            con.execute(f'SELECT {sums} FROM "{table}"').fetchall()
        except duckdb.Error as exc:
            raise StoreError(
                f"cannot read table {table} ({_reason(exc)})", file=path, key="--db"
            ) from None
    _VERIFIED[key] = None


def indicator_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[Any, ...]]:
    """Every indicator row of a run, in a stable order (for comparisons)."""
    return con.execute(
        "SELECT date, city, district, sector, indicator, value FROM indicators WHERE run_id = ?"
        " ORDER BY indicator, date, city, district NULLS FIRST, sector NULLS FIRST",
        [run_id],
    ).fetchall()


def observations(con: duckdb.DuckDBPyConnection, run_id: str) -> Observations:
    """The dense observations of a stored run, rebuilt from its ``indicators`` rows.

    The labels come in the order of the run's scenario (as the run had them), so measures of
    :mod:`helix.experiments.measures` give a stored run the answer they gave the live one. A run
    of an experiment that kept only some indicators (``runs.kept``) has only those; a cell it did
    not keep (an indicator kept in its channel city only) is NaN, so that nothing reads as zero
    what was not stored.

    Raises:
        StoreError: no finished run has this id.
    """
    row = con.execute(
        "SELECT scenario_json FROM runs WHERE run_id = ? AND status = 'done'", [run_id]
    ).fetchone()
    if row is None:
        raise StoreError(f"no finished run {run_id!r} in the store", key="run_id")
    scenario = json.loads(row[0])
    cities = list(scenario.get("cities", {}))
    sectors = list(scenario.get("sectors", {}))
    districts = list(scenario.get("districts", {}))
    district_city = np.array(
        [cities.index(scenario["districts"][d]["city"]) for d in districts], dtype=np.int32
    )
    months = [
        str(m)
        for (m,) in con.execute(
            "SELECT DISTINCT date FROM indicators WHERE run_id = ? ORDER BY date", [run_id]
        ).fetchall()
    ]
    names = list(INDICATORS)
    # Each row's indicator as its position in INDICATORS (-1: one this helix does not know), and
    # the rows sorted by it, so that each indicator's rows are one slice.
    cols = con.execute(
        "SELECT coalesce(list_position($6, indicator) - 1, -1) AS indicator,"
        " list_position($2, date) - 1 AS month,"
        " coalesce(list_position($3, city) - 1, -1) AS city,"
        " coalesce(list_position($4, district) - 1, -1) AS district,"
        " coalesce(list_position($5, sector) - 1, -1) AS sector, value"
        " FROM indicators WHERE run_id = $1 ORDER BY indicator",
        [run_id, months, cities, districts, sectors, names],
    ).fetchnumpy()
    t, nc, ns, nd = len(months), len(cities), len(sectors), len(districts)
    # Imported here: the world's indicators load numba's kernels, which a command that only
    # reads the store (helix report, helix --help) need not wait for.
    from helix.world.indicators import Observations

    obs = Observations(months, cities, districts, sectors, district_city)
    code = np.asarray(cols["indicator"])
    bounds = np.searchsorted(code, np.arange(len(names) + 1), side="left")
    month_of = np.asarray(cols["month"])
    value_of = np.asarray(cols["value"], dtype=float)
    for k, (name, info) in enumerate(INDICATORS.items()):
        rows = slice(bounds[k], bounds[k + 1])
        if rows.start == rows.stop:
            continue  # not kept
        month, value = month_of[rows], value_of[rows]
        if info.dims == "city_sector":
            arr = np.full((t, nc, ns), np.nan)
            arr[month, np.asarray(cols["city"])[rows], np.asarray(cols["sector"])[rows]] = value
            obs.city_sector[name] = arr
        elif info.dims == "city":
            arr = np.full((t, nc), np.nan)
            arr[month, np.asarray(cols["city"])[rows]] = value
            obs.city[name] = arr
        else:
            arr = np.full((t, nd), np.nan)
            arr[month, np.asarray(cols["district"])[rows]] = value
            obs.district[name] = arr
    return obs
