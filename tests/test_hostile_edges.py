"""Hostile names, report folders and what a newcomer expects of the command line (issue 10).

Names with Rich markup or matplotlib mathtext are printed and drawn exactly as written; a report
folder holds one report, swapped in whole, so a full disk (a real tmpfs, where the test can
mount one) leaves the previous report as it was; `--version`, `-h`, tables that fit 80 columns
and progress while a command stores and reports.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from rich.console import Console

from helix.cli.printing import print_validation
from helix.cli.run import targets_table
from helix.errors import StoreError
from helix.experiments.validation import ValidationResult
from helix.experiments.validation.facts import FACTS
from helix.experiments.validation.job import FactResult
from helix.report import static
from helix.report.folder import MARKER, report_files, swapped_in
from helix.scenario.load import load_scenario, read_default_text

HELIX = Path(sys.executable).parent / "helix"
# The module, not the Typer object that helix.cli exports under the same name.
cli_app = importlib.import_module("helix.cli.app")
TINY = ("--until", "2020-06")


def one_line_error(result: Any, *parts: str) -> str:
    """Exit 2, one line on stderr holding each of ``parts``, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def tiny_world(path: Path, name: str = "tiny-corridor", city: str = "Birch") -> Path:
    """The tiny world with its name and its second city (Birch) renamed, written to ``path``."""
    text = read_default_text("tiny-corridor")
    text = text.replace('name = "tiny-corridor"', f"name = {json.dumps(name)}", 1)
    text = text.replace("[cities.Birch]", f"[cities.{json.dumps(city)}]")
    text = text.replace('"Birch"', json.dumps(city))
    path.write_text(text, encoding="utf-8")
    return path


