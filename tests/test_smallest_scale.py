"""Scale honesty: every command that reports counts says so, in one line, below the smallest
scale at which they mean something, and goes on (issue 14 item 6)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helix.experiments.smallest_scale import SMALLEST_SCALE, below_smallest_scale, counted

SHORT = ("--until", "2020-06", "--no-report")
OUTPUT_ONLY = """
name = "counts"
scenario = "tiny-corridor"
until = "2020-06"
replicates = 1
[outcomes.alder_output]
indicator = "output"
city = "Alder"
"""
EXPERIMENT = (
    OUTPUT_ONLY
    + """
[outcomes.alder_unicorns]
indicator = "unicorns"
city = "Alder"
statistic = "final"
"""
)


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("helix: warning:")]


def warned_below_smallest_scale(result: Any, scale: str, needle: str) -> None:
    """A ``--json`` command at scale 1 warns of nothing; below the smallest scale it warns once,
    naming what it counts (``needle``), the same line in its JSON and on stderr."""
    assert result.exit_code == 0, result.stderr
    warned = json.loads(result.stdout)["warnings"]
    if scale == "1":
        assert warned == [] and warnings_in(result.stderr) == []
        return
    (line,) = warned
    assert needle in line
    assert warnings_in(result.stderr) == [f"helix: warning: {line}"]


def test_counts_are_firms_rounds_and_disputes_and_the_minimum_is_issue_13s() -> None:
    assert SMALLEST_SCALE == 0.5  # docs/model.md §2.9
    assert all(counted(n) for n in ("unicorns", "firms", "births", "deals", "ip_disputes"))
    assert not any(counted(n) for n in ("output", "vc_invested", "employment", "rent"))
    line = below_smallest_scale(0.1, ["output", "unicorns", "deals"], "the outcomes")
    assert line is not None and line.startswith("scale 0.1 is below 0.5")
    assert "the outcomes read deals, unicorns," in line and "§2.9" in line
    assert below_smallest_scale(0.1, ["output", "rent"], "the outcomes") is None
    assert below_smallest_scale(0.5, ["unicorns"], "the outcomes") is None


@pytest.mark.parametrize("scale", ["0.3", "1"])
def test_helix_run_says_when_its_counts_are_below_the_smallest_scale(
    scale: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    db = tmp_path / "r.duckdb"
    printed = cli("run", "tiny-corridor", "--scale", scale, *SHORT, "--db", db)
    assert printed.exit_code == 0, printed.stderr
    as_json = cli("run", "tiny-corridor", "--scale", scale, *SHORT, "--db", db, "--json")
    assert as_json.exit_code == 0, as_json.stderr
    warned = json.loads(as_json.stdout)["warnings"]
    if scale == "1":
        assert warnings_in(printed.stderr) == [] and warned == []
        return
    (line,) = warnings_in(printed.stderr)
    assert "scale 0.3 is below 0.5" in line and "firms, unicorns" in line
    assert warned == [line.removeprefix("helix: warning: ")]


@pytest.mark.parametrize("scale", ["0.3", "1"])
def test_helix_experiment_says_so_for_counted_outcomes_only(
    scale: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    path = tmp_path / "counts.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    args = ("experiment", path, "--scale", scale, "--workers", "1", "--db", tmp_path / "r.db")
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    warned = [w for w in json.loads(result.stdout)["warnings"] if "below" in w]
    if scale == "1":
        assert warned == [] and warnings_in(result.stderr) == []
        return
    (line,) = warnings_in(result.stderr)
    assert "its outcomes read unicorns," in line and warned == [line[len("helix: warning: ") :]]
    # The same runs without the counted outcome: nothing to say.
    path.write_text(OUTPUT_ONLY, encoding="utf-8")
    quiet = cli(*args)
    assert quiet.exit_code == 0, quiet.stderr
    assert warnings_in(quiet.stderr) == []


@pytest.mark.parametrize("scale", ["0.3", "1"])
def test_helix_validate_says_so_for_its_facts(scale: str, cli: Callable[..., Any]) -> None:
    args = ("validate", "tiny-corridor", "--seeds", "1", "--until", "2021-06", "--workers", "1")
    result = cli(*args, "--scale", scale, "--json")
    warned_below_smallest_scale(result, scale, "the facts read deals, firms, unicorns")


@pytest.mark.parametrize("scale", ["0.3", "1"])
def test_helix_calibrate_says_so_for_a_counted_target(
    scale: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    firms = (
        'targets.founded={indicator="firms", statistic="growth", city="Alder", '
        'start="2020-01", end="2021-12", observed=0.5, tolerance=0.5}'
    )
    result = cli(
        "calibrate", "tiny-corridor", "--set", firms, "--trials", "2", "--seeds", "1",
        "--fit-seeds", "1", "--scale", scale, "--workers", "1",
        "--db", tmp_path / "c.duckdb", "--out", tmp_path / "c.toml", "--json",
    )  # fmt: skip
    warned_below_smallest_scale(result, scale, "the targets it fits read firms")
