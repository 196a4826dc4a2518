"""Debian's headless Chromium for the browser tests, found and started in one place.

``require()`` skips a test module where chromium, its driver or selenium is missing (and fails it
on CI, which must install them: ``.ci/run``); ``browser()`` starts it with the flags this
offline machine needs (no background networking, no component updates) and logs on.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or (
    "/usr/lib/chromium/chromedriver" if os.path.exists("/usr/lib/chromium/chromedriver") else None
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def require() -> Any:
    """Selenium's webdriver module, or skip the calling module (fail it on CI)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if CHROMIUM is None or DRIVER is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium and chromium-driver (.ci/run)", pytrace=False)
        pytest.skip("chromium or chromedriver is not installed", allow_module_level=True)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, if ever called, stays offline
    os.environ.setdefault("SE_AVOID_STATS", "true")
    return webdriver


@contextmanager
def browser(window_size: str) -> Iterator[Any]:
    """A headless Chromium with browser and performance logs, closed on exit."""
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    webdriver = require()
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--window-size={window_size}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
