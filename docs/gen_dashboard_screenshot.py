"""Write docs/img/dashboard.png: the dashboard after a what-if, in headless Chromium.

Starts ``helix dashboard`` on a free port with a fresh store in a temporary folder, switches the
R&D tax break of the shipped world off, runs the what-if against the baseline (scale 0.1,
until 2027-12, 4 seeds a side) and screenshots the page once the difference figure, the
outcomes and the summary are drawn. Needs the dashboard extra, chromium and chromium-driver.

    .venv/bin/python docs/gen_dashboard_screenshot.py
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helix.scenario.load import load_scenario

OUT = Path(__file__).parent / "img" / "dashboard.png"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def set_value(driver: webdriver.Chrome, selector: str, value: str) -> None:
    driver.execute_script(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('change'));",
        selector,
        value,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--scale", default="0.1")
    parser.add_argument("--until", default="2027-12")
    parser.add_argument("--replicates", default="4")
    args = parser.parse_args()
    world = load_scenario()
    lever = next(n for n, p in world.policies.items() if p.kind == "rd_tax_break")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-c", "from helix.cli import main; main()", "dashboard",
             "--port", str(port), "--db", str(Path(folder) / "runs.duckdb")],
            cwd=folder,
        )  # fmt: skip
        options = Options()
        options.binary_location = shutil.which("chromium") or "chromium"
        for flag in (*FLAGS, "--window-size=1500,1250"):
            options.add_argument(flag)
        driver = webdriver.Chrome(
            options=options, service=Service(executable_path=shutil.which("chromedriver"))
        )
        try:
            for _ in range(300):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            driver.get(f"http://127.0.0.1:{port}/")
            WebDriverWait(driver, 60).until(
                lambda d: d.execute_script("return !!document.querySelector('#fig-map .main-svg')")
            )
            for element, value in (
                ("#until", args.until),
                ("#scale", args.scale),
                ("#replicates", args.replicates),
            ):
                set_value(driver, element, value)
            driver.execute_script(
                "const box = document.querySelector(`[data-off='policies.${arguments[0]}']`);"
                "box.checked = false; box.dispatchEvent(new Event('change'));",
                lever,
            )
            driver.find_element(By.ID, "run").click()
            WebDriverWait(driver, 1200).until(
                lambda d: d.find_element(By.ID, "progress-text").text.startswith("done")
            )
            WebDriverWait(driver, 120).until(
                lambda d: d.execute_script(
                    "return !!document.querySelector('#fig-outcomes .main-svg') &&"
                    " document.querySelectorAll('#summary-table tr').length > 1"
                )
            )
            driver.execute_script(
                "document.querySelector(`[data-off='policies.${arguments[0]}']`)"
                ".scrollIntoView({block: 'center'})",
                lever,
            )
            time.sleep(1)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.out))
        finally:
            driver.quit()
            server.terminate()
            server.wait(timeout=60)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
