"""helix: an agent-based simulator of technology innovation ecosystems.

The public API (:mod:`helix.api` says more):

>>> from helix import load_scenario, simulate
>>> world = load_scenario(overrides={"parameters.rents.natural_vacancy": 0.15}, until="2021-12")
>>> result = simulate(world)
>>> yearly = result.frame("output", by="city", freq="year")  # a pandas DataFrame
>>> growth = result.outcome(indicator="output", statistic="cagr")

The names are loaded on first use (PEP 562): ``import helix`` alone, or a command of the
command line that needs none of them, does not pay for the simulator's compiled kernels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helix.lazy import loader
from helix.version import __version__

if TYPE_CHECKING:
    from helix.api import Outcome, Result, simulate
    from helix.errors import ExperimentError, HelixError, ScenarioError, StoreError
    from helix.experiments.design import Experiment, load_experiment
    from helix.experiments.runner import run_experiment
    from helix.scenario.load import load_scenario
    from helix.store import Store
    from helix.world.simulation import RunResult

_WHERE = {
    "Experiment": "helix.experiments.design",
    "ExperimentError": "helix.errors",
    "HelixError": "helix.errors",
    "Outcome": "helix.api",
    "Result": "helix.api",
    "RunResult": "helix.world.simulation",
    "ScenarioError": "helix.errors",
    "Store": "helix.store",
    "StoreError": "helix.errors",
    "load_experiment": "helix.experiments.design",
    "load_scenario": "helix.scenario.load",
    "run_experiment": "helix.experiments.runner",
    "simulate": "helix.api",
}

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


__getattr__, __dir__ = loader(__name__, globals(), _WHERE)
