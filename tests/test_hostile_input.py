"""Input a new user or an attacker gives (issue 10, items 3, 6, 7, 9, 16, 17): each ends in one
line naming the file, the key and the reason, exit 2, nothing stored; or, for a read-only install,
in a run that works with one warning.

Everything goes through the CLI as a user would; the read-only install is real (read-only bind
mounts in a private mount namespace), skipped with a reason where the test cannot make one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from helix.errors import ScenarioError
from helix.scenario.load import load_scenario
from helix.scenario.memory import (
    GIB,
    Available,
    available_memory,
    check_memory,
    run_memory_bytes,
)

HELIX = Path(sys.executable).parent / "helix"
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TINY = ("tiny-corridor", "--until", "2020-03", "--no-report")


def one_line_error(result: Any, *parts: str) -> str:
    """Exit 2, one line on stderr with each of ``parts``, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def runs_in(db: Path) -> int:
    if not db.exists():
        return 0
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]


# ------------------------------------------------------------------ 6: NaN and inf refused


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
@pytest.mark.parametrize(
    "key",
    [
        "parameters.knowledge.decay_per_minute",  # a P() parameter
        "cities.Alder.sector_mix.software",  # a float inside a table
        "travel_time.minutes.0.1",  # a float inside a matrix
        "sectors.software.revenue_per_worker",  # a sector's float
    ],
)
def test_a_float_that_is_not_a_number_is_refused(cli, tmp_path, key, value):
    db = tmp_path / "runs.duckdb"
    result = cli("run", *TINY, "--db", db, "--set", f"{key}={value}")
    shown = key.replace(".0.1", "[0][1]")
    one_line_error(result, shown, "finite")
    assert runs_in(db) == 0


def test_a_nan_written_in_the_file_is_refused(cli, tmp_path):
    from helix.scenario.load import read_default_text

    text = read_default_text("tiny-corridor")
    assert "\nscale = 1.0\n" in text
    world = tmp_path / "nan.toml"
    world.write_text(text.replace("\nscale = 1.0\n", "\nscale = nan\n", 1))
    db = tmp_path / "r.duckdb"
    one_line_error(cli("run", world, "--db", db, "--no-report"), str(world), "scale", "finite")
    assert not db.exists()


def test_scale_nan_says_it_is_not_a_finite_number(cli, tmp_path):
    line = one_line_error(cli("run", *TINY, "--db", tmp_path / "r.duckdb", "--scale", "nan"))
    assert "finite" in line and "10000" not in line


def test_an_experiment_refuses_nan_and_inf(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    what_if = EXAMPLES / "tiny-corridor-what-if.toml"
    line = one_line_error(cli("experiment", what_if, "--scale", "nan", "--db", db), "scale")
    assert "finite" in line and "10000" not in line
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'name = "x"\nscenario = "tiny-corridor"\nreplicates = 1\n[sweep]\ndesign = "latin"\n'
        '[levers.decay]\nkey = "parameters.knowledge.decay_per_minute"\nlow = 0.0\nhigh = inf\n'
    )
    one_line_error(cli("experiment", sweep, "--db", db), "levers.decay.high", "finite")
    assert not db.exists()


# ----------------------------------------------------------------- 7: absurdly nested files


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 500 + "]" * 500 + "\n",  # RecursionError in the TOML parser
        "[" + ".".join(["a"] * 5000) + "]\n",  # parses, then RecursionError copying it
        "[" + ".".join(["a"] * 100) + "]\n",  # deeper than any real file
    ],
    ids=["arrays", "dotted-header", "hundred-tables"],
)
@pytest.mark.parametrize("command", ["run", "experiment"])
def test_a_deeply_nested_file_is_one_line(cli, tmp_path, text, command):
    deep = tmp_path / "deep.toml"
    deep.write_text(text)
    db = tmp_path / "r.duckdb"
    one_line_error(cli(command, deep, "--db", db), str(deep))
    assert not db.exists()


def test_a_deeply_nested_override_is_one_line(cli, tmp_path):
    value = "[" * 200 + "]" * 200
    one_line_error(cli("run", *TINY, "--db", tmp_path / "r.duckdb", "--set", f"name={value}"))


# ------------------------------------------------------------------------ 17: the horizon


