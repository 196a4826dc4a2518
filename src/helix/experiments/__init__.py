"""What to run and where: targets, variants, replicates, sweeps, sensitivity, executors.

Every statistic of a run is measured in :mod:`helix.experiments.measures`; experiments,
calibration (:mod:`helix.experiments.calibration`) and validation
(:mod:`helix.experiments.validation`) run on the same backends (:mod:`.executors`, local
processes or a Dask cluster; :mod:`.batch` for batches of tasks).

>>> from helix.experiments import LocalPool, load_experiment, run_experiment
>>> from helix.store import Store
>>> exp = load_experiment("examples/no-tax-break.toml", replicates=2, until="2022-12", scale=0.03)
>>> with Store("results.duckdb") as store, LocalPool(2) as pool:  # doctest: +SKIP
...     report = run_experiment(exp, store, pool)
"""

from typing import TYPE_CHECKING

from helix.lazy import loader

if TYPE_CHECKING:
    from helix.experiments.design import Experiment, ExperimentFile, RunSpec, load_experiment
    from helix.experiments.executors import DaskCluster, ExecutorBackend, LocalPool, backend_for
    from helix.experiments.runner import (
        ExperimentProgress,
        ExperimentReport,
        experiment_status,
        read_status,
        run_experiment,
    )

# Loaded on first use (``helix.lazy``): a module of this package imported alone (``measures``
# by the report) does not load the executors, Dask or the experiment runner.
_WHERE = {
    **dict.fromkeys(
        ["Experiment", "ExperimentFile", "RunSpec", "load_experiment"], "helix.experiments.design"
    ),
    **dict.fromkeys(
        ["DaskCluster", "ExecutorBackend", "LocalPool", "backend_for"],
        "helix.experiments.executors",
    ),
    **dict.fromkeys(
        [
            "ExperimentProgress",
            "ExperimentReport",
            "experiment_status",
            "read_status",
            "run_experiment",
        ],
        "helix.experiments.runner",
    ),
}

__all__ = [
    "DaskCluster",
    "ExecutorBackend",
    "Experiment",
    "ExperimentFile",
    "ExperimentProgress",
    "ExperimentReport",
    "LocalPool",
    "RunSpec",
    "backend_for",
    "experiment_status",
    "load_experiment",
    "read_status",
    "run_experiment",
]

__getattr__, __dir__ = loader(__name__, globals(), _WHERE)
