"""The dashboard's server: endpoints, lever checks, the job queue, the store's lock, binding.

Fast: no simulation runs here (the queue is driven by a stand-in for the experiment runner);
tests/test_dashboard_whatif.py and tests/e2e/test_dashboard_browser.py run real what-ifs.
"""

from __future__ import annotations

import concurrent.futures as cf
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

pytest.importorskip(
    "starlette", reason="the dashboard extra is not installed: pip install 'helix[dashboard]'"
)
pytest.importorskip("httpx", reason="starlette's test client needs httpx (in the test extra)")

from starlette.testclient import TestClient

from helix.cli import app as cli_app
from helix.dashboard import backend, command, storeviews
from helix.dashboard.app import Settings, create_app
from helix.errors import ScenarioError
from helix.scenario.load import load_scenario, scenario_to_toml


class FakePool:
    """Stands in for the worker processes: the stand-in runner needs none."""

    slots = 1

    def submit(self, fn: Any, *args: Any) -> cf.Future[Any]:
        done: cf.Future[Any] = cf.Future()
        done.set_result(fn(*args))
        return done

    def close(self, *, cancel: bool = False) -> None:
        return None


def fake_runner(seconds_per_run: float) -> Any:
    """A run_what_if that reports progress like the coordinator, without simulating."""

    def run(exp: Any, store: Any, pool: Any, progress: Any) -> None:
        p = backend.ExperimentProgress(exp.total, 0, 0, 0, 0, 0, 0.0)
        progress(p)
        for _ in range(exp.total):
            time.sleep(seconds_per_run)
            p.done += 1
            p.ran += 1
            progress(p)

    return run


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(backend, "new_pool", lambda workers: FakePool())
    monkeypatch.setattr(backend, "run_what_if", fake_runner(0.05))
    monkeypatch.setattr(backend, "write_report", _no_report)
    settings = Settings(db=tmp_path / "runs.duckdb", warm=False)
    with TestClient(create_app(settings)) as c:
        yield c


def _no_report(*args: Any, **kwargs: Any) -> Any:
    raise backend.HelixError("reports are not written in these tests", key="report")


SHORT = {"until": "2021-06", "scale": 0.02, "replicates": 2}


def test_page_and_assets_are_served_by_helix(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "helix dashboard" in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith(("/", "data:")) for s in sources), sources
    for name in ("app.js", "style.css"):
        text = client.get(f"/static/{name}").text
        assert not re.search(r"https?://", text), f"{name} names another host"
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.text) > 1_000_000
    assert client.get("/static/secrets.txt").status_code == 404


def test_world_lists_every_policy_and_shock_with_bounds_and_units(client: TestClient) -> None:
    world = client.get("/api/world").json()
    shipped = load_scenario()
    assert {p["name"] for p in world["policies"]} == set(shipped.policies)
    assert {s["name"] for s in world["shocks"]} == set(shipped.shocks)
    assert world["focus_city"] == shipped.focus_city
    severity = world["shocks"][0]["fields"]["severity"]
    assert (severity["low"], severity["high"], severity["unit"]) == (0, 1, "share")
    team = next(p for p in world["parameters"] if p["key"] == "parameters.founding.team_size")
    assert (team["low"], team["high"], team["unit"]) == (1, 100, "people")


def test_parameter_by_dotted_name(client: TestClient) -> None:
    info = client.get("/api/parameter", params={"key": "parameters.rents.natural_vacancy"}).json()
    assert info["unit"] == "share" and info["low"] == 0 and info["high"] == 0.9
    bad = client.get("/api/parameter", params={"key": "parameters.rents.nonsense"}).json()
    assert not bad["ok"] and bad["error"] == "parameters.rents.nonsense: unknown key"


def _cli_line(tmp_path: Path, override: str) -> str:
    result = CliRunner().invoke(
        cli_app, ["run", "--set", override, "--db", str(tmp_path / "cli.duckdb")]
    )
    assert result.exit_code == 2
    return result.output.strip().removeprefix("helix: error: ")


