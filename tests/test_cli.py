"""The command line: bad input becomes one line and exit 2 with nothing stored; end to end runs.

Bad input goes through the CLI in-process (Typer's runner, stderr apart from stdout); the
end-to-end tests run the installed ``helix`` script in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import tomli_w

from helix.cli.app import fmt
from helix.cli.run import summary_years
from helix.scenario.load import default_path_label, load_scenario

HELIX = Path(sys.executable).parent / "helix"
DEFAULT = default_path_label()
FAST = ("--until", "2021-12", "--scale", "0.05", "--no-report")


def assert_one_line_error(result: Any, *parts: str) -> str:
    """Exit 2, exactly one line on stderr holding each of ``parts``, no traceback, no stdout."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("helix: error: ")
    for part in parts:
        assert part in line, (part, line)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    return line


# ------------------------------------------------------------------------------- bad files


def _edit_default(edit: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def make(text: str) -> str:
        data = tomllib.loads(text)
        edit(data)
        return tomli_w.dumps(data)

    return make


def _policy(**fields: Any) -> Callable[[dict[str, Any]], None]:
    base = {"kind": "visa", "cities": ["Shanghai"], "start": "2021-01", "value": 2.0}

    def edit(data: dict[str, Any]) -> None:
        data.setdefault("policies", {})["test-policy"] = {**base, **fields}

    return edit


def _shock(**fields: Any) -> Callable[[dict[str, Any]], None]:
    base = {"kind": "export_control", "sectors": ["semiconductors"], "start": "2021-01"}

    def edit(data: dict[str, Any]) -> None:
        data.setdefault("shocks", {})["test-shock"] = {**base, **fields}

    return edit


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node = data
        *tables, last = path.split(".")
        for key in tables:
            node = node.setdefault(key, {})
        node[last] = value

    return edit


def _minutes(change: Callable[[list[list[float]]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        change(data["travel_time"]["minutes"])

    return edit


def _drop_last_column(m: list[list[float]]) -> None:
    m[3].pop()


def _asymmetric(m: list[list[float]]) -> None:
    m[0][1] += 5.0


def _negative(m: list[list[float]]) -> None:
    m[0][1] = m[1][0] = -5.0


BAD_FILES = {
    "unknown key": (_set("cities.Shanghai.colour", "red"), "cities.Shanghai.colour", "unknown key"),
    "unknown top-level key": (_set("colour", "red"), "colour", "unknown key"),
    "unknown parameter": (
        _set("parameters.knowledge.speed_of_light", 1.0),
        "parameters.knowledge.speed_of_light",
        "unknown key",
    ),
    "wrong type": (_set("cities.Shanghai.firms", "many"), "cities.Shanghai.firms", "integer"),
    "wrong type of table": (_set("travel_time", 3), "travel_time", "valid dictionary"),
    "negative budget": (
        _policy(kind="shared_labs", budget_yuan=-1.0),
        "policies.test-policy.budget_yuan",
        "greater than or equal to 0",
    ),
    "share above 1": (
        _set("parameters.talent.top_graduate_share", 1.5),
        "parameters.talent.top_graduate_share",
        "less than or equal to 1",
    ),
    "severity above 1": (_shock(severity=1.5), "shocks.test-shock.severity", "less than or equal"),
    "travel times not square": (_minutes(_drop_last_column), "travel_time.minutes", "square"),
    "travel times not symmetric": (
        _minutes(_asymmetric),
        "travel_time.minutes[0][1]",
        "not symmetric",
    ),
    "negative travel time": (_minutes(_negative), "travel_time.minutes[0][1]", ">= 0"),
    "policy after the run": (
        _policy(start="2040-01"),
        "policies.test-policy.start",
        "outside the run",
    ),
    "policy before the run": (
        _policy(start="2010-06"),
        "policies.test-policy.start",
        "outside the run",
    ),
    "policy ending before it starts": (
        _policy(start="2022-01", end="2021-01"),
        "policies.test-policy.end",
        "before start",
    ),
    "policy with a malformed month": (
        _policy(start="2021-13"),
        "policies.test-policy.start",
        "YYYY-MM",
    ),
    "policy naming an unknown sector": (
        _policy(kind="rd_tax_break", value=0.5, sectors=["teleportation"]),
        "policies.test-policy.sectors",
        "unknown sector 'teleportation'",
    ),
    "reach on a policy that is not a fund": (
        _policy(kind="visa", value=2.0, reach="national"),
        "policies.test-policy.reach",
        "only a guidance_fund has a reach",
    ),
    "guidance fund with no home city": (
        _policy(kind="guidance_fund", budget_yuan=1e9, cities=[]),
        "policies.test-policy.cities",
        "name the city",
    ),
    "policy naming an unknown city": (
        _policy(cities=["Atlantis"]),
        "policies.test-policy.cities",
        "unknown city 'Atlantis'",
    ),
    "shock naming an unknown sector": (
        _shock(sectors=["teleportation"]),
        "shocks.test-shock.sectors",
        "unknown sector 'teleportation'",
    ),
    "shock naming an unknown city": (
        _shock(cities=["Atlantis"]),
        "shocks.test-shock.cities",
        "unknown city 'Atlantis'",
    ),
    "shock after the run": (_shock(start="2036-01"), "shocks.test-shock.start", "outside the run"),
    "tax breaks adding up to free R&D": (
        _policy(kind="rd_tax_break", value=5.0),
        "policies.test-policy.value",
        "must stay below",
    ),
    "a zero wage": (_set("cities.Shanghai.wage", 0.0), "cities.Shanghai.wage", "above 0"),
    "a zero rent": (
        _set("districts.Xuhui.rent_per_m2", 0.0),
        "districts.Xuhui.rent_per_m2",
        "above 0",
    ),
    "a city whose districts take no firms": (
        _set("districts.Binjiang.firm_share", 0.0),
        "cities.Hangzhou",
        "firm_share",
    ),
    "a corporate tax rate of 1": (
        _set("parameters.rd.corporate_tax_rate", 1.0),
        "parameters.rd.corporate_tax_rate",
        "must be below 1",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_scenario_file_is_one_line_and_exit_2(case, cli, default_toml, tmp_path):
    edit, key, reason = BAD_FILES[case]
    path = tmp_path / "world.toml"
    path.write_text(_edit_default(edit)(default_toml), encoding="utf-8")
    db = tmp_path / "runs.duckdb"
    result = cli("run", path, "--db", db)
    line = assert_one_line_error(result, str(path), key, reason)
    assert line.index(str(path)) < line.index(key) < line.rindex(reason)
    assert not db.exists()


def test_a_policy_outside_the_file_s_run_is_an_error_with_until_too(cli, default_toml, tmp_path):
    """``--until`` drops what falls after the shortened run, not what the file got wrong."""
    path = tmp_path / "world.toml"
    path.write_text(_edit_default(_policy(start="2040-01"))(default_toml), encoding="utf-8")
    db = tmp_path / "runs.duckdb"
    result = cli("run", path, *FAST, "--db", db)
    assert_one_line_error(result, str(path), "policies.test-policy.start", "outside the run")
    assert not db.exists()


def test_the_edited_default_itself_is_valid(default_toml, tmp_path):
    """The bad files above differ from a good one only by their edit."""
    path = tmp_path / "world.toml"
    path.write_text(_edit_default(lambda data: None)(default_toml), encoding="utf-8")
    assert load_scenario(path) == load_scenario()


# ------------------------------------------------------------------------------ bad --set

BAD_SETS = {
    "no equals sign": ("foo", "--set foo", "malformed override"),
    "no key": ("=3", "--set =3", "malformed override"),
    "empty key part": ("a..b=3", "--set a..b=3", "malformed override"),
    "bad TOML value": ("name=[1", "--set name=[1", "not a TOML value"),
    "key inside a value": ("name.first=x", "name", "cannot set a key inside a value"),
    "unknown key": ("parameters.knowledge.warp=2", "parameters.knowledge.warp", "unknown key"),
    "wrong type": ("cities.Shanghai.firms=many", "cities.Shanghai.firms", "integer"),
    "share above 1": (
        "parameters.talent.top_graduate_share=1.5",
        "parameters.talent.top_graduate_share",
        "less than or equal to 1",
    ),
    "negative rent": ("districts.Xuhui.rent_per_m2=-3", "districts.Xuhui.rent_per_m2", ">= 0"),
}


@pytest.mark.parametrize("case", list(BAD_SETS))
def test_a_bad_override_is_one_line_and_exit_2(case, cli, tmp_path):
    text, key, reason = BAD_SETS[case]
    db = tmp_path / "runs.duckdb"
    result = cli("run", "--set", text, *FAST, "--db", db)
    if reason == ">= 0":
        reason = "greater than or equal to 0"
    assert_one_line_error(result, DEFAULT, key, reason)
    assert not db.exists()


def test_a_bad_override_names_the_scenario_file(cli, default_toml, tmp_path):
    path = tmp_path / "world.toml"
    path.write_text(default_toml, encoding="utf-8")
    result = cli("run", path, "--set", "nonsense", "--db", tmp_path / "runs.duckdb")
    assert_one_line_error(result, str(path), "--set nonsense", "malformed override")


@pytest.mark.parametrize(
    ("args", "key", "reason"),
    [
        (("--until", "2021-13"), "--until", "YYYY-MM"),
        (("--until", "2019-06"), "end", "before start"),
        (("--scale", "-1"), "scale", "greater than or equal"),
        (("--seed", "-1"), "seed", "greater than or equal to 0"),
    ],
)
def test_bad_run_options_are_one_line_and_exit_2(cli, tmp_path, args, key, reason):
    db = tmp_path / "runs.duckdb"
    assert_one_line_error(cli("run", *args, "--db", db), DEFAULT, key, reason)
    assert not db.exists()


# ----------------------------------------------------------------------------- bad files


def _write_bytes(data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "world.toml"
        path.write_bytes(data)
        return path

    return make


BAD_PATHS = {
    "missing file": (lambda tmp: tmp / "absent.toml", "file not found"),
    "directory": (lambda tmp: tmp, "is a directory"),
    "not UTF-8": (_write_bytes(b'name = "\xff\xfe"\n'), "cannot be read"),
    "not TOML": (_write_bytes(b"this is not TOML at all\n"), "not valid TOML"),
    "JSON": (_write_bytes(json.dumps({"name": "x"}).encode()), "not valid TOML"),
    "empty": (_write_bytes(b""), "required key is missing"),
}


@pytest.mark.parametrize("case", list(BAD_PATHS))
def test_an_unusable_file_is_one_line_and_exit_2(case, cli, tmp_path):
    make, reason = BAD_PATHS[case]
    path = make(tmp_path)
    db = tmp_path / "runs.duckdb"
    assert_one_line_error(cli("run", path, "--db", db), str(path), reason)
    assert not db.exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_one_line_and_exit_2(cli, default_toml, tmp_path):
    path = tmp_path / "world.toml"
    path.write_text(default_toml, encoding="utf-8")
    path.chmod(0)
    try:
        result = cli("run", path, "--db", tmp_path / "runs.duckdb")
    finally:
        path.chmod(0o600)
    assert_one_line_error(result, str(path), "cannot be read")


def test_scenario_show_reports_bad_input_the_same_way(cli, tmp_path):
    assert_one_line_error(cli("scenario", "show", tmp_path / "absent.toml"), "file not found")
    assert_one_line_error(cli("scenario", "show", "--set", "x"), "--set x", "malformed override")


# ------------------------------------------------------------------------- bad databases


def _not_a_database(tmp: Path) -> Path:
    path = tmp / "notes.duckdb"
    path.write_text("just some notes\n" * 200)
    return path


BAD_DBS = {
    "missing folder": (lambda tmp: tmp / "no" / "such" / "runs.duckdb", "folder does not exist"),
    "a directory": (lambda tmp: tmp, "is a directory"),
    "not a database": (_not_a_database, "cannot open database"),
}
if Path("/proc/self").exists():
    BAD_DBS["unwritable place"] = (lambda tmp: Path("/proc/helix-test.duckdb"), "cannot open")


@pytest.mark.parametrize("case", list(BAD_DBS))
def test_an_unwritable_database_is_one_line_and_exit_2(case, cli, tmp_path):
    make, reason = BAD_DBS[case]
    db = make(tmp_path)
    before = db.read_bytes() if db.is_file() else None
    result = cli("run", *FAST, "--db", db)
    assert_one_line_error(result, str(db), "--db", reason)
    if before is not None:
        assert db.read_bytes() == before


@pytest.mark.slow
def test_bad_input_adds_nothing_to_an_existing_store(cli, default_toml, tmp_path):
    db = tmp_path / "runs.duckdb"
    good = cli("run", "--until", "2020-03", "--scale", "0.05", "--no-report", "--db", db, "--json")
    assert good.exit_code == 0, good.stderr

    def counts() -> tuple[int, ...]:
        with duckdb.connect(str(db), read_only=True) as con:
            return tuple(
                con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("runs", "indicators", "firm_events", "firm_snapshots")
            )

    before = counts()
    assert before[0] == 1
    for edit, key, reason in BAD_FILES.values():
        path = tmp_path / "world.toml"
        path.write_text(_edit_default(edit)(default_toml), encoding="utf-8")
        assert_one_line_error(cli("run", path, "--db", db), key, reason)
    for text, key, _ in BAD_SETS.values():
        assert_one_line_error(cli("run", "--set", text, "--db", db), key)
    assert counts() == before


# ----------------------------------------------------------------------------- end to end


def helix(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``helix`` script."""
    return subprocess.run(
        [str(HELIX), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "120"},
    )


@pytest.mark.slow
def test_run_json_prints_one_object_and_stores_the_run(tmp_path):
    db = tmp_path / "runs.duckdb"
    done = helix(
        "run",
        "--until",
        "2025-12",
        "--scale",
        "0.05",
        "--no-report",
        "--db",
        db,
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "{" not in done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    payload = json.loads(lines[0])
    assert set(payload) >= {"run_id", "seconds", "db", "targets"}
    assert payload["db"] == str(db)
    assert isinstance(payload["seconds"], int | float) and payload["seconds"] >= 0
    targets = payload["targets"]
    assert set(targets) == {f"T{i}" for i in range(1, 8)}
    world = load_scenario()
    for name, t in targets.items():
        assert {"simulated", "report"} <= set(t)
        assert t["report"] == world.targets[name].observed
    # T3 gives its two years; T7 a relative fall; T6 a number of months (or null: no recovery).
    assert set(targets["T3"]["simulated"]) == {"2020", "2025"}
    assert isinstance(targets["T7"]["simulated"], float)
    assert targets["T6"]["simulated"] is None or targets["T6"]["simulated"] >= 0
    with duckdb.connect(str(db), read_only=True) as con:
        status = con.execute(
            "SELECT status FROM runs WHERE run_id = ?", [payload["run_id"]]
        ).fetchone()
        rows = con.execute(
            "SELECT count(*) FROM indicators WHERE run_id = ?", [payload["run_id"]]
        ).fetchone()[0]
    assert status == ("done",)
    assert rows > 0


@pytest.mark.slow
def test_run_prints_a_summary(tmp_path):
    done = helix("run", *FAST, "--db", "runs.duckdb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    run_id = (
        duckdb.connect(str(tmp_path / "runs.duckdb"), read_only=True)
        .execute("SELECT run_id FROM runs")
        .fetchone()[0]
    )
    assert run_id in out
    assert "shanghai-delta" in out
    for city in ("Shanghai", "Beijing", "Hefei"):
        assert city in out
    assert not out.lstrip().startswith("{")


def test_run_summary_shows_the_report_figures(cli, tmp_path):
    result = cli(
        "run", "--until", "2025-12", "--scale", "0.05", "--no-report", "--db", tmp_path / "r.duckdb"
    )
    assert result.exit_code == 0, result.stderr
    assert "The report's figures" in result.stdout
    for name in ("T1", "T4", "T7"):
        assert name in result.stdout


def test_run_with_a_seed_and_overrides_stores_them(cli, tmp_path):
    db = tmp_path / "runs.duckdb"
    result = cli(
        "run",
        *FAST,
        "--seed",
        "99",
        "--set",
        "parameters.knowledge.decay_per_minute=0.001",
        "--db",
        db,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    run_id = json.loads(result.stdout)["run_id"]
    with duckdb.connect(str(db), read_only=True) as con:
        seed, stored = con.execute(
            "SELECT seed, scenario_json FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
    stored = json.loads(stored)
    assert seed == 99 == stored["seed"]
    assert stored["parameters"]["knowledge"]["decay_per_minute"] == 0.001
    assert stored["scale"] == 0.05
    assert stored["end"] == "2021-12"


@pytest.mark.slow
def test_scenario_show_round_trips(tmp_path):
    shown = helix("scenario", "show", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    path = tmp_path / "shown.toml"
    path.write_text(shown.stdout, encoding="utf-8")
    assert load_scenario(path) == load_scenario()
    again = helix("scenario", "show", path, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == shown.stdout


def test_scenario_show_applies_overrides(cli):
    result = cli("scenario", "show", "--set", "parameters.rents.natural_vacancy=0.2")
    assert result.exit_code == 0, result.stderr
    assert tomllib.loads(result.stdout)["parameters"]["rents"]["natural_vacancy"] == 0.2


@pytest.mark.slow
def test_a_bad_file_through_the_installed_script(tmp_path):
    """The real entry point: one line on stderr, exit 2, no traceback, no store."""
    path = tmp_path / "world.toml"
    path.write_text('name = "x"\nstart = "2020-01"\n[cities.Shanghai]\ncolour = 1\n')
    done = helix("run", path, "--db", "runs.duckdb", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helix: error: ")
    assert str(path) in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "runs.duckdb").exists()


def test_one_formatter_for_every_table() -> None:
    assert fmt(None) == fmt(float("nan")) == fmt(float("inf"), compact=True) == "—"
    assert fmt(0.123456) == "0.123"
    assert fmt(1234567.0) == "1,234,567"
    assert fmt(1234567.0, compact=True) == "1.23 M"
    assert fmt(2.5e9, compact=True) == "2.5 bn"
    assert fmt(-4200, compact=True) == "-4.2 k"
    assert fmt({"2020": 1.5, "2025": None}) == "2020: 1.5, 2025: —"
    assert fmt("rises") == "rises"


def test_the_summary_shows_the_worlds_present_not_a_fixed_year() -> None:
    months = [f"{y}-{m:02d}" for y in range(2018, 2031) for m in range(1, 13)]
    assert summary_years(months, "2025-12") == ["2018", "2025", "2030"]
    assert summary_years(months, "2022-06") == ["2018", "2022", "2030"]
    assert summary_years(months, None) == ["2018", "2030"]
    assert summary_years(months[:24], "2025-12") == ["2018", "2019"], "a present not simulated"
