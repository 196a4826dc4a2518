"""The README's numbers and its report screenshot, measured rather than remembered.

    .venv/bin/python scripts/readme_figures.py            # measure, record, rewrite README.md
    .venv/bin/python scripts/readme_figures.py --check    # README.md as recorded? (exit 1 if not)

Measuring runs the shipped world once as ``helix run`` does (simulate, store, report: its firm
counts, the time each step takes, the database's size), screenshots the top of that run's report
in headless Chromium into docs/img/report.png, runs the world over eight seeds to 2025-12 for the
report's figures T1-T7 (about half a minute on two cores; each seed's values are also written
beside the shipped world, src/helix/scenario/defaults/shanghai-delta.seeds.json, for ``helix
run`` to show next to a single run's), and reads the calibration's budget and
the validation's verdict from docs/calibration.md's generated tables. Everything is recorded in
docs/readme_figures.json; README.md's spans between ``<!-- figure:NAME -->`` and
``<!-- /figure -->`` are then rewritten from that record.

tests/test_readme_figures.py keeps this honest cheaply: the README's spans must be what this
script writes from the record, the screenshot must be the one recorded, the record must belong to
the shipped world as it is now and agree with docs/calibration.md; a slow test re-runs the eight
seeds (the model is deterministic) and compares them with the record.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RECORD = ROOT / "docs" / "readme_figures.json"
SCREENSHOT = ROOT / "docs" / "img" / "report.png"
CALIBRATION_MD = ROOT / "docs" / "calibration.md"
SPREAD = ROOT / "src" / "helix" / "scenario" / "defaults" / "shanghai-delta.seeds.json"
"""The targets of each seed, shipped with the world so that ``helix run`` can show them."""
SEEDS = tuple(range(1, 9))
"""The eight seeds the README's T1-T7 figures are averaged over."""
UNTIL = "2025-12"
"""T1-T7 are all measured by 2025: the eight runs stop there."""

SPAN = re.compile(r"<!-- figure:(?P<name>[a-z0-9-]+) -->(?P<text>.*?)<!-- /figure -->", re.S)
NUMBER_WORDS = {
    0: "none",
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
}


# --------------------------------------------------------------------------- the record


def world_fingerprint() -> str:
    """A hash of the shipped world's file: a new default world makes the record stale."""
    from helix.scenario.load import read_default_text

    return hashlib.sha256(read_default_text().encode("utf-8")).hexdigest()[:16]


def screenshot_hash(path: Path = SCREENSHOT) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def from_calibration_md(text: str) -> dict[str, Any]:
    """The calibration's budget and the validation's verdict, from the generated tables."""
    budget = re.search(r"--trials (\d+) --seeds (\d+)", text)
    passed = re.search(r"\*\*(\d+) of (\d+) facts pass\*\*", text)
    if budget is None or passed is None:
        raise SystemExit(f"{CALIBRATION_MD}: no calibration provenance or validation verdict")
    return {
        "calibration_trials": int(budget[1]),
        "calibration_seeds": int(budget[2]),
        "facts_passed": int(passed[1]),
        "facts": int(passed[2]),
    }


def seed_targets() -> list[dict[str, dict[str, Any]]]:
    """T1-T7 of the shipped world for each of :data:`SEEDS`, in order."""
    from helix.experiments.targets import measure_all
    from helix.scenario.load import load_scenario
    from helix.world.simulation import simulate

    measured = []
    for seed in SEEDS:
        world = load_scenario(seed=seed, until=UNTIL)
        measured.append(measure_all(simulate(world).observations, world))
    return measured


