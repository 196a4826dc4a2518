"""The EMA Workbench bridge and scenario discovery (issue 14): an experiment file run through
ema-workbench's own evaluator gives the numbers ``helix experiment`` stores, a stored
experiment reads back as EMA's ``(experiments, outcomes)``, and ``helix discover`` finds the
uncertainty that drives an outcome, stores it and shows it in a report.

Every run is the tiny-corridor world over a few months (a fraction of a second), run in this
process; the values asserted are structure and directions, never the model's tuned numbers.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from conftest import assert_one_line_error

from helix.ema import discovery, experiment_design, experiment_model, stored_results
from helix.ema.bridge import HelixRun, ema_name
from helix.ema.workbench import workbench
from helix.errors import HelixError
from helix.experiments.batch import InProcess
from helix.experiments.design import load_experiment
from helix.experiments.runner import run_experiment
from helix.store import Store
from helix.store.experiments import outcome_values

# Two uncertainties, one an integer, two variants (one named as EMA 3 would refuse), two
# replicates, two sweep points: 8 runs of three months.
BRIDGED = """
name = "bridge-check"
scenario = "tiny-corridor"
replicates = 2
until = "2020-03"

[variants.rail-off]
remove = ["policies.corridor-rail"]

[uncertainties.alder-firms]
key = "cities.Alder.firms"
low = 150
high = 450

[uncertainties.vacancy]
key = "parameters.rents.natural_vacancy"
low = 0.05
high = 0.2

[sweep]
design = "latin"
samples = 2

[outcomes.alder-output]
indicator = "output"
city = "Alder"

[outcomes.birch_rent]
indicator = "rent"
city = "Birch"
statistic = "mean"
"""

# Alder's output follows Alder's initial firms; Cedar's wage barely touches it: a discovery of
# the runs where Alder's output is low must restrict the firms, and may not lead with the wage.
DISCOVERED = """
name = "tiny-discovery"
description = "Which uncertainty keeps Alder's output small?"
scenario = "tiny-corridor"
replicates = 1
until = "2020-12"

[uncertainties.alder_firms]
key = "cities.Alder.firms"
low = 100
high = 500

[uncertainties.cedar_wage]
key = "cities.Cedar.wage"
low = 20000
high = 30000

[sweep]
design = "latin"
samples = 24

[outcomes.alder_output]
indicator = "output"
city = "Alder"
"""

NO_UNCERTAINTIES = """
name = "variants-only"
scenario = "tiny-corridor"
replicates = 1
until = "2020-03"

[variants.rail-off]
remove = ["policies.corridor-rail"]

