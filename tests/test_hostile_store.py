"""The store and experiments under attack (issue 10): each ends in one line, exit 2, nothing lost.

A full disk (a real tmpfs, mounted here where the test may) and a corrupt database (random bytes
over blocks the tables use) are real, not mocked; the other cases go through the CLI as a user
would, or through the coordinator with real worker processes that die.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from helix.dashboard.storeviews import StoreGate
from helix.errors import StoreError
from helix.experiments.design import load_experiment
from helix.experiments.executors import ExecutorBackend, LocalPool
from helix.experiments.runner import (
    MAX_LOSSES,
    process_start,
    read_status,
    run_experiment,
    status_file,
)
from helix.experiments.summary import samples_needed
from helix.store import Store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TINY_WHAT_IF = EXAMPLES / "tiny-corridor-what-if.toml"
HELIX = Path(sys.executable).parent / "helix"
TINY_RUN = ("run", "tiny-corridor", "--until", "2020-06", "--no-report")
# The what-if's rail policy starts 2022-01: a run to 2022-03 sees it (and warns of nothing).
TINY_EXP = ("--until", "2022-03", "--replicates", "1", "--workers", "1")
BLOCK = 262_144  # DuckDB's block size; blocks follow three 4 KiB headers
HEADERS = 3 * 4096


def one_line_error(stderr: str, returncode: int, *parts: str) -> str:
    """Exit 2, one line on stderr holding each of ``parts``, no traceback."""
    assert returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    assert "Traceback" not in stderr
    return lines[0]


def helix(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HELIX), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
    )


def stored(db: Path) -> tuple[list[tuple[Any, ...]], int]:
    """The runs (id, status) and indicator rows of a store, read behind helix's back."""
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT run_id, status FROM runs ORDER BY run_id").fetchall()
        rows = con.execute("SELECT count(*) FROM indicators").fetchone()
    assert rows is not None
    return runs, int(rows[0])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------ item 1: a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB tmpfs, mounted for the test and unmounted after it."""
    mount = tmp_path / "small"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte with one file; return it."""
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path: Path, small_disk: Path) -> None:
    db = small_disk / "r.duckdb"
    first = helix(*TINY_RUN, "--db", db, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = stored(db)
    assert len(before[0]) == 1 and before[1] > 0

    filler = fill(small_disk)
    run = helix(*TINY_RUN, "--db", db, cwd=tmp_path)
    one_line_error(run.stderr, run.returncode, str(db), "no space left")
    exp = helix("experiment", TINY_WHAT_IF, *TINY_EXP, "--db", db, cwd=tmp_path)
    one_line_error(exp.stderr, exp.returncode, str(db), "no space left")
    filler.unlink()

    # The earlier run survived; neither the run nor the experiment left any part of itself.
    assert stored(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM experiments").fetchone() == (0,)
    assert not list(small_disk.glob("*.status.json"))

    # With room again, the same commands work on the same file.
    again = helix(*TINY_RUN, "--db", db, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(stored(db)[0]) == 2


# --------------------------------------------------------------- item 2: a corrupt database


def corrupt_blocks_of(db: Path, table: str) -> list[int]:
    """Write random bytes over the blocks ``table`` uses (past each block's checksum)."""
    with duckdb.connect(str(db), read_only=True) as con:
        blocks = sorted(
            {
                int(b)
                for (b,) in con.execute(
                    "SELECT block_id FROM pragma_storage_info(?) WHERE block_id >= 0", [table]
                ).fetchall()
            }
        )
    assert blocks, f"{table} uses no block of its own"
    with db.open("r+b") as f:
        for block in blocks:
            f.seek(HEADERS + block * BLOCK + 4096)
            f.write(os.urandom(65536))
    return blocks


@pytest.mark.slow
def test_a_corrupt_database_is_named_and_not_written_into(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    assert helix(*TINY_RUN, "--db", db, cwd=tmp_path).returncode == 0
    corrupt_blocks_of(db, "indicators")
    bytes_before = digest(db)

    run = helix(*TINY_RUN, "--db", db, cwd=tmp_path)
    one_line_error(run.stderr, run.returncode, str(db), "corrupt")
    report = helix("report", "--db", db, "--out", tmp_path / "rep", cwd=tmp_path)
    one_line_error(report.stderr, report.returncode, str(db), "corrupt")
    exp = helix("experiment", TINY_WHAT_IF, *TINY_EXP, "--db", db, cwd=tmp_path)
    one_line_error(exp.stderr, exp.returncode, str(db), "corrupt")
    status = helix("experiment", "status", TINY_WHAT_IF, *TINY_EXP[:4], "--db", db, cwd=tmp_path)
    one_line_error(status.stderr, status.returncode, str(db), "corrupt")

    assert digest(db) == bytes_before  # nothing was written into it
    assert not (tmp_path / "rep").exists()
    assert not list(tmp_path.glob("*.wal"))


def test_a_store_with_a_corrupt_block_is_refused_when_opened(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        store.con.execute(
            "INSERT INTO indicators SELECT 'r', '2020-01', 'A', NULL, NULL, 'firms', range"
            " FROM range(200000)"
        )
    corrupt_blocks_of(db, "indicators")
    for read_only in (False, True):
        with pytest.raises(StoreError, match="corrupt") as caught:
            Store(db, read_only=read_only)
        assert caught.value.file == str(db)


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    db.write_bytes(os.urandom(300_000))
    bytes_before = digest(db)
    with pytest.raises(StoreError) as caught:
        Store(db)
    assert caught.value.file == str(db) and "cannot open database" in caught.value.reason
    assert digest(db) == bytes_before


# ------------------------------------------------------------ item 8: a bogus --cluster


@pytest.mark.slow
@pytest.mark.parametrize("address", ["bogus", "tcp://127.0.0.1:1", "silent"])
def test_a_bad_cluster_address_fails_fast_and_quietly(tmp_path: Path, address: str) -> None:
    listener = None
    if address == "silent":  # something that accepts connections and never speaks Dask
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    try:
        started = time.monotonic()
        done = helix(
            "experiment", TINY_WHAT_IF, "--cluster", address, "--db", "r.duckdb", cwd=tmp_path
        )
        seconds = time.monotonic() - started
    finally:
        if listener is not None:
            listener.close()
    one_line_error(done.stderr, done.returncode, "--cluster", address)
    assert "Exception ignored" not in done.stderr
    assert seconds < 15  # import (~3 s) plus at most the 5 s connect timeout
    assert not (tmp_path / "r.duckdb").exists()


# ------------------------------------------------------- item 10: lost workers are not failures


class _KillsItsWorker:
    """Unpickling this in a worker process ends that process (a crash mid-experiment)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os._exit, (3,))


def _killing(monkeypatch: pytest.MonkeyPatch, exp: Any, victims: dict[str, int]) -> Counter[str]:
    """Make each run in ``victims`` kill its worker on its first ``victims[run_id]`` tries."""
    real = type(exp).scenario
    tries: Counter[str] = Counter()

    def scenario(self: Any, spec: Any) -> Any:
        tries[spec.run_id] += 1
        if tries[spec.run_id] <= victims.get(spec.run_id, 0):
            return _KillsItsWorker()
        return real(self, spec)

    monkeypatch.setattr(type(exp), "scenario", scenario)
    return tries


@pytest.mark.slow
def test_two_lost_workers_mark_no_healthy_run_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = load_experiment(TINY_WHAT_IF, until="2022-03", replicates=3)
    runs = list(exp.runs())
    # One run kills its worker on its first two tries: two breaks of the pool, each taking
    # every run in flight with it. Before, each break cost them a try, and runs caught in
    # both were recorded as failed.
    tries = _killing(monkeypatch, exp, {runs[1].run_id: 2})
    with Store(tmp_path / "k.duckdb") as store, LocalPool(2) as pool:
        report = run_experiment(exp, store, pool)
        generations = pool.generation
        failed = store.con.execute("SELECT count(*) FROM runs WHERE status = 'failed'").fetchone()
    assert generations >= 2
    assert (report.done, report.failed, report.pending) == (exp.total, 0, 0)
    assert failed == (0,)
    assert tries[runs[1].run_id] == 3


@pytest.mark.slow
def test_a_run_that_kills_its_worker_every_time_is_failed_in_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = load_experiment(TINY_WHAT_IF, until="2022-03", replicates=3)
    killer = list(exp.runs())[2].run_id
    _killing(monkeypatch, exp, {killer: 10**6})
    # The runs in flight beside it are lost with it once, then redone alone and stored.
    with Store(tmp_path / "k.duckdb") as store, LocalPool(2) as pool:
        report = run_experiment(exp, store, pool)
        errors = store.con.execute("SELECT run_id, error FROM runs WHERE status = 'failed'")
        rows = errors.fetchall()
    assert (report.done, report.failed) == (exp.total - 1, 1)
    assert [r for r, _ in rows] == [killer]
    assert f"lost {MAX_LOSSES} times" in rows[0][1]


# ----------------------------------------------------------------- item 11: a stale status


@contextmanager
def held(db: Path) -> Iterator[None]:
    """Another process holds ``db`` open for writing, as a running coordinator does."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r});"
            " print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def _status_while_held(tmp_path: Path, status: dict[str, Any]) -> dict[str, Any]:
    """The status of an experiment while another process holds the database and a status
    file beside it says ``status``."""
    exp = load_experiment(TINY_WHAT_IF, until="2022-03", replicates=1)
    db = tmp_path / "s.duckdb"
    with Store(db):
        pass
    status_file(db, exp.experiment_id).write_text(json.dumps(status))
    with held(db):
        return read_status(db, exp)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


COUNTS = {"total": 2, "done": 1, "failed": 0, "pending": 1, "running": 1}


def test_a_dead_coordinator_s_status_is_not_reported_as_live(tmp_path: Path) -> None:
    dead = _dead_pid()
    with pytest.raises(StoreError, match=f"not running .*pid {dead}, is gone") as caught:
        _status_while_held(tmp_path, {**COUNTS, "pid": dead})
    assert caught.value.file == str(tmp_path / "s.duckdb")


def test_a_reused_pid_is_not_the_coordinator(tmp_path: Path) -> None:
    # Our own pid, alive, but started at another moment than the coordinator that wrote it.
    me = process_start(os.getpid())
    assert me is not None
    status = {**COUNTS, "pid": os.getpid(), "process_start": me + 12345}
    with pytest.raises(StoreError, match="not running"):
        _status_while_held(tmp_path, status)


def test_a_live_coordinator_s_status_is_read_from_its_file(tmp_path: Path) -> None:
    # The test process plays the coordinator that wrote the file.
    status = {**COUNTS, "pid": os.getpid(), "process_start": process_start(os.getpid())}
    assert _status_while_held(tmp_path, status) == {
        "total": 2,
        "done": 1,
        "failed": 0,
        "pending": 1,
        "running": True,
        "pid": os.getpid(),
    }


def test_a_stale_status_file_beside_a_free_store_says_not_running(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    exp = load_experiment(TINY_WHAT_IF, until="2022-03", replicates=1)
    db = tmp_path / "s.duckdb"
    with Store(db):
        pass
    status_file(db, exp.experiment_id).write_text(json.dumps({**COUNTS, "pid": _dead_pid()}))
    flags = ("--until", "2022-03", "--replicates", "1", "--db", db)
    result = cli("experiment", "status", TINY_WHAT_IF, *flags)
    assert result.exit_code == 0, result.stderr
    assert "0 done" in result.stdout and "not running" in result.stdout
    assert read_status(db, exp)["running"] is False


# --------------------------------------------------------- item 12: a missing database


def test_a_missing_database_is_an_error_for_every_reader(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    db = tmp_path / "nosuch.duckdb"
    status = cli("experiment", "status", EXAMPLES / "fast-rail.toml", "--db", db)
    one_line_error(status.stderr, status.exit_code, str(db), "no such database")
    report = cli("report", "--db", db)
    one_line_error(report.stderr, report.exit_code, str(db), "no such database")
    with pytest.raises(StoreError, match="no such database"), StoreGate(db).cursor():
        pass
    assert not db.exists() and not list(tmp_path.glob("nosuch*"))


# ------------------------------------------------- item 13: a variant outside its run's months


def test_a_variant_that_starts_after_the_run_is_named_with_its_month() -> None:
    short = load_experiment(EXAMPLES / "fast-rail.toml", until="2022-12", scale=0.03)
    assert len(short.warnings) == 1
    assert "variants.fast-rail" in short.warnings[0] and "2026-01" in short.warnings[0]
    # Moving an end that lies after the run changes nothing either.
    no_tax = load_experiment(EXAMPLES / "no-tax-break.toml", until="2022-12", scale=0.03)
    assert len(no_tax.warnings) == 1 and "2025-12" in no_tax.warnings[0]
    # The README's quick experiment: every change inside the run, no warning.
    assert load_experiment(EXAMPLES / "fast-rail.toml", until="2027-12", scale=0.03).warnings == []
    assert load_experiment(EXAMPLES / "no-tax-break.toml", until="2027-12").warnings == []


def test_the_readme_s_quick_experiment_changes_something() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if "a quick, small version" in x)
    command = line.split("`")[1].split()
    assert command[:2] == ["helix", "experiment"]
    file, until = command[2], command[command.index("--until") + 1]
    assert load_experiment(ROOT / file, until=until).warnings == []


@pytest.mark.slow
def test_an_idle_variant_warns_on_stderr_and_in_json(tmp_path: Path) -> None:
    done = helix(
        "experiment",
        TINY_WHAT_IF,
        "--until",
        "2021-06",
        "--replicates",
        "1",
        "--workers",
        "1",
        "--db",
        "r.duckdb",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helix: warning:")
    assert "variants.fast-rail" in lines[0] and "2022-01" in lines[0]
    payload = json.loads(done.stdout)
    assert payload["warnings"] == [lines[0].removeprefix("helix: warning: ")]
    differences = [r for r in payload["summary"]["rows"] if r["statistic"] == "difference"]
    assert differences and all(r["value"] == 0 for r in differences)  # what the warning said


# ------------------------------------------------ item 14: a Sobol sweep with too few samples

SOBOL = """
name = "too-few"
scenario = "tiny-corridor"
until = "2021-06"
replicates = 1
[sweep]
design = "sobol"
samples = {samples}
[uncertainties.hiring]
key = "parameters.growth.hiring_response"
low = 0.005
high = 0.05
[uncertainties.hurdle]
key = "parameters.funding.hurdle"
low = -0.5
high = 1.5
[outcomes.alder_firms]
indicator = "firms"
city = "Alder"
statistic = "final"
"""


def test_samples_needed_grows_with_the_square_of_the_width() -> None:
    assert samples_needed(8, 0.1, 1.0, "sobol") == 8
    assert samples_needed(8, 0.4, 1.0, "sobol") == 128  # 4x narrower needs 16x the samples
    assert samples_needed(8, 6.79, 1.0, "sobol") == 65536
    assert samples_needed(10, 0.2, 1.0, "morris") == 40


@pytest.fixture(scope="module")
def too_few_sobol(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """The sweep with too few samples, run once into a store: its file, the store and the
    report (the command line's test reads the same store back)."""
    folder = tmp_path_factory.mktemp("sobol")
    file = folder / "sobol.toml"
    file.write_text(SOBOL.format(samples=4))
    exp = load_experiment(file)
    db = folder / "s.duckdb"
    with Store(db) as store, ExecutorBackend(ThreadPoolExecutor(2), 2) as ex:
        report = run_experiment(exp, store, ex)
    assert (report.done, report.failed) == (exp.total, 0)
    return file, db, report


@pytest.mark.slow
def test_too_few_sobol_samples_are_flagged_with_the_samples_needed(
    too_few_sobol: tuple[Path, Path, Any],
) -> None:
    _, _, report = too_few_sobol
    s1 = [r for r in report.summary.rows if r.statistic in ("S1", "ST") and r.value is not None]
    assert s1 and any(r.high - r.value > abs(r.value) for r in s1)  # type: ignore[operator]
    [warning] = report.summary.warnings
    assert "alder_firms (baseline)" in warning and "wider than the index" in warning
    needed = int(warning.split("about ")[1].split()[0])
    assert needed > 4 and needed & (needed - 1) == 0  # a Sobol N: a power of two
    assert report.to_json()["summary"]["warnings"] == [warning]


@pytest.mark.slow
def test_too_few_sobol_samples_warn_in_the_table_and_in_json(
    tmp_path: Path, too_few_sobol: tuple[Path, Path, Any]
) -> None:
    # The runs are in a copy of the store the sweep above was run into: the command finds them
    # done and summarises them, as it does when rerun (the warning is the summary's).
    file, db, _ = too_few_sobol
    shutil.copyfile(db, tmp_path / "r.duckdb")
    args = ("experiment", file, "--workers", "2", "--db", "r.duckdb")
    printed = helix(*args, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    words = " ".join(printed.stdout.split())  # the caption wraps to the table's width
    assert "warning: sobol indices of alder_firms (baseline)" in words
    assert printed.stderr.count("helix: warning:") == 1
    as_json = helix(*args, "--json", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    assert len(json.loads(as_json.stdout)["warnings"]) == 1


def test_a_reliable_sweep_carries_no_warning() -> None:
    from helix.experiments.summary import uncertain_indices
    from helix.store.experiments import SummaryRow

    exp = load_experiment(EXAMPLES / "sobol-main-parameters.toml", samples=4)
    tight = [SummaryRow("baseline", "o", "S1", "p", 0.5, 0.45, 0.55, 8, 0)]
    assert uncertain_indices(tight, exp) is None
    wide = [SummaryRow("baseline", "o", "S1", "p", -0.906, -7.696, 5.884, 8, 0)]
    warning = uncertain_indices(wide, exp)
    assert warning is not None and "±6.79" in warning
