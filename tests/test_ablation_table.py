"""The ablation tables of docs/calibration.md and the README are what scripts/ablation_table.py
recorded, from the shipped world as it is (no simulation here: `helix validate --ablations`
makes the record)."""

from __future__ import annotations

import copy
import json

from conftest import load_script

STALE = "rerun: .venv/bin/python scripts/ablation_table.py (or --render after a hand edit)"


table = load_script("ablation_table")
RECORD = json.loads(table.RECORD.read_text(encoding="utf-8"))


def test_both_documents_carry_the_recorded_table():
    for doc in table.DOCUMENTS:
        text = doc.read_text(encoding="utf-8")
        assert table.rewrite(text, RECORD) == text, f"{doc.name}: {STALE}"


def test_the_record_belongs_to_the_shipped_world_and_covers_its_targets():
    from helix.scenario.load import load_scenario

    assert RECORD["world"] == table.world_fingerprint(), f"the default world changed: {STALE}"
    declared = [n for n, t in load_scenario().targets.items() if t.ablation is not None]
    assert [a["target"] for a in RECORD["ablations"]] == declared
    assert RECORD["seeds"] and len(RECORD["seeds"]) == table.SEEDS and RECORD["scale"] == 1.0


def test_a_target_that_holds_without_its_mechanism_is_not_called_earned():
    changed = copy.deepcopy(RECORD)
    for a in changed["ablations"]:
        a["holds_without"] = True
    body = table.table(changed)
    assert "**yes**" not in body and body.count("no: holds without it") == len(RECORD["ablations"])