[outcomes.alder_output]
indicator = "output"
city = "Alder"
"""


def write(folder: Path, text: str, name: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_in_process(file: Path, db: Path) -> None:
    """``helix experiment FILE`` as the command runs it, with the runs in this process."""
    with Store(db) as store:
        run_experiment(load_experiment(file), store, InProcess())


# ---------------------------------------------------------------------------------- the bridge


def test_ema_evaluator_gives_the_numbers_helix_experiment_stores(tmp_path: Path) -> None:
    file = write(tmp_path, BRIDGED, "bridge.toml")
    db = tmp_path / "bridge.duckdb"
    run_in_process(file, db)

    ema = workbench()
    model = experiment_model(file)
    assert [u.name for u in model.uncertainties] == ["alder_firms", "vacancy"]
    assert isinstance(model.uncertainties[0], ema.IntegerParameter)
    assert [o.name for o in model.outcomes] == ["alder_output", "birch_rent"]
    scenarios, policies = experiment_design(model.experiment)
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(
            scenarios=scenarios, policies=policies
        )

    # Each (variant, sweep point) is a row, each replicate a column: the stored value of the
    # same run, as helix experiment wrote it, bit for bit.
    row = {
        (str(p), int(s)): i
        for i, (p, s) in enumerate(zip(experiments["policy"], experiments["scenario"], strict=True))
    }
    with Store(db, read_only=True) as store:
        stored = outcome_values(store.con, load_experiment(file).experiment_id)
    assert len(stored) == 2 * 2 * 2 * 2
    for v in stored:
        assert (
            outcomes[ema_name(v.outcome)][row[(v.variant, v.sweep_point)], v.replicate] == v.value
        )
    assert not np.isnan(outcomes["alder_output"]).any()
    assert (outcomes["alder_output"][:, 0] != outcomes["alder_output"][:, 1]).any()

    # The store reads back as the same pair.
    frame, read = stored_results(db, file)
    assert list(frame.columns) == list(experiments.columns)
    for column in frame.columns:
        assert [str(x) for x in frame[column]] == [str(x) for x in experiments[column]], column
    assert frame["alder_firms"].dtype == np.int64
    assert read.keys() == outcomes.keys()
    for name, values in outcomes.items():
        np.testing.assert_array_equal(read[name], values)

    # A point EMA samples itself, off the file's design, has a seed of its own values.
    run = HelixRun(model.experiment)
    off = {"alder_firms": 222, "vacancy": 0.123456, "variant": "rail-off", "replicate": 1}
    assert run(**off) == run(**off)


def test_a_lever_sweep_is_no_design_of_scenarios_and_policies(tmp_path: Path) -> None:
    text = BRIDGED.replace("[uncertainties.vacancy]", "[levers.vacancy]")
    with pytest.raises(HelixError, match=r"levers\.vacancy"):
        experiment_design(write(tmp_path, text, "levers.toml"))


# ------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("out < 0.08", ("out", "<", 0.08)),
        ("out<=-1e3", ("out", "<=", -1000.0)),
        ("  rent-2030 >= .5 ", ("rent-2030", ">=", 0.5)),
        ("out > 7", ("out", ">", 7.0)),
    ],
)
def test_a_rule_is_an_outcome_a_comparison_and_a_number(
    text: str, rule: tuple[str, str, float]
) -> None:
    parsed = discovery.parse_rule(text, ["out", "rent-2030"])
    assert (parsed.outcome, parsed.comparison, parsed.value) == rule


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("out ~ 3", "is not a rule"),
        ("out < three", "is not a rule"),
        ("out < nan", "is not a rule"),
        ("out < 1 and out > 0", "is not a rule"),
        ("rent < 3", "unknown outcome 'rent'"),
    ],
)
def test_a_bad_rule_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(HelixError, match=says) as caught:
        discovery.parse_rule(text, ["out"])
    assert caught.value.key == "--rule"


# --------------------------------------------------------------------------------- discovery


@pytest.fixture(scope="module")
def stored_discovery(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 24-run latin sweep, stored as helix experiment stores it, and a rule that the runs
    with the lowest 30% of Alder's output meet."""
    folder = tmp_path_factory.mktemp("discovery")
    file = write(folder, DISCOVERED, "discovery.toml")
    db = folder / "runs.duckdb"
    run_in_process(file, db)
    _, outcomes = stored_results(db, file)
    cut = float(np.quantile(outcomes["alder_output"][:, 0], 0.3))
    return {"file": file, "db": db, "rule": f"alder_output < {cut!r}", "folder": folder}


@pytest.fixture(scope="module")
def discovered(stored_discovery: dict[str, Any]) -> dict[str, Any]:
    """``helix discover --json --out --png`` over the stored experiment, once."""
    from typer.testing import CliRunner

    from helix.cli import app

    s = stored_discovery
    report = s["folder"] / "report"
    args = ["discover", s["file"], "--rule", s["rule"], "--db", s["db"], "--json"]
    result = CliRunner().invoke(app, [str(a) for a in [*args, "--out", report, "--png"]])
    assert result.exit_code == 0, result.stderr
    return {**s, "json": json.loads(result.stdout), "report": report}


