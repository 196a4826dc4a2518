"""helix: an agent-based simulator of technology innovation ecosystems.

The public API (:mod:`helix.api` says more):

>>> from helix import load_scenario, simulate
>>> world = load_scenario(overrides={"parameters.rents.natural_vacancy": 0.15}, until="2021-12")
>>> result = simulate(world)
>>> yearly = result.frame("output", by="city", freq="year")  # a pandas DataFrame
>>> growth = result.outcome(indicator="output", statistic="cagr")
"""

from __future__ import annotations

from helix.api import Outcome, Result, simulate
from helix.errors import ExperimentError, HelixError, ScenarioError, StoreError
from helix.experiments.design import Experiment, load_experiment
from helix.experiments.runner import run_experiment
from helix.scenario.load import load_scenario
from helix.store import Store
from helix.version import __version__
from helix.world.simulation import RunResult

__all__ = [
    "Experiment",
    "ExperimentError",
    "HelixError",
    "Outcome",
    "Result",
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
