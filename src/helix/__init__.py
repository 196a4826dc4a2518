"""helix: an agent-based simulator of technology innovation ecosystems.

The public API:

>>> from helix import load_scenario, simulate
>>> result = simulate(load_scenario(until="2021-12", scale=0.05))
"""

from __future__ import annotations

from helix.errors import ExperimentError, HelixError, ScenarioError, StoreError
from helix.experiments.design import Experiment, load_experiment
from helix.experiments.runner import run_experiment
from helix.scenario.load import load_scenario
from helix.store import Store
from helix.version import __version__
from helix.world.simulation import RunResult, simulate

__all__ = [
    "Experiment",
    "ExperimentError",
    "HelixError",
    "RunResult",
    "ScenarioError",
    "Store",
    "StoreError",
    "__version__",
    "load_experiment",
    "load_scenario",
    "run_experiment",
    "simulate",
]