def report_folder(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------------ names as written


@pytest.mark.parametrize(
    ("name", "city"),
    [
        ("rich [/] close [bold", "Wuxi[/red]"),
        ("delta [v2]", "[bold]Birch[/bold]"),
    ],
)
def test_markup_in_names_is_printed_as_written(cli, tmp_path, name, city):
    world = tiny_world(tmp_path / "world.toml", name, city)
    db = tmp_path / "db [red]"
    result = cli("run", world, *TINY, "--db", db, "--no-report")
    assert result.exit_code == 0, result.stderr
    assert name in result.stdout
    assert city in result.stdout
    assert str(db) in result.stdout.replace("\n", "")


@pytest.mark.slow
def test_a_report_folder_with_markup_in_its_name_is_printed_as_written(cli, tmp_path):
    world = tiny_world(tmp_path / "world.toml", "delta [v2]", "Wuxi[/red]")
    out = tmp_path / "report [v2]"
    result = cli("run", world, *TINY, "--db", tmp_path / "r.duckdb", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert str(out / "report.html") in result.stdout.replace("\n", "")
    again = cli("report", "--db", tmp_path / "r.duckdb", "--out", out)
    assert again.exit_code == 0, again.stderr
    assert str(out / "report.html") in again.stdout.replace("\n", "")


@pytest.mark.slow
def test_a_variant_with_markup_in_its_name_is_printed_as_written(cli, tmp_path):
    experiment = tmp_path / "exp.toml"
    experiment.write_text(
        'name = "what [b]if[/b]"\nscenario = "tiny-corridor"\nreplicates = 1\n'
        '[variants."delta [v2]".scenario.policies.fast-rail]\nkind = "rail"\n'
        'cities = ["Alder", "Birch"]\nstart = "2020-03"\nvalue = 0.5\n'
        '[outcomes."firms [/]"]\nindicator = "firms"\ncity = "Alder"\nstatistic = "final"\n',
        encoding="utf-8",
    )
    result = cli(
        "experiment", experiment, "--until", "2020-06", "--workers", "1", "--db", tmp_path / "e.db"
    )
    assert result.exit_code == 0, result.stderr
    for text in ("what [b]if[/b]", "delta [v2]", "firms [/]"):
        assert text in result.stdout, text


@pytest.mark.slow
def test_mathtext_in_names_still_gives_json_and_pngs(cli, tmp_path):
    world = tiny_world(tmp_path / "world.toml", "mathtext $\\frac{$", "$\\frac{$ Birch")
    out = tmp_path / "rep"
    args = ("--db", tmp_path / "r.duckdb", "--json", "--out", out, "--png")
    result = cli("run", world, *TINY, *args)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["report"] == str(out / "report.html")
    pngs = list(out.glob("*.png"))
    assert len(pngs) > 5
    listed = json.loads((out / MARKER).read_text())["files"]
    assert sorted(listed) == sorted(["report.html", *(p.name for p in pngs)])


@pytest.mark.slow
def test_names_no_font_can_draw_are_said_once_not_warned_per_glyph(cli, tmp_path):
    world = tiny_world(tmp_path / "world.toml", "长三角", "上海")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        args = ("--db", tmp_path / "r.duckdb", "--out", tmp_path / "r", "--png")
        result = cli("run", world, *TINY, *args)
    assert result.exit_code == 0, result.stderr
    assert "上海" in result.stdout
    assert not [w for w in caught if "Glyph" in str(w.message)]
    has_cjk_font = len(static._style()["font.sans-serif"]) > 1
    notes = result.stderr.count(static.MISSING_GLYPHS)
    assert notes == (0 if has_cjk_font else 1), result.stderr


# ----------------------------------------------------------------------------- report folders


@pytest.mark.slow
def test_a_report_folder_holds_exactly_one_report(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    out = tmp_path / "rep"
    assert cli("run", "tiny-corridor", *TINY, "--db", db, "--no-report").exit_code == 0
    assert cli("report", "--db", db, "--out", out).exit_code == 0
    first = report_folder(out)
    (out / "stale.png").write_bytes(b"an old figure")  # as left by an older report
    (out / MARKER).write_text(json.dumps({"files": [*first, "stale.png"]}))
    # A second run (its own report is not the point: --no-report), then the report again.
    run = cli("run", "tiny-corridor", *TINY, "--seed", "3", "--db", db, "--no-report")
    assert run.exit_code == 0
    assert cli("report", "--db", db, "--out", out).exit_code == 0
    assert report_folder(out) == first
    listed = json.loads((out / MARKER).read_text())["files"]
    assert sorted([*listed, MARKER]) == first
    assert report_folder(tmp_path) == ["cwd", "r.duckdb", "rep"], "no temporary folder left"


@pytest.mark.slow
def test_a_report_that_fails_half_way_leaves_the_old_one_whole(cli, tmp_path, monkeypatch):
    db = tmp_path / "r.duckdb"
    out = tmp_path / "rep"
    assert cli("run", "tiny-corridor", *TINY, "--db", db, "--out", out, "--png").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    drawn = []

    def full_disk_on_the_third(spec: Any, path: Path, missing: Any = None) -> Path:
        drawn.append(path)
        if len(drawn) == 3:
            raise OSError(28, "No space left on device")
        path.write_bytes(b"png")
        return path

    monkeypatch.setattr(static, "render", full_disk_on_the_third)
    one_line_error(
        cli("report", "--db", db, "--out", out, "--png"),
        str(out),
        "--out",
        "No space left on device",
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert report_folder(tmp_path) == ["cwd", "r.duckdb", "rep"]


def test_a_report_refuses_a_folder_that_is_not_a_report(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    assert cli("run", "tiny-corridor", *TINY, "--db", db, "--no-report").exit_code == 0
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("precious")
    one_line_error(cli("report", "--db", db, "--out", other), str(other), "--force")
    assert report_folder(other) == ["thesis.tex"]
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    one_line_error(cli("report", "--db", db, "--out", a_file), str(a_file), "not a folder")
    assert a_file.read_text() == "x"
    ran = cli("run", "tiny-corridor", *TINY, "--db", db, "--out", other)
    assert ran.exit_code == 0, ran.stderr
    assert f"no report: {other}: --out: folder is not empty" in ran.stderr
    assert report_folder(other) == ["thesis.tex"]


@pytest.mark.slow
def test_force_writes_a_report_beside_the_files_and_deletes_none(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    assert cli("run", "tiny-corridor", *TINY, "--db", db, "--no-report").exit_code == 0
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("precious")
    for _ in range(2):
        forced = cli("report", "--db", db, "--out", other, "--force")
        assert forced.exit_code == 0, forced.stderr
    assert (other / "thesis.tex").read_text() == "precious"
    listed = json.loads((other / MARKER).read_text())["files"]
    assert sorted(report_folder(other)) == sorted([*listed, MARKER, "thesis.tex"])


@pytest.mark.slow
def test_run_out_keeps_two_runs_reports_apart(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    for seed, folder in (("1", "a"), ("2", "b")):
        done = cli("run", "tiny-corridor", *TINY, "--seed", seed, "--db", db, "--out", folder)
        assert done.exit_code == 0, done.stderr
    a, b = (Path.cwd() / f / "report.html" for f in ("a", "b"))
    assert a.read_text() != b.read_text()


def _mount_tmpfs(mount: Path, size: str) -> None:
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")


def _fill(folder: Path) -> None:
    with (folder / "filler").open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


@pytest.mark.slow
def test_a_report_on_a_full_disk_leaves_the_old_report_whole(tmp_path):
    """A real 6 MB tmpfs: one report fits; once the disk is full a new one fails cleanly."""
    mount = tmp_path / "small"
    mount.mkdir()
    _mount_tmpfs(mount, "6m")
    try:
        db = tmp_path / "r.duckdb"
        env = {**os.environ, "COLUMNS": "80"}

        def helix(*args: str | Path) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(HELIX), *map(str, args)],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
            )

        out = mount / "report"
        first = helix("run", "tiny-corridor", *TINY, "--db", db, "--out", out)
        assert first.returncode == 0, first.stderr
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        _fill(mount)
        again = helix("report", "--db", db, "--out", out)
        assert again.returncode == 2, again.stderr
        lines = again.stderr.strip().splitlines()
        assert len(lines) == 1 and "No space left on device" in lines[0], again.stderr
        assert "Traceback" not in again.stderr
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        assert sorted(p.name for p in mount.iterdir()) == ["filler", "report"]
        fresh = mount / "fresh"
        rep = helix("report", "--db", db, "--out", fresh)
        assert rep.returncode == 2, rep.stderr
        assert not fresh.exists()
    finally:
        subprocess.run(["umount", str(mount)], check=False)


# ------------------------------------------------------------------------------ newcomers

COMMANDS = [
    (),
    ("run",),
    ("report",),
    ("scenario",),
    ("scenario", "show"),
    ("experiment",),
    ("experiment", "run"),
    ("experiment", "status"),
    ("calibrate",),
    ("validate",),
    ("dashboard",),
]


def test_version(cli):
    version = cli("--version")
    assert version.exit_code == 0
    assert version.stdout.strip() == f"helix {cli_app.__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "helix")
def test_short_help_for_every_command(cli, command):
    short = cli(*command, "-h")
    assert short.exit_code == 0, short.stderr
    assert "Usage:" in short.stdout
    assert short.stdout == cli(*command, "--help").stdout


def _lines(render: Any, width: int = 80) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    render(console)
    return console.file.getvalue().splitlines()


def test_the_targets_table_fits_80_columns_in_the_report_s_words():
    world = load_scenario()
    simulated = {
        "T1": 0.21,
        "T2": 45.0,
        "T3": {"2020": 0.74, "2025": 1.09},
        "T4": 3.1,
        "T5": 0.6,
        "T6": 9.0,
        "T7": -0.2,
    }
    stored = SimpleNamespace(
        targets={k: {"simulated": v, "report": None, "pass": True} for k, v in simulated.items()}
    )
    lines = _lines(lambda c: c.print(targets_table(stored, world)))
    assert max(len(line) for line in lines) <= 80
    body = "\n".join(lines)
    # The report's words (the HTML's "crosses 1 between 2020 and 2025"), wrapped in its cell.
    assert "crosses 1 between 2020" in body and "and 2025" in body
    assert "1.09×" in body
    assert "-40% ± 10%" in body and "-20%" in body
    rows = [i for i, line in enumerate(lines) if re.match(r" T\d ", line)]
    assert len(rows) == 7
    assert rows[-1] - rows[0] <= 6 * 2, "at most two lines a target"
    # With the shipped world's spread over seeds beside it: still 80 columns, three lines.
    spread = {
        "seeds": list(range(1, 9)),
        "targets": {
            k: {"simulated": [v] * 8, "pass": [True] * 6 + [False] * 2}
            for k, v in simulated.items()
        },
    }
    lines = _lines(lambda c: c.print(targets_table(stored, world, spread)))
    assert max(len(line) for line in lines) <= 80
    body = "\n".join(lines)
    assert "8 seeds" in body and body.count("6/8") == 7 and "seeds 1-8" in body
    rows = [i for i, line in enumerate(lines) if re.match(r" T\d ", line)]
    assert rows[-1] - rows[0] <= 6 * 3, "at most three lines a target"


def test_the_validation_table_fits_80_columns():
    facts = [
        FactResult(f, [f.published, f.published], f.published, 0.0123, True, 1.0) for f in FACTS
    ]
    result = ValidationResult("delta [v2]", [1, 2], 0.5, "2020-01", "2025-12", facts)
    lines = _lines(lambda c: print_validation(result, c))
    assert max(len(line) for line in lines) <= 80
    assert "delta [v2]" in lines[0]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("1 "))
    end = next(i for i, line in enumerate(lines) if line.startswith("published:"))
    assert end - start <= 3 * len(FACTS), "at most three lines a fact"
    for f in FACTS:
        assert f.name.split()[0] in "\n".join(lines)


def test_progress_says_what_follows_the_simulation(monkeypatch):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(cli_app, "err", console)
    progress = cli_app.LazyProgress("world [v2] 2020-01..2020-12", after="storing the run")
    progress.start -= 5  # as if the simulation had run for five seconds
    # The bar redraws ten times a second: each step is held long enough to be drawn.
    progress(6, 12)
    time.sleep(0.25)
    stored = screen.getvalue()
    progress(12, 12)
    time.sleep(0.25)
    cli_app.report_stages(progress)("drawing the figures as PNG", 3, 14)
    time.sleep(0.25)
    progress.close()
    shown = screen.getvalue()
    assert "world [v2]" in stored
    assert "storing the run" in shown
    assert "report: drawing the figures as PNG" in shown


@pytest.mark.slow
def test_run_and_validate_fit_80_columns_through_the_installed_script(tmp_path):
    done = subprocess.run(
        [str(HELIX), "run", "--until", "2025-12", "--scale", "0.05", "--no-report", "--db", "r.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert "crosses 1 between" in done.stdout and "-40% ± 10%" in done.stdout
    with duckdb.connect(str(tmp_path / "r.db"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)


@pytest.mark.slow
def test_a_figure_that_fails_still_gives_the_run_s_json(cli, tmp_path, monkeypatch):
    def broken(spec: Any, path: Path, missing: Any = None) -> Path:
        raise ValueError("a figure no font can draw")

    monkeypatch.setattr(static, "render", broken)
    db = tmp_path / "r.duckdb"
    args = ("--db", db, "--json", "--out", tmp_path / "rep", "--png")
    result = cli("run", "tiny-corridor", *TINY, *args)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert "report" not in payload
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no report: ValueError: a figure no font can draw" in lines[0]
    assert payload["run_id"] in lines[0]
    assert not (tmp_path / "rep").exists()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM runs").fetchall() == [("done",)]


def test_which_folders_count_as_a_helix_report(tmp_path):
    legacy = tmp_path / "legacy"  # written before reports were marked
    legacy.mkdir()
    for name in ("report.html", "a.png", "b.png"):
        (legacy / name).write_text("x")
    assert report_files(legacy) == {"report.html", "a.png", "b.png"}
    (legacy / "notes.txt").write_text("mine")
    assert report_files(legacy) is None
    marked = tmp_path / "marked"
    marked.mkdir()
    (marked / "report.html").write_text("x")
    (marked / MARKER).write_text(json.dumps({"files": ["report.html", "../outside.txt"]}))
    assert report_files(marked) == {"report.html"}, "a name with a path is not ours to delete"
    (marked / "thesis.tex").write_text("mine")
    assert report_files(marked) is None
    (marked / MARKER).write_text("not json")
    assert report_files(marked) is None


def test_a_forced_report_replaces_only_its_own_files(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("precious")
    (folder / "old.png").write_text("the last report's")
    (folder / MARKER).write_text(json.dumps({"files": ["report.html", "old.png"]}))
    (tmp_path / "outside.txt").write_text("keep")
    with swapped_in(folder, force=True) as fresh:
        (fresh / "report.html").write_text("new")
        (fresh / "new.png").write_text("new")
    assert report_folder(folder) == sorted([MARKER, "new.png", "report.html", "thesis.tex"])
    assert (tmp_path / "outside.txt").read_text() == "keep"
    assert report_folder(tmp_path) == ["mine", "outside.txt"]


def test_a_failed_write_removes_the_fresh_folder_and_keeps_the_old(tmp_path):
    folder = tmp_path / "rep"
    with swapped_in(folder) as fresh:
        (fresh / "report.html").write_text("first")
    with pytest.raises(StoreError, match="cannot write report"), swapped_in(folder) as fresh:
        (fresh / "report.html").write_text("second, half")
        raise OSError(28, "No space left on device")
    assert (folder / "report.html").read_text() == "first"
    assert report_folder(tmp_path) == ["rep"]
