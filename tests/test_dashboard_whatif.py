"""A real what-if through the dashboard's API: simulated, stored, summarised, readable by the CLI.

Slow (it runs 4 short, small runs in worker processes); the fast endpoint tests are in
tests/test_dashboard.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("starlette", reason="the dashboard extra is not installed")
pytest.importorskip("httpx", reason="starlette's test client needs httpx (in the test extra)")

from starlette.testclient import TestClient

from helix.cli import app as cli_app
from helix.dashboard.app import Settings, create_app
from helix.scenario.load import load_scenario

pytestmark = pytest.mark.slow


def test_a_what_if_is_an_experiment_the_cli_reads(tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    focus = load_scenario().focus_city
    body = {
        "until": "2021-06",
        "scale": 0.02,
        "replicates": 2,
        "changes": {"parameters.founding.team_size": 6},
    }
    with TestClient(create_app(Settings(db=db, workers=2))) as client:
        job = client.post("/api/whatif", json=body).json()
        deadline = time.monotonic() + 300
        while (view := client.get(f"/api/jobs/{job['job']}").json())["state"] not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline, view
            time.sleep(0.2)
        assert view["state"] == "done" and view["done"] == 4, view
        ident = view["experiment_id"]
        rows = client.get(f"/api/experiments/{ident}/summary").json()["rows"]
        differences = {r["outcome"] for r in rows if r["statistic"] == "difference"}
        assert differences == {"output", "firms", "employment", "unicorns", "vc_invested", "rent"}
        assert all(
            r["variant"] == "what-if" and r["n"] == 2
            for r in rows
            if r["statistic"] == "difference"
        )
        series = client.get(
            f"/api/experiments/{ident}/series", params={"indicator": "firms", "city": focus}
        ).json()
        assert set(series["variants"]) == {"baseline", "what-if"}
        assert series["months"][0] == "2020-01" and series["months"][-1] == "2021-06"
        assert series["difference"]["pairs"] == 2
        report = client.get(f"/reports/{view['report']}/report.html")
        assert report.status_code == 200 and "helix experiment" in report.text
        listing = client.get("/api/store").json()
        assert [e["experiment_id"] for e in listing["experiments"]] == [ident]
        again = client.post("/api/whatif", json=body).json()  # the same what-if resumes
        assert again["experiment_id"] == ident
    status = CliRunner().invoke(
        cli_app, ["experiment", "status", view["experiment_file"], "--db", str(db)]
    )
    assert status.exit_code == 0 and "4 done, 0 failed, 0 pending" in status.output
