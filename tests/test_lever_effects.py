"""docs/model.md's "What the levers do" is what scripts/lever_effects.py recorded.

Cheap checks, no simulation: the section is what the script writes from docs/lever_effects.json
(the hand-written interpretations kept), and the record was made from the shipped world and the
example files as they are now.
"""

from __future__ import annotations

import copy
import json

import pytest
from conftest import load_script

levers = load_script("lever_effects")
RECORD = json.loads(levers.RECORD.read_text(encoding="utf-8"))
MODEL_MD = levers.MODEL_MD.read_text(encoding="utf-8")
STALE = "rerun: .venv/bin/python scripts/lever_effects.py (or --render after a hand edit)"


def test_the_section_is_what_the_record_writes():
    assert levers.rewrite(MODEL_MD, RECORD) == MODEL_MD, STALE


def test_the_record_belongs_to_the_shipped_world_and_examples_as_they_are():
    assert RECORD["world"] == levers.world_fingerprint(), f"the default world changed: {STALE}"
    assert RECORD["examples"] == levers.example_hashes(), f"an example changed: {STALE}"


def test_every_lever_of_the_issue_is_recorded_with_effects_and_a_trace():
    assert [lever["name"] for lever in RECORD["levers"]] == list(levers.EXAMPLES)
    for lever in RECORD["levers"]:
        assert lever["effects"] and lever["traces"], lever["name"]
        assert lever["failed"] == 0, lever["name"]
        assert f"#### `{lever['name']}`" in MODEL_MD


def test_a_changed_effect_is_caught():
    changed = copy.deepcopy(RECORD)
    effect = changed["levers"][0]["effects"][0]
    effect["effect"] = (effect["effect"] or 0.0) * 2 + 1e9
    assert levers.rewrite(MODEL_MD, changed) != MODEL_MD


def test_interpretations_survive_a_rewrite():
    name = RECORD["levers"][0]["name"]
    mine = "Written by hand: funds dry up, then firms.\n"
    edited = levers.rewrite(MODEL_MD, RECORD).replace(
        levers.interpretations(MODEL_MD)[name], mine, 1
    )
    again = levers.rewrite(edited, RECORD)
    assert levers.interpretations(again)[name] == mine
    assert again == edited


def test_a_document_without_its_markers_is_refused():
    with pytest.raises(SystemExit, match="lever-effects"):
        levers.rewrite("# no section here\n", RECORD)
