"""The dashboard in a real headless Chromium (Debian's chromium + chromium-driver, via Selenium).

``helix dashboard`` is started as a user starts it; the test loads the page, moves a lever
(first to a value out of bounds, which the page refuses with the CLI's line), runs a small
what-if and waits for the difference figure. It asserts no console error, no request to any
host but the dashboard's own, and a screenshot that is not blank (kept as an artefact in
``$HELIX_TEST_ARTIFACTS``, default: pytest's temporary folder). Skipped only when chromium, its
driver, selenium or the dashboard extra is missing locally; CI installs them.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromium
import matplotlib.image
import numpy as np
import pytest

from helix.scenario.load import load_scenario

pytest.importorskip("starlette", reason="the dashboard extra is not installed")
pytest.importorskip("uvicorn", reason="the dashboard extra is not installed")

chromium.require()

LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "devtools"}
# A short, small what-if: the shipped world until mid-2021 at 2% of its agents, 2 seeds a side.
UNTIL, SCALE, REPLICATES = "2021-06", 0.02, 2
LEVER = "parameters.founding.team_size"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``helix dashboard`` on a free port, started as a user starts it."""
    folder = tmp_path_factory.mktemp("dashboard")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from helix.cli import main; main()",
            "dashboard",
            "--port",
            str(port),
            "--db",
            str(folder / "runs.duckdb"),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=folder,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        assert line.startswith(f"helix dashboard on http://127.0.0.1:{port}/"), line
        _wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_port(port: int) -> None:
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def _other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium.browser("1500,1400") as driver:
        yield driver


def _set(browser: Any, element_id: str, value: str) -> None:
    browser.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('change'));",
        element_id,
        value,
    )


@pytest.fixture(scope="module")
def session(browser: Any, server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Load the page, refuse a bad lever, run a what-if, collect what the browser saw."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return !!document.querySelector('#fig-map .main-svg')")
    )
    for element_id, value in (
        ("until", UNTIL),
        ("scale", str(SCALE)),
        ("replicates", str(REPLICATES)),
    ):
        _set(browser, element_id, value)
    _set(browser, "param-key", LEVER)
    _set(browser, "param-value", "1000")
    browser.find_element(By.ID, "param-add").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "lever-error").text)
    refused = browser.find_element(By.ID, "lever-error").text
    browser.execute_script("document.querySelector('#param-list button').click()")
    _set(browser, "param-value", "6")
    browser.find_element(By.ID, "param-add").click()
    WebDriverWait(browser, 30).until(lambda d: not d.find_element(By.ID, "lever-error").text)
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 600).until(
        lambda d: d.find_element(By.ID, "progress-text").text.startswith(("done", "failed"))
    )
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script(
            "return !!document.querySelector('#fig-difference .main-svg') && "
            "!!document.querySelector('#fig-outcomes .main-svg')"
        )
    )
    figure = browser.execute_script(
        "const f = document.getElementById('fig-difference');"
        "return {traces: f.data.length, points: f.data[1].y.filter(v => v !== null).length,"
        " title: f.querySelector('.gtitle').textContent};"
    )
    shot = browser.get_screenshot_as_png()
    folder = Path(os.environ.get("HELIX_TEST_ARTIFACTS") or tmp_path_factory.mktemp("artefacts"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dashboard.png").write_bytes(shot)
    # Browse the store: the what-if is listed as an experiment and opens as its report.
    browser.find_element(By.CSS_SELECTOR, "nav button[data-tab='store']").click()
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('#store-lists button'))"
            ".some(b => b.textContent === 'results')"
        )
    )
    browser.execute_script(
        "Array.from(document.querySelectorAll('#store-lists button'))"
        ".find(b => b.textContent === 'left').click()"
    )
    WebDriverWait(browser, 180).until(
        lambda d: d.execute_script(
            "const f = document.getElementById('pane-left');"
            "return !!(f.src && f.contentDocument &&"
            " f.contentDocument.querySelector('.js-plotly-plot .main-svg'))"
        )
    )
    browsed = browser.execute_script(
        "return document.getElementById('pane-left').contentDocument.title"
    )
    return {
        "browsed": browsed,
        "refused": refused,
        "progress": browser.find_element(By.ID, "progress-text").text,
        "figure": figure,
        "console": browser.get_log("browser"),
        "network": browser.get_log("performance"),
        "screenshot": shot,
        "server": server,
    }


def test_bad_lever_is_refused_with_the_cli_line(session: dict[str, Any]) -> None:
    from helix.errors import ScenarioError

    with pytest.raises(ScenarioError) as cli:
        load_scenario(None, [f"{LEVER}=1000"], until=UNTIL, scale=SCALE)
    assert session["refused"] == cli.value.line()


def test_what_if_shows_the_difference(session: dict[str, Any]) -> None:
    assert session["progress"].startswith(f"done: {2 * REPLICATES} of {2 * REPLICATES} runs done")
    assert session["figure"]["traces"] == 2 and session["figure"]["points"] > 3
    assert "Difference from the baseline" in session["figure"]["title"]


def test_no_console_errors(session: dict[str, Any]) -> None:
    errors = [e for e in session["console"] if e.get("level") in ("SEVERE", "ERROR")]
    assert errors == [], errors


def test_no_request_to_another_host(session: dict[str, Any]) -> None:
    own = urlparse(session["server"]).netloc
    urls = []
    for entry in session["network"]:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert any(u.endswith("/static/plotly.min.js") for u in urls), urls
    elsewhere = [
        u for u in urls if urlparse(u).scheme not in LOCAL_SCHEMES and urlparse(u).netloc != own
    ]
    assert elsewhere == [], elsewhere


def test_store_lists_the_what_if_and_opens_its_report(session: dict[str, Any]) -> None:
    assert session["browsed"].startswith("helix experiment: dashboard what-if")


def test_screenshot_is_not_blank(session: dict[str, Any]) -> None:
    image = matplotlib.image.imread(io.BytesIO(session["screenshot"]), format="png")
    rgb = np.asarray(image)[..., :3]
    assert rgb.shape[0] > 500 and rgb.shape[1] > 800
    assert rgb.std() > 0.05, "the screenshot is a flat colour"
    assert len(np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50


def test_server_listens_on_loopback_only(session: dict[str, Any]) -> None:
    port = urlparse(session["server"]).port
    other = _other_address()
    if other is None:
        pytest.skip("this machine has no non-loopback address to try")
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex((other, port)) != 0, f"the dashboard answers on {other}:{port}"
