"""The engine does not know its first world: the small synthetic world ``tiny-corridor`` goes
through every command a user has (run, experiment, calibrate, validate, report)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
WHAT_IF = ROOT / "examples" / "tiny-corridor-what-if.toml"


def _json(cli: Any, *args: str | Path) -> dict[str, Any]:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_the_second_world_runs_through_every_command(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "tiny.duckdb"
    run = _json(cli, "run", "tiny-corridor", "--db", db, "--no-report")
    assert set(run["targets"]) == {"growth", "rents", "rival"}
    experiment = _json(cli, "experiment", WHAT_IF, "--db", db, "--replicates", "2")
    assert experiment["done"] == experiment["total"] == 4
    calibration = _json(
        cli, "calibrate", "tiny-corridor", "--quick", "--workers", "1", "--db", db,
        "--out", tmp_path / "calibrated.toml",
    )  # fmt: skip
    assert {f["target"] for f in calibration["fit"]} == {"growth", "rents", "rival"}
    validation = _json(cli, "validate", "tiny-corridor", "--seeds", "2", "--workers", "1")
    assert validation["facts"]
    for subject in ([run["run_id"]], ["--experiment", "latest"], ["--calibration", "latest"]):
        out = tmp_path / f"report-{len(subject)}-{subject[-1]}"
        report = _json(cli, "report", *subject, "--db", db, "--out", out)
        assert (out / "report.html").exists(), report
    with duckdb.connect(str(db), read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT DISTINCT scenario_name FROM runs").fetchall()}
    assert names == {"tiny-corridor"}
