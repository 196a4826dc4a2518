"""An experiment's design knows no world: default outcomes follow the base scenario's focus city,
and a shortened run drops what it can no longer hold."""

from __future__ import annotations

from typing import Any

from helix.experiments.design import default_outcomes
from helix.experiments.variants import shorten


def test_default_outcomes_name_the_focus_city() -> None:
    base: dict[str, Any] = {
        "cities": {"Harbor": {"role": "peer"}, "New Town": {"role": "core"}, "Vale": {}}
    }
    outcomes = default_outcomes(base)
    assert set(outcomes) == {"new_town_output", "new_town_unicorns", "new_town_vc", "new_town_rent"}
    assert {o.city for o in outcomes.values()} == {"New Town"}


def test_a_shortened_run_drops_later_items_and_their_free_parameters() -> None:
    data: dict[str, Any] = {
        "end": "2030-12",
        "shocks": {"early": {"start": "2020-06"}, "late": {"start": "2024-01"}},
        "policies": {"late": {"start": "2023-01"}},
        "targets": {"T": {"end": "2025-12"}},
        "calibration": {
            "shocks.late.severity": {"low": 0.1, "high": 0.5},
            "shocks.early.severity": {"low": 0.1, "high": 0.5},
            "parameters.a.b": {"low": 0, "high": 1},
        },
    }
    shorten(data, "2021-12")
    assert data["end"] == "2021-12"
    assert list(data["shocks"]) == ["early"] and data["policies"] == {} and data["targets"] == {}
    assert list(data["calibration"]) == ["shocks.early.severity", "parameters.a.b"]