def spread(measured: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """What ``helix run`` shows beside a single run's targets (helix.scenario.spread)."""
    return {
        "world": world_fingerprint(),
        "seeds": list(SEEDS),
        "until": UNTIL,
        "targets": {
            name: {
                "simulated": [m[name]["simulated"] for m in measured],
                "pass": [bool(m[name]["pass"]) for m in measured],
            }
            for name in measured[0]
        },
    }


def write_spread(measured: list[dict[str, dict[str, Any]]]) -> None:
    SPREAD.write_text(json.dumps(spread(measured), indent=1) + "\n", encoding="utf-8")


def eight_seeds(measured: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """T1-T7 of the shipped world over :data:`SEEDS`: mean per target, seeds that meet it
    (from ``measured``, the targets of each seed in order, when the caller has them)."""
    if measured is None:
        measured = seed_targets()
    out: dict[str, Any] = {}
    for name in measured[0]:
        values = [m[name]["simulated"] for m in measured]
        met = sum(bool(m[name]["pass"]) for m in measured)
        if isinstance(values[0], dict):
            mean: Any = {
                year: statistics.fmean(v[year] for v in values if v[year] is not None)
                for year in values[0]
            }
        else:
            finite = [v for v in values if v is not None]
            mean = statistics.fmean(finite) if finite else None
        lows = [v for v in values if v is not None and not isinstance(v, dict)]
        out[name] = {
            "mean": mean,
            "low": min(lows) if lows else None,
            "high": max(lows) if lows else None,
            "seeds_met": met,
        }
    return out


def one_run() -> dict[str, Any]:
    """The shipped world as ``helix run`` runs it, in the working folder: firm counts, seconds,
    database size."""
    from helix.report import write_report
    from helix.runner import run_and_store
    from helix.scenario.load import load_scenario
    from helix.store import Store
    from helix.world.simulation import simulate

    world = load_scenario()
    db = Path("helix-runs.duckdb")  # relative: the report names it as a user would see it
    # A first short run loads the compiled kernels (numba's cache), as any run after the first
    # finds them loaded: the time measured is the model's, not the compiler's.
    simulate(load_scenario(until="2020-02"))
    clock = time.perf_counter()
    with Store(db) as store:
        stored = run_and_store(world, store)
    stored_at = time.perf_counter()
    files = write_report(db, [stored.run_id], out_dir="helix-report")
    done = time.perf_counter()
    firms = stored.result.observations.city_sector["firms"].sum(axis=(1, 2))
    return {
        "months": len(stored.result.observations.months),
        "firms_first": int(firms[0]),
        "firms_max": int(firms.max()),
        "simulate_seconds": round(stored.seconds, 1),
        "total_seconds": round(done - clock, 1),
        "store_seconds": round(stored_at - clock - stored.seconds, 1),
        "db_mb": round(db.stat().st_size / 1e6),
        "report": str(files.html),
    }


def take_screenshot(html: Path, out: Path = SCREENSHOT) -> None:
    """The top of the report in headless Chromium, 1400 px wide (as tests/e2e draws it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    if shutil.which("chromium") is None or driver_path is None:
        raise SystemExit(
            "needs chromium and chromedriver: apt-get install chromium chromium-driver"
        )
    options = Options()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1400,1000")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(html.as_uri())
        time.sleep(3)  # plotly draws the figures after load
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()


def measure() -> dict[str, Any]:
    record: dict[str, Any] = {"world": world_fingerprint(), "seeds": list(SEEDS)}
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        record["run"] = one_run()
        take_screenshot(Path(tmp) / record["run"].pop("report"))
    record["screenshot"] = screenshot_hash()
    measured = seed_targets()
    record["targets"] = eight_seeds(measured)
    write_spread(measured)
    record.update(from_calibration_md(CALIBRATION_MD.read_text(encoding="utf-8")))
    return record


# --------------------------------------------------------------------------- the words


def _span(low: float, high: float) -> str:
    """ "6–7", or "9" when every seed gives the same."""
    return f"{low:.0f}" if round(low) == round(high) else f"{low:.0f}–{high:.0f}"


def _thousands(n: float) -> str:
    return f"{round(n, -3):,.0f}"


def _words(n: int) -> str:
    return NUMBER_WORDS.get(n, str(n))


def figures(record: dict[str, Any]) -> dict[str, str]:
    """The text of each README span, from the record."""
    run, t = record["run"], record["targets"]
    met = sum(v["seeds_met"] * 2 >= len(record["seeds"]) for v in t.values())
    t3 = t["T3"]["mean"]
    return {
        "firms": f"{_thousands(run['firms_first'])} to {_thousands(run['firms_max'])}",
        "months": str(run["months"]),
        "simulate-seconds": f"{run['simulate_seconds']:.0f}",
        "db-mb": f"{run['db_mb']}",
        "total-seconds": f"{run['total_seconds']:.0f}",
        "calibration-budget": (
            f"{record['calibration_trials']} trials × {record['calibration_seeds']} seeds"
        ),
        "targets-met": "all seven" if met == 7 else f"{_words(met)} of seven",
        "seeds": _words(len(record["seeds"])),
        "t1": f"{t['T1']['mean'] * 100:.0f}%/yr",
        "t2": f"{t['T2']['mean']:.0f}",
        "t3-2020": f"{t3['2020']:.2f}",
        "t3-2025": f"{t3['2025']:.2f}",
        "t4": f"{t['T4']['mean']:.1f}×",
        "t5": f"+{t['T5']['mean'] * 100:.0f}%",
        "t6": _span(t["T6"]["low"], t["T6"]["high"]),
        "facts-passed": (
            "all seven"
            if record["facts_passed"] == record["facts"] == 7
            else f"{_words(record['facts_passed'])} of {_words(record['facts'])}"
        ),
    }


def rewrite(readme: str, record: dict[str, Any]) -> str:
    """``readme`` with every span set from ``record``; an unknown span name is an error."""
    values = figures(record)

    def one(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in values:
            raise KeyError(f"README.md: <!-- figure:{name} --> has no figure in {Path(__file__)}")
        return f"<!-- figure:{name} -->{values[name]}<!-- /figure -->"

    return SPAN.sub(one, readme)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare README.md with the record"
    )
    parser.add_argument(
        "--no-measure", action="store_true", help="rewrite README.md from the existing record"
    )
    args = parser.parse_args()
    if args.check:
        readme = README.read_text(encoding="utf-8")
        record = json.loads(RECORD.read_text(encoding="utf-8"))
        if rewrite(readme, record) != readme:
            print("README.md's figures differ from docs/readme_figures.json: rerun this script")
            return 1
        print("README.md's figures are as recorded")
        return 0
    if args.no_measure:
        record = json.loads(RECORD.read_text(encoding="utf-8"))
    else:
        record = measure()
        RECORD.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    # Read only now, after the minute of measuring: edits made meanwhile are kept.
    readme = README.read_text(encoding="utf-8")
    README.write_text(rewrite(readme, record), encoding="utf-8")
    print(json.dumps(figures(record), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