@pytest.mark.parametrize(
    ("key", "value"),
    [("parameters.founding.team_size", 1000), ("parameters.founding.no_such_thing", 1)],
)
def test_bad_lever_is_refused_with_the_cli_line(
    client: TestClient, tmp_path: Path, key: str, value: float
) -> None:
    answer = client.post("/api/check", json={**SHORT, "changes": {key: value}}).json()
    assert not answer["ok"] and answer["error"] == _cli_line(tmp_path, f"{key}={value}")
    refused = client.post("/api/whatif", json={**SHORT, "changes": {key: value}})
    assert refused.status_code == 400 and refused.json()["error"] == answer["error"]
    assert client.get("/api/jobs").json() == []


def test_a_date_outside_the_run_is_refused(client: TestClient) -> None:
    policy = next(iter(load_scenario().policies))
    answer = client.post(
        "/api/check", json={**SHORT, "changes": {f"policies.{policy}.end": "2040-01"}}
    )
    assert answer.json()["error"].endswith("2040-01 is outside the run (2020-01 to 2021-06)")
    ok = client.post("/api/check", json={**SHORT, "changes": {f"policies.{policy}.end": "2021-03"}})
    assert ok.json()["ok"], ok.json()


def test_what_if_is_an_experiment_file_the_cli_reads(tmp_path: Path) -> None:
    policy = next(iter(load_scenario().policies))
    what_if = backend.WhatIf(
        changes={"parameters.founding.team_size": 4.0}, removed=(f"policies.{policy}",), **SHORT
    )
    path = backend.write_experiment_file(what_if, tmp_path)
    exp = backend.load_what_if(path)
    assert list(exp.variants) == ["baseline", "what-if"] and exp.total == 4
    assert exp.variants["what-if"].remove == [f"policies.{policy}"]
    assert backend.write_experiment_file(what_if, tmp_path) == path  # same what-if, same file
    backend.Store(tmp_path / "empty.duckdb").close()  # a missing database is an error
    status = CliRunner().invoke(
        cli_app, ["experiment", "status", str(path), "--db", str(tmp_path / "empty.duckdb")]
    )
    assert status.exit_code == 0 and "0 done" in status.output and "4 pending" in status.output


