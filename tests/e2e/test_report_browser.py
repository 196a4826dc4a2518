"""The report in a real headless Chromium (Debian's chromium + chromium-driver, via Selenium).

It asserts what a reader gets: the page loads with no console error, every figure is drawn,
nothing is requested from any host (file:, data: and blob: only) and a screenshot is not blank.
Skipped only when chromium, its driver or selenium is missing locally; CI installs them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromium
import matplotlib.image
import numpy as np
import pytest

from helix.report import write_report
from helix.runner import run_and_store
from helix.scenario.load import load_scenario
from helix.store import Store

LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome", "devtools"}

# Two simulated runs and a headless browser: about a minute on two cores.
pytestmark = pytest.mark.slow

chromium.require()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of two small runs (so figures carry bands)."""
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "runs.duckdb"
    with Store(db) as store:
        ids = [
            run_and_store(load_scenario(until="2025-12", scale=0.05, seed=s), store).run_id
            for s in (1, 2)
        ]
    return write_report(db, ids, out_dir=folder / "report").html


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium.browser("1400,1800") as driver:
        yield driver


@pytest.fixture(scope="module")
def loaded(browser: Any, report: Path) -> dict[str, Any]:
    """Open the report, wait until every figure has been drawn, collect logs and a screenshot."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(report.as_uri())
    expected = report.read_text(encoding="utf-8").count('<figure class="helix-figure"')
    WebDriverWait(browser, 120).until(
        lambda d: d.execute_script(
            "return document.querySelectorAll('figure.helix-figure .js-plotly-plot .main-svg')"
            ".length > 0 && document.querySelectorAll('figure.helix-figure').length === "
            "document.querySelectorAll('figure.helix-figure .js-plotly-plot').length"
        )
    )
    figures = browser.execute_script(
        """
        return Array.from(document.querySelectorAll('figure.helix-figure')).map(f => {
          const svg = f.querySelector('.main-svg');
          const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
          return {
            key: f.dataset.key,
            width: box.width,
            height: box.height,
            traces: f.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length,
            marks: f.querySelectorAll('path.js-line, path.point, path.js-fill, .bars path')
              .length,
            legend: f.querySelectorAll('.legend .traces').length,
            title: (f.querySelector('.gtitle') || {}).textContent || '',
          };
        });
        """
    )
    shot = browser.get_screenshot_as_png()
    return {
        "expected": expected,
        "figures": figures,
        "console": browser.get_log("browser"),
        "network": browser.get_log("performance"),
        "screenshot": shot,
    }


def test_no_console_errors(loaded: dict[str, Any]) -> None:
    errors = [e for e in loaded["console"] if e.get("level") in ("SEVERE", "ERROR")]
    assert errors == [], errors


def test_every_figure_renders(loaded: dict[str, Any]) -> None:
    figures = loaded["figures"]
    assert len(figures) == loaded["expected"] > 10
    for f in figures:
        assert f["width"] > 200 and f["height"] > 200, f
        assert f["traces"] > 0 and f["marks"] > 0, f"{f['key']} draws nothing: {f}"
        assert f["legend"] > 0, f"{f['key']} has no legend"
        assert f["title"].strip(), f"{f['key']} has no title"


def test_no_request_to_another_host(loaded: dict[str, Any]) -> None:
    urls = []
    for entry in loaded["network"]:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls, "the performance log saw no request at all (not even the page)"
    elsewhere = [u for u in urls if urlparse(u).scheme not in LOCAL_SCHEMES]
    assert elsewhere == [], elsewhere


def test_screenshot_is_not_blank(loaded: dict[str, Any]) -> None:
    image = matplotlib.image.imread(io.BytesIO(loaded["screenshot"]), format="png")
    rgb = np.asarray(image)[..., :3]
    assert rgb.shape[0] > 500 and rgb.shape[1] > 800
    assert rgb.std() > 0.05, "the screenshot is a flat colour"
    colours = np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"only {len(colours)} colours on the screenshot"