def test_until_past_the_world_s_end_is_refused(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    line = one_line_error(
        cli("run", "tiny-corridor", "--until", "2200-01", "--db", db), "--until", "horizon"
    )
    assert "2024-12" in line  # the world's own end, its horizon by default
    assert not db.exists()


def test_end_set_past_the_horizon_is_refused(cli, tmp_path):
    one_line_error(
        cli("run", *TINY[:1], "--set", "end=2200-01", "--db", tmp_path / "r.duckdb"),
        "end",
        "horizon",
    )


def test_a_world_may_declare_a_later_horizon(cli, tmp_path):
    from helix.scenario.load import read_default_text

    world = tmp_path / "w.toml"
    world.write_text(
        read_default_text("tiny-corridor").replace(
            'end = "2024-12"', 'end = "2024-12"\nhorizon = "2025-06"', 1
        )
    )
    assert load_scenario(world, until="2025-06").end == "2025-06"
    with pytest.raises(ScenarioError, match="horizon 2025-06"):
        load_scenario(world, until="2025-07")
    # A file whose end lies past its own horizon contradicts itself.
    with pytest.raises(ScenarioError, match="end"):
        load_scenario(world, ["horizon=2023-01"])


def test_an_experiment_past_the_horizon_is_refused(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    what_if = EXAMPLES / "tiny-corridor-what-if.toml"
    one_line_error(cli("experiment", what_if, "--until", "2200-01", "--db", db), "until", "horizon")
    assert not db.exists()


# ------------------------------------------------------------- 3: a scale that cannot fit


def test_a_scale_the_machine_cannot_hold_is_refused_before_building(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    started = time.perf_counter()
    line = one_line_error(cli("run", "--scale", "5000", "--no-report", "--db", db), "scale")
    assert "GiB" in line and "available" in line and "--scale" in line
    assert time.perf_counter() - started < 10
    assert not db.exists()


def test_an_experiment_that_cannot_fit_is_refused_before_any_run(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    result = cli("experiment", EXAMPLES / "fast-rail.toml", "--scale", "5000", "--db", db)
    one_line_error(result, "fast-rail.toml", "scale", "GiB")
    assert not db.exists()


def test_calibration_and_validation_that_cannot_fit_are_refused_before_any_run(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    one_line_error(cli("calibrate", "--scale", "5000", "--db", db), "scale", "GiB")
    one_line_error(cli("validate", "--scale", "5000"), "scale", "GiB")
    assert not db.exists()


def test_the_estimate_grows_with_scale_and_months():
    world = load_scenario("tiny-corridor")
    small = run_memory_bytes(world.model_copy(update={"scale": 1.0}))
    large = run_memory_bytes(world.model_copy(update={"scale": 10.0}))
    shorter = run_memory_bytes(load_scenario("tiny-corridor", until="2020-06"))
    assert 9 * small < large < 11 * small  # nearly proportional: observations do not scale
    assert shorter < small
    # Without firm events and snapshots (an experiment's default), less is needed.
    assert run_memory_bytes(world, keep_firms=False) < small


def test_a_run_is_refused_only_when_the_estimate_exceeds_what_is_available():
    world = load_scenario("tiny-corridor")
    needed = run_memory_bytes(world)
    check_memory(world, available=Available(needed + 1, "available"))  # fits: no error
    with pytest.raises(ScenarioError) as caught:
        check_memory(world, label="w.toml", available=Available(needed // 2, "available"))
    assert caught.value.key == "scale" and caught.value.file == "w.toml"
    assert "GiB" in caught.value.reason


def test_available_memory_respects_a_cgroup_limit(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 65536000 kB\nMemAvailable: 33554432 kB\n")  # 32 GiB
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    found = available_memory(meminfo, cgroup)  # no limit file: the machine's figure
    assert found is not None and found.bytes == 32 * GIB
    (cgroup / "memory.max").write_text("max\n")
    assert available_memory(meminfo, cgroup).bytes == 32 * GIB
    (cgroup / "memory.max").write_text(f"{8 * GIB}\n")
    (cgroup / "memory.current").write_text(f"{3 * GIB}\n")
    limited = available_memory(meminfo, cgroup)
    assert limited.bytes == 5 * GIB and "cgroup" in limited.source


# ---------------------------------------------------------------- 16: the wrong kind of file


def test_an_experiment_file_given_to_run_says_so(cli, tmp_path):
    db = tmp_path / "r.duckdb"
    line = one_line_error(cli("run", EXAMPLES / "fast-rail.toml", "--db", db))
    assert "an experiment file" in line and "helix experiment" in line
    assert not db.exists()


def test_a_scenario_file_given_to_experiment_says_so(cli, tmp_path):
    from helix.scenario.load import read_default_text

    world = tmp_path / "world.toml"
    world.write_text(read_default_text("tiny-corridor"))
    db = tmp_path / "r.duckdb"
    line = one_line_error(cli("experiment", world, "--db", db))
    assert "a scenario file" in line and "helix run" in line
    assert not db.exists()


@pytest.mark.parametrize(
    ("override", "key", "nearest"),
    [
        ("parameters.knowledge.decay=0.1", "parameters.knowledge.decay", "decay_per_minute"),
        ("parameters.knowlege.decay_per_minute=0.1", "parameters.knowlege", "knowledge"),
        ("sede=3", "sede", "seed"),
    ],
)
def test_an_unknown_key_in_an_override_suggests_the_nearest(cli, tmp_path, override, key, nearest):
    result = cli("run", *TINY, "--db", tmp_path / "r.duckdb", "--set", override)
    one_line_error(result, key, f"did you mean '{nearest}'")


@pytest.mark.parametrize(
    ("override", "key", "nearest"),
    [
        ("cities.Aldr.firms=3", "cities.Aldr", "Alder"),
        ("policies.core-visa.value=2", "policies.core-visa", "core-visas"),
    ],
)
def test_a_misspelt_name_in_an_override_suggests_the_nearest(cli, tmp_path, override, key, nearest):
    """A misspelt city or policy would make a new one, which lacks its required keys: the line
    names the misspelt entry and the nearest existing one, not a missing key of a new entry."""
    db = tmp_path / "r.duckdb"
    result = cli("run", "tiny-corridor", "--until", "2021-03", "--db", db, "--set", override)
    one_line_error(result, f"{key}: not one of the", f"did you mean '{nearest}'")
    assert not db.exists()


def test_an_unknown_key_in_a_scenario_file_suggests_the_nearest(cli, tmp_path):
    from helix.scenario.load import read_default_text

    world = tmp_path / "w.toml"
    text = read_default_text("tiny-corridor")
    assert "[parameters.knowledge]" not in text
    world.write_text(text + "\n[parameters.knowledge]\ndecay_per_minit = 0.1\n")
    one_line_error(
        cli("run", world, "--db", tmp_path / "r.duckdb"),
        str(world),
        "parameters.knowledge.decay_per_minit",
        "did you mean 'decay_per_minute'",
    )


def test_an_unknown_key_with_nothing_near_has_no_suggestion(cli, tmp_path):
    line = one_line_error(
        cli("run", *TINY, "--db", tmp_path / "r.duckdb", "--set", "parameters.rents.nonsense=1")
    )
    assert line.endswith("parameters.rents.nonsense: unknown key")


def test_an_unknown_key_in_an_experiment_file_suggests_the_nearest(cli, tmp_path):
    what_if = tmp_path / "e.toml"
    what_if.write_text("replicats = 2\n" + (EXAMPLES / "tiny-corridor-what-if.toml").read_text())
    one_line_error(cli("experiment", what_if), "replicats", "did you mean 'replicates'")


def test_an_unknown_scenario_key_set_by_an_experiment_suggests_the_nearest(cli, tmp_path):
    what_if = tmp_path / "e.toml"
    what_if.write_text(
        'name = "x"\nscenario = "tiny-corridor"\nreplicates = 1\n'
        '[set]\n"parameters.knowledge.decay_per_minit" = 0.1\n'
    )
    one_line_error(cli("experiment", what_if), "did you mean 'decay_per_minute'")


# ------------------------------------------------ 9: no writable home and a read-only install


def _read_only_run(tmp_path: Path, *, temp_writable: bool) -> subprocess.CompletedProcess[str]:
    """``helix run`` in a private mount namespace where the installed package and the home
    folder are read-only bind mounts (as for a service account: numba's own check, a temporary
    file in the folder, fails with EROFS even for root), NUMBA_CACHE_DIR unset. The temporary
    folder is a fresh one; with ``temp_writable=False`` the cache folder helix would make there
    is read-only too (a temporary folder that cannot be written at all breaks other libraries
    at import, dill among them, before helix runs)."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("needs unshare and mount to make read-only bind mounts")
    import helix

    package = Path(helix.__file__).resolve().parent
    home, temp = tmp_path / "home", tmp_path / "temp"
    home.mkdir()
    temp.mkdir()
    read_only = [package, home]
    if not temp_writable:
        private = temp / f"helix-numba-cache-{os.getuid()}"
        private.mkdir()
        read_only.append(private)
    drop = ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "TEMP", "TMP")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(HOME=str(home), TMPDIR=str(temp), COLUMNS="80")
    mounts = " && ".join(f"mount --bind {p} {p} && mount -o remount,bind,ro {p}" for p in read_only)
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{mounts} && ! touch {package}/.w 2>/dev/null"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make read-only bind mounts here: {probe.stderr.strip()[:100]}")
    args = [str(HELIX), "run", *TINY, "--db", str(tmp_path / "r.duckdb")]
    command = f"{mounts} && cd {tmp_path} && exec " + " ".join(f"'{a}'" for a in args)
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.slow
def test_a_read_only_install_caches_kernels_in_a_temporary_folder(tmp_path):
    result = _read_only_run(tmp_path, temp_writable=True)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("helix: warning")]
    assert len(warnings) == 1 and "caching them in" in warnings[0], result.stderr
    assert "Traceback" not in result.stderr and "ran tiny-corridor" in result.stdout


@pytest.mark.slow
def test_nowhere_to_cache_compiles_kernels_in_each_process(tmp_path):
    result = _read_only_run(tmp_path, temp_writable=False)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("helix: warning")]
    assert len(warnings) == 1 and "compiled in each process" in warnings[0], result.stderr
    assert "Traceback" not in result.stderr