def test_discovery_restricts_the_uncertainty_that_drives_the_outcome(
    discovered: dict[str, Any],
) -> None:
    found = discovered["json"]
    assert found["cases"] == 24 and found["left_out"] == 0
    assert 0 < found["of_interest"] < 24
    box = found["box"]
    # The runs with little output are those with few firms at the start: the box is that
    # condition, the firms its first restriction, an upper limit well inside the range swept.
    assert box["restricted"][0] == "alder_firms"
    low, high = box["limits"]["alder_firms"]
    assert low == 100 and high < 350
    assert box["density"] >= 0.8 and box["coverage"] >= 0.5
    assert found["chosen"] == box["index"] and "density at least 0.8" in found["why"]
    scores = {p["name"]: p["score"] for p in found["parameters"]}
    assert scores["alder_firms"] > scores["cedar_wage"]
    trajectory = found["boxes"]
    assert trajectory[0]["coverage"] == 1.0 and trajectory[0]["restricted_dimensions"] == 0
    assert [b["index"] for b in trajectory] == list(range(len(trajectory)))

    with duckdb.connect(str(discovered["db"]), read_only=True) as con:
        row = con.execute(
            "SELECT rule, chosen_box, cases FROM discoveries WHERE discovery_id = ?",
            [found["discovery_id"]],
        ).fetchone()
        boxes = con.execute(
            "SELECT count(*) FROM discovery_boxes WHERE discovery_id = ?",
            [found["discovery_id"]],
        ).fetchone()
    assert row is not None and row[1:] == (box["index"], 24)
    assert boxes == (len(trajectory),)


def test_the_report_page_shows_the_trade_off_and_the_box(discovered: dict[str, Any]) -> None:
    found = discovered["json"]
    page = (discovered["report"] / "report.html").read_text(encoding="utf-8")
    box = found["box"]
    assert found["report"] == str(discovered["report"] / "report.html")
    assert "Scenario discovery" in page and html.escape(found["rule"]) in page
    assert 'data-key="discovery_tradeoff"' in page and 'data-key="discovery_box"' in page
    assert f"Box {box['index']}: coverage" in page
    high = box["limits"]["alder_firms"][1]
    assert (
        f"<td>alder_firms</td><td>uncertainty</td><td>100 to 500</td><td>100</td><td>{high:.4g}</td>"
        in page
    )
    assert not re.search(r"<script[^>]+src=", page), "a script is loaded from elsewhere"
    assert sorted(p.name for p in discovered["report"].glob("*.png")) == [
        "discovery_box.png",
        "discovery_scores.png",
        "discovery_tradeoff.png",
    ]


def test_the_rich_output_names_the_box_read(
    stored_discovery: dict[str, Any], cli: Callable[..., Any]
) -> None:
    s = stored_discovery
    result = cli("discover", s["file"], "--rule", s["rule"], "--db", s["db"], "--box", "2")
    assert result.exit_code == 0, result.stderr
    assert "Peeling trajectory" in result.stdout and "◀ read" in result.stdout
    assert "Box 2 (chosen with --box)" in result.stdout
    assert "helix report --discovery" in result.stdout
    # The command it names writes the page of the discovery made last.
    folder = s["folder"] / "latest"
    written = cli("report", "--discovery", "latest", "--db", s["db"], "--out", folder, "--json")
    assert written.exit_code == 0, written.stderr
    assert "Box 2: coverage" in (folder / "report.html").read_text(encoding="utf-8")
    both = cli("report", "--discovery", "latest", "--experiment", "latest", "--db", s["db"])
    assert_one_line_error(both, "--discovery", "not several")


