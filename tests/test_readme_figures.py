"""The README's figures and its report screenshot are what scripts/readme_figures.py recorded.

Cheap checks in the fast lane (the README against the record, the screenshot's hash, the world
the record was measured on, docs/calibration.md's tables); the slow lane re-runs the eight seeds
behind T1-T7, which the model's determinism makes comparable bit for bit.
"""

from __future__ import annotations

import json

import pytest
from conftest import eight_seed_targets, load_script

figures = load_script("readme_figures")
RECORD = json.loads(figures.RECORD.read_text(encoding="utf-8"))
README = figures.README.read_text(encoding="utf-8")
STALE = "rerun: .venv/bin/python scripts/readme_figures.py"


def test_the_readme_s_figures_are_the_recorded_ones():
    assert figures.rewrite(README, RECORD) == README, STALE


def test_every_figure_is_in_the_readme_and_no_span_is_unknown():
    spans = {m["name"] for m in figures.SPAN.finditer(README)}
    assert spans == set(figures.figures(RECORD))


def test_a_span_the_script_does_not_know_is_an_error():
    with pytest.raises(KeyError, match="figure:nosuch"):
        figures.rewrite("<!-- figure:nosuch -->1<!-- /figure -->", RECORD)


def test_a_changed_figure_is_caught():
    changed = dict(RECORD, run={**RECORD["run"], "db_mb": RECORD["run"]["db_mb"] + 7})
    assert figures.rewrite(README, changed) != README


def test_the_screenshot_is_the_one_recorded():
    assert figures.screenshot_hash() == RECORD["screenshot"], STALE


def test_the_record_belongs_to_the_shipped_world_as_it_is():
    assert figures.world_fingerprint() == RECORD["world"], f"the default world changed: {STALE}"


def test_the_record_agrees_with_the_calibration_document():
    now = figures.from_calibration_md(figures.CALIBRATION_MD.read_text(encoding="utf-8"))
    assert {k: RECORD[k] for k in now} == now, STALE


@pytest.mark.slow
def test_the_eight_seeds_give_the_recorded_figures():
    """The model is deterministic: T1-T7 over the eight seeds are exactly as recorded."""
    per_seed = eight_seed_targets()
    measured = figures.eight_seeds(per_seed)
    assert json.loads(json.dumps(measured)) == RECORD["targets"], STALE
    shipped = json.loads(figures.SPREAD.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(figures.spread(per_seed))) == shipped, STALE


def test_the_spread_shipped_with_the_world_belongs_to_it():
    from helix.scenario.spread import read_spread, world_fingerprint

    shipped = read_spread()
    assert shipped is not None and shipped["world"] == world_fingerprint(), STALE
    assert shipped["seeds"] == list(figures.SEEDS) and set(shipped["targets"]) == set(
        RECORD["targets"]
    )
