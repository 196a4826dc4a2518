"""The shipped world's targets over seeds: shown beside a single run of that world only."""

from __future__ import annotations

from helix.scenario.load import load_scenario
from helix.scenario.spread import is_shipped_world, read_spread, seed_spread


def test_the_shipped_world_with_any_seed_is_the_shipped_world() -> None:
    assert is_shipped_world(load_scenario(seed=5))
    assert read_spread() is not None and seed_spread(load_scenario(seed=11)) == read_spread()


def test_a_changed_world_gets_no_spread() -> None:
    changed = load_scenario(None, ["parameters.rents.natural_vacancy=0.12"])
    assert not is_shipped_world(changed) and seed_spread(changed) is None
    assert seed_spread(load_scenario(scale=0.5)) is None  # counts at another scale differ
    assert seed_spread(load_scenario("tiny-corridor")) is None  # no spread shipped with it