def _wait(client: TestClient, job: str, states: tuple[str, ...], timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = client.get(f"/api/jobs/{job}").json()
        if view["state"] in states:
            return view
        time.sleep(0.05)
    raise AssertionError(f"job {job} never reached {states}: {view}")


def test_two_tabs_queue_and_progress_streams(client: TestClient) -> None:
    first = client.post("/api/whatif", json=SHORT).json()
    second = client.post(
        "/api/whatif", json={**SHORT, "changes": {"parameters.founding.team_size": 4}}
    ).json()
    assert first["state"] in ("queued", "running")
    assert second["state"] == "queued" and second["queue_position"] >= 1
    with client.stream("GET", f"/api/jobs/{first['job']}/events") as events:
        lines = [line for line in events.iter_lines() if line.startswith("data: ")]
    assert len(lines) >= 2 and '"state": "done"' in lines[-1]
    assert '"done": 4' in lines[-1] and '"total": 4' in lines[-1]
    done = _wait(client, second["job"], ("done",))
    assert done["done"] == 4 and done["first_result_s"] is not None


def test_cancel_a_running_and_a_queued_what_if(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend, "run_what_if", fake_runner(0.5))
    running = client.post("/api/whatif", json=SHORT).json()
    waiting = client.post("/api/whatif", json={**SHORT, "replicates": 3}).json()
    _wait(client, running["job"], ("running",))
    assert client.post(f"/api/jobs/{waiting['job']}/cancel", json={}).json()["state"] == "cancelled"
    client.post(f"/api/jobs/{running['job']}/cancel", json={})
    stopped = _wait(client, running["job"], ("cancelled",))
    assert stopped["done"] < stopped["total"]
    assert client.get(f"/api/jobs/{waiting['job']}").json()["state"] == "cancelled"


@pytest.fixture
def locked_db(tmp_path: Path) -> Iterator[Path]:
    """A database held by another process, as a running `helix experiment` holds it."""
    db = tmp_path / "runs.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys,time; c=duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    try:
        yield db
    finally:
        holder.kill()
        holder.wait()


def test_a_locked_store_is_a_message_not_a_traceback(
    locked_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend, "new_pool", lambda workers: FakePool())
    with TestClient(create_app(Settings(db=locked_db, warm=False))) as c:
        listing = c.get("/api/store")
        assert listing.status_code == 409
        message = listing.json()["error"]
        assert "lock" in message.lower() and "Traceback" not in message and "\n" not in message
        job = c.post("/api/whatif", json=SHORT).json()
        failed = _wait(c, job["job"], ("failed",))
        assert "lock" in failed["message"].lower() and "\n" not in failed["message"]


def test_binds_127_0_0_1_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(kw))
    said: list[str] = []
    warned: list[str] = []
    command.dashboard(port=0, db=tmp_path / "runs.duckdb", say=said.append, warn=warned.append)
    assert seen["host"] == "127.0.0.1" and seen["port"] > 0
    assert said == [
        f"helix dashboard on http://127.0.0.1:{seen['port']}/ (store {tmp_path / 'runs.duckdb'}); Ctrl-C stops it"
    ]
    assert warned == []
    command.dashboard(
        host="0.0.0.0", port=0, db=tmp_path / "runs.duckdb", say=said.append, warn=warned.append
    )
    assert seen["host"] == "0.0.0.0" and len(warned) == 1 and "0.0.0.0" in warned[0]