def discoveries_in(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        try:
            row = con.execute("SELECT count(*) FROM discoveries").fetchone()
        except duckdb.CatalogException:
            return 0
    return int(row[0]) if row else 0


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("no-case-meets", ("no run of tiny-discovery", "meets alder_output < -1")),
        ("every-case-meets", ("every run", "nothing to tell apart")),
        ("unknown-outcome", ("--rule", "unknown outcome 'alder_ouput'", "did you mean")),
        ("malformed-rule", ("--rule", "is not a rule")),
        ("box-past-the-end", ("--box", "not 999")),
        ("threshold-above-one", ("--threshold", "(0, 1]")),
        ("unknown-variant", ("--variant", "no variant named 'fast'")),
    ],
)
def test_bad_input_on_a_stored_experiment_is_one_line_and_stores_nothing(
    case: str, says: tuple[str, ...], stored_discovery: dict[str, Any], cli: Callable[..., Any]
) -> None:
    s = stored_discovery
    options = {
        "no-case-meets": ["--rule", "alder_output < -1"],
        "every-case-meets": ["--rule", "alder_output > -1"],
        "unknown-outcome": ["--rule", "alder_ouput < 3"],
        "malformed-rule": ["--rule", "alder_output = 3"],
        "box-past-the-end": ["--rule", s["rule"], "--box", "999"],
        "threshold-above-one": ["--rule", s["rule"], "--threshold", "1.5"],
        "unknown-variant": ["--rule", s["rule"], "--variant", "fast"],
    }[case]
    before = discoveries_in(s["db"])
    assert_one_line_error(cli("discover", s["file"], "--db", s["db"], *options), *says)
    assert discoveries_in(s["db"]) == before


def test_bad_input_before_any_run_creates_nothing(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "never.duckdb"
    missing = tmp_path / "nope.toml"
    assert_one_line_error(cli("discover", missing, "--rule", "x < 1", "--db", db), "nope.toml")
    plain = write(tmp_path, NO_UNCERTAINTIES, "plain.toml")
    assert_one_line_error(
        cli("discover", plain, "--rule", "alder_output < 1", "--db", db),
        "plain.toml: uncertainties",
        "needs uncertainties",
    )
    # Without the extra: one line naming it, before anything is run.
    sweep = write(tmp_path, DISCOVERED, "sweep.toml")
    workbench.cache_clear()
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    try:
        assert_one_line_error(
            cli("discover", sweep, "--rule", "alder_output < 1", "--db", db),
            "ema-workbench",
            "pip install 'helix[ema]'",
        )
    finally:
        workbench.cache_clear()
    assert not db.exists()


def test_helix_imports_no_ema_workbench_until_asked() -> None:
    code = (
        "import sys, helix.cli, helix.ema, helix.report; "
        "assert 'ema_workbench' not in sys.modules, 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_discover_runs_what_is_not_stored_first_then_reads_the_store(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    text = DISCOVERED.replace("samples = 24", "samples = 6").replace("2020-12", "2020-03")
    file = write(tmp_path, text, "fresh.toml")
    db = tmp_path / "fresh.duckdb"
    # The rule cannot be judged before the runs exist: they are run, as helix experiment would
    # run them, and kept, though every one of them meets it.
    first = cli("discover", file, "--rule", "alder_output > -1", "--db", db, "--workers", "1")
    assert first.exit_code == 2, first.stderr
    assert "running 6 run(s) of tiny-discovery" in first.stderr
    assert "nothing to tell apart" in first.stderr.splitlines()[-1]
    _, outcomes = stored_results(db, file)
    values = outcomes["alder_output"][:, 0]
    assert np.isfinite(values).all()
    # The second time, everything is in the store: nothing is run.
    rule = f"alder_output <= {float(np.median(values))!r}"
    second = cli("discover", file, "--rule", rule, "--db", db, "--json")
    assert second.exit_code == 0, second.stderr
    assert "running" not in second.stderr
    assert json.loads(second.stdout)["cases"] == 6


def test_prim_is_handed_floats_for_integer_uncertainties(stored_discovery: dict[str, Any]) -> None:
    # EMA's PRIM (2.5.3 and 3.0.0) fails under pandas 3 when a paste falls between two integers
    # of an int64 column (EMAworkbench #448): the cases it gets are floats.
    s = stored_discovery
    exp = load_experiment(s["file"])
    rule = discovery.parse_rule(s["rule"], list(exp.outcomes))
    with Store(s["db"], read_only=True) as store:
        x, y, left_out, _ = discovery._cases(store, exp, exp.baseline, rule)
    assert exp.parameters[0].integer
    assert list(x.columns) == ["alder_firms", "cedar_wage"] and len(x) == len(y) == 24
    assert all(kind == np.float64 for kind in x.dtypes) and left_out == 0
