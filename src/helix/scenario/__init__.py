"""What a world is: schema, loading, overrides and the shipped default."""

from helix.scenario.load import load_scenario
from helix.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario"]