def test_the_cli_default_is_loopback_too() -> None:
    result = CliRunner().invoke(cli_app, ["dashboard", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output


def test_a_bad_world_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        command.dashboard(scenario=str(tmp_path / "nope.toml"), db=tmp_path / "x.duckdb")


class RecordingPool:
    """A two-process pool that notes the order runs reach it and does them at once."""

    slots = 2
    label = "recording"
    generation = 0

    def __init__(self) -> None:
        self.order: list[str] = []
        self.executor = cf.ThreadPoolExecutor(2)

    def submit(self, fn: Any, *args: Any) -> cf.Future[Any]:
        self.order.append(args[0].run_id)
        return self.executor.submit(fn, *args)


def test_runs_reach_the_pool_pair_by_pair(tmp_path: Path) -> None:
    what_if = backend.WhatIf(until="2021-06", scale=0.02, replicates=3)
    exp = backend.load_what_if(backend.write_experiment_file(what_if, tmp_path))
    pool = RecordingPool()
    pairs = backend.PairsFirst(pool, exp, expected=exp.total)  # type: ignore[arg-type]
    specs = list(exp.runs())  # the coordinator's order: every baseline run, then every what-if
    futures = [
        pairs.submit(lambda task: task.run_id, SimpleNamespace(run_id=s.run_id)) for s in specs
    ]
    assert [f.result(timeout=10) for f in futures] == [s.run_id for s in specs]
    where = {s.run_id: (s.replicate, s.variant) for s in specs}
    assert [where[r] for r in pool.order] == [
        (rep, variant) for rep in range(3) for variant in ("baseline", "what-if")
    ]


def test_channel_orders_indicators_by_when_they_moved() -> None:
    """Firms move from the third month, output from the fifth, wage never: in that order."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE runs (run_id VARCHAR, experiment_id VARCHAR, status VARCHAR, "
        "variant VARCHAR, replicate INTEGER)"
    )
    con.execute(
        "CREATE TABLE indicators (run_id VARCHAR, date VARCHAR, city VARCHAR, district VARCHAR, "
        "sector VARCHAR, indicator VARCHAR, value DOUBLE)"
    )
    months = [f"2020-{m:02d}" for m in range(1, 13)]
    rows = []
    for variant in ("baseline", "what-if"):
        for rep in range(3):
            run = f"{variant}-{rep}"
            con.execute("INSERT INTO runs VALUES (?, 'x', 'done', ?, ?)", [run, variant, rep])
            for i, month in enumerate(months):
                lift = variant == "what-if"
                noise = 0.01 * rep
                rows += [
                    (
                        run,
                        month,
                        "A",
                        None,
                        "s1",
                        "firms",
                        100 + noise + (5 if lift and i >= 2 else 0),
                    ),
                    (run, month, "A", None, "s2", "firms", 50.0),
                    (
                        run,
                        month,
                        "A",
                        None,
                        "s1",
                        "output",
                        10 + noise + (1 if lift and i >= 4 else 0),
                    ),
                    (run, month, "A", None, None, "wage", 20 + noise),
                ]
    con.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    moved = storeviews.channel(con, "x", "A")
    assert [(r["indicator"], r["moved"]) for r in moved] == [
        ("firms", "2020-03"),
        ("output", "2020-05"),
    ]
    assert moved[0]["percent_at_end"] == pytest.approx(100 * 5 / 150.01, rel=1e-3)
    series = storeviews.series(con, "x", "firms", "A", sector="s2")
    assert series["difference"]["mean"] == [0.0] * 12


def test_another_site_cannot_start_or_cancel_a_what_if(client: TestClient) -> None:
    """A form on another site posts text/plain, which needs no CORS preflight: refused."""
    form = client.post(
        "/api/whatif", content=b'{"replicates": 1}', headers={"Content-Type": "text/plain"}
    )
    assert form.status_code == 400 and "application/json" in form.json()["error"]
    assert client.get("/api/jobs").json() == []
    assert (
        client.post(
            "/api/jobs/j1/cancel", content=b"", headers={"Content-Type": "text/plain"}
        ).status_code
        == 400
    )


def test_on_loopback_only_loopback_names_reach_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DNS name of another site that resolves to 127.0.0.1 (DNS rebinding) is refused."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(backend, "new_pool", lambda workers: FakePool())
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(app=app, **kw))
    command.dashboard(port=0, db=tmp_path / "runs.duckdb", say=lambda _: None)
    with TestClient(seen["app"], base_url=f"http://127.0.0.1:{seen['port']}") as local:
        assert local.get("/").status_code == 200
        assert local.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_a_scenario_file_is_the_what_ifs_base(client: TestClient, tmp_path: Path) -> None:
    world = tmp_path / "world.toml"
    world.write_text(scenario_to_toml(load_scenario(None, ['name="my-world"'])), encoding="utf-8")
    assert client.get("/api/world", params={"scenario": str(world)}).json()["name"] == "my-world"
    job = client.post("/api/whatif", json={**SHORT, "scenario": str(world)}).json()
    text = Path(job["experiment_file"]).read_text(encoding="utf-8")
    assert f'scenario = "{world.resolve()}"' in text
    missing = client.get("/api/world", params={"scenario": str(tmp_path / "nope.toml")})
    assert missing.status_code == 400 and missing.json()["error"].endswith("file not found")


def test_replicates_are_checked_as_the_experiment_checks_them(client: TestClient) -> None:
    answer = client.post("/api/check", json={**SHORT, "replicates": 0}).json()
    assert not answer["ok"] and answer["error"].endswith(
        "replicates: Input should be greater than or equal to 1 (got 0)"
    ), answer


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(backend.HelixError, match=f"--port: cannot listen on 127.0.0.1:{port}"):
            command.dashboard(port=port, db=tmp_path / "runs.duckdb", say=lambda _: None)
