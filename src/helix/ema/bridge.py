"""An experiment file as an EMA Workbench model, and a stored experiment as EMA's results.

In the EMA Workbench's terms (Kwakkel 2017) a helix experiment is a model with

- **uncertainties** and **levers**: the file's ``[uncertainties]`` and ``[levers]``, each an
  ``IntegerParameter`` where the world's key is an integer, else a ``RealParameter``, over the
  file's range;
- a categorical lever ``variant`` whose categories are the file's variants (the baseline
  first), when it has more than the baseline;
- **replications**: the file's replicates, as ``{"replicate": r}``, so it is a
  ``ReplicatorModel``, and each outcome an ``ArrayOutcome`` with one value per replicate;
- **outcomes**: the file's ``[outcomes]``, measured as ``helix experiment`` measures them.

The model's function runs helix as a worker of ``helix experiment`` does
(:func:`helix.experiments.worker.run_task` on the run's scenario), seeded as ``helix
experiment`` seeds the run at the same place in the design (:meth:`Experiment.runs`), so EMA
and ``helix experiment`` give the same numbers for the same runs. A point EMA samples itself,
outside the file's design, is seeded from its values: the same point gets the same seed, in
any evaluator and any order.

EMA 3 wants names that are Python identifiers: a name of the file that is not one (``rent-cap``)
becomes one (``rent_cap``) in EMA, and back again in helix's tables; the model is named after
the experiment in letters and digits (``can-this-last`` is ``CanThisLast``), as EMA 2 wants.

>>> from helix.ema import experiment_design, experiment_model, stored_results
>>> model = experiment_model("examples/can-this-last.toml")  # doctest: +SKIP
>>> scenarios, policies = experiment_design(model.experiment)  # doctest: +SKIP
>>> from ema_workbench import SequentialEvaluator  # doctest: +SKIP
>>> with SequentialEvaluator(model) as evaluator:  # doctest: +SKIP
...     experiments, outcomes = evaluator.perform_experiments(scenarios, policies)
>>> experiments, outcomes = stored_results("helix-runs.duckdb", model.experiment)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import keyword
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from helix.ema.workbench import policy, sample, workbench
from helix.errors import ExperimentError, StoreError
from helix.experiments.design import Experiment, RunSpec, load_experiment
from helix.experiments.runner import experiment_status
from helix.experiments.summary import measure_outcomes
from helix.experiments.sweeps import position_seed
from helix.experiments.worker import RunTask, run_task
from helix.store import Store

if TYPE_CHECKING:
    import pandas as pd

VARIANT = "variant"
"""The categorical lever that chooses the file's variant (present with more than one)."""
REPLICATE = "replicate"
"""The key of each replication: the replicate's number, 0 to ``replicates - 1``."""
OFF_DESIGN = 0x0FFDE5
"""A word in the seed key of a point outside the file's design, so that no such key is a
design's ``[seed, replicate, point]``."""


def ema_name(name: str) -> str:
    """``name`` as a Python identifier, as EMA 3 wants its parameters and outcomes named."""
    if name.isidentifier() and not keyword.iskeyword(name):
        return name
    out = re.sub(r"\W", "_", name)
    if not out or out[0].isdigit() or keyword.iskeyword(out):
        out = f"_{out}"
    return out


def model_name(name: str) -> str:
    """The experiment's name as EMA names a model: letters and digits only (EMA 2), a Python
    identifier (EMA 3): ``can-this-last`` is ``CanThisLast``."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", name) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts)
    return out if out[:1].isalpha() else f"Helix{out}"


def _names(exp: Experiment) -> dict[str, str]:
    """EMA name -> the file's name, of every parameter, outcome and reserved key.

    Raises:
        ExperimentError: two names of the file become one EMA name.
    """
    seen: dict[str, str] = {}
    reserved = {REPLICATE: REPLICATE}
    if len(exp.variants) > 1:
        reserved[VARIANT] = VARIANT
    tables = [
        (f"{'uncertainties' if p.role == 'uncertainty' else 'levers'}.{p.name}", p.name)
        for p in exp.parameters
    ] + [(f"outcomes.{name}", name) for name in exp.outcomes]
    seen.update(reserved)
    for where, name in tables:
        ema = ema_name(name)
        if ema in seen:
            other = seen[ema]
            clash = "a key helix gives EMA" if other in reserved else f"{other!r}"
            raise ExperimentError(
                f"{name!r} is {ema!r} in the EMA Workbench, as is {clash}: rename one",
                file=exp.file,
                key=where,
            )
        seen[ema] = name
    return {k: v for k, v in seen.items() if k not in reserved}


def _as_experiment(experiment: Experiment | str | Path) -> Experiment:
    return experiment if isinstance(experiment, Experiment) else load_experiment(experiment)


def _point_key(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


class HelixRun:
    """The model's function: one helix run at the values EMA sends, its outcomes by EMA name.

    A plain object (not a closure), so that EMA's multiprocessing evaluator can send it to its
    workers.
    """

    def __init__(self, exp: Experiment) -> None:
        self.experiment = exp
        self.names = _names(exp)
        self.parameters = {ema_name(p.name): p for p in exp.parameters}
        # A design point's values (integers rounded, as helix rounds them) -> its index; a
        # point repeated in the design (Morris trajectories may cross) is its first occurrence.
        self.points: dict[tuple[float, ...], int] = {}
        for point in range(len(exp.samples)):
            self.points.setdefault(_point_key(exp.point_values(point).values()), point)
        self.specs = {(r.variant, r.sweep_point, r.replicate): r for r in exp.runs()}

    def __call__(self, **values: Any) -> dict[str, float]:
        exp = self.experiment
        variant = str(values.pop(VARIANT, exp.baseline))
        replicate = int(values.pop(REPLICATE, 0))
        if variant not in exp.variants:
            raise ExperimentError(f"no variant named {variant!r}", file=exp.file, key=VARIANT)
        row = []
        for name, p in self.parameters.items():
            if name not in values:
                raise ExperimentError(
                    f"EMA sent no value of {name!r}", file=exp.file, key=f"{p.role}: {p.name}"
                )
            value = float(values[name])
            row.append(float(round(value)) if p.integer else value)
        spec = self._spec(variant, replicate, row)
        one = dataclasses.replace(exp, samples=np.array([row]) if row else exp.samples[:0])
        scenario = one.scenario(dataclasses.replace(spec, sweep_point=0))
        ret = run_task(RunTask(spec.run_id, scenario, False, 1, exp.outcomes))
        if ret.error is not None:
            raise ExperimentError(f"the run failed: {ret.error}", file=exp.file)
        return {ema_name(name): value for name, value in ret.outcomes.items()}

    def _spec(self, variant: str, replicate: int, row: list[float]) -> RunSpec:
        """The run's place in the file's design, or a place of its own outside it."""
        exp = self.experiment
        point = self.points.get(_point_key(row)) if row else 0
        design = self.specs.get((variant, point, replicate)) if point is not None else None
        if design is not None:
            return design
        vi = list(exp.variants).index(variant)
        words = [int(np.float64(v).view(np.uint64)) for v in row]
        key = [exp.seed, replicate, OFF_DESIGN, *words]
        if not exp.spec.common_random_numbers:
            key.insert(1, vi)
        text = f"{exp.experiment_id}/{variant}/{replicate}/{row}"
        run_id = hashlib.sha256(text.encode()).hexdigest()[:16]
        return RunSpec(run_id, variant, vi, replicate, 0, position_seed(key))


def experiment_model(experiment: Experiment | str | Path) -> Any:
    """The experiment (a loaded one, or its file) as an EMA ``ReplicatorModel``.

    The model keeps the experiment as ``model.experiment``. Its outcomes are ``ArrayOutcome``
    objects with one value per replicate: EMA's results hold an array of shape (experiments,
    replicates) per outcome.

    Raises:
        MissingWorkbenchError: ema-workbench is not installed.
        ExperimentError: the file cannot be used, or two of its names clash in EMA.
    """
    ema = workbench()
    exp = _as_experiment(experiment)
    function = HelixRun(exp)
    model = ema.ReplicatorModel(model_name(exp.name), function=function)
    model.uncertainties = [_parameter(ema, p) for p in exp.parameters if p.role == "uncertainty"]
    levers = [_parameter(ema, p) for p in exp.parameters if p.role == "lever"]
    if len(exp.variants) > 1:
        levers.append(ema.CategoricalParameter(VARIANT, list(exp.variants)))
    model.levers = levers
    model.outcomes = [ema.ArrayOutcome(ema_name(name)) for name in exp.outcomes]
    model.replications = [{REPLICATE: r} for r in range(exp.spec.replicates)]
    model.experiment = exp
    return model


def _parameter(ema: Any, p: Any) -> Any:
    if p.integer:
        return ema.IntegerParameter(ema_name(p.name), round(p.low), round(p.high))
    return ema.RealParameter(ema_name(p.name), p.low, p.high)


def experiment_design(experiment: Experiment | str | Path) -> tuple[list[Any], list[Any]]:
    """The file's own design as EMA's scenarios and policies, for ``perform_experiments``.

    Scenarios are the sweep's points (named by their index, as the store numbers them),
    policies the variants (named as in the file): EMA's full-factorial crossing of the two,
    with the model's replications, is then exactly the runs of ``helix experiment``.

    Raises:
        ExperimentError: the file sweeps levers, which its design draws together with the
            uncertainties; EMA crosses scenarios with policies and cannot repeat that design
            (sample in EMA instead: ``perform_experiments(model, scenarios=N, policies=M)``).
    """
    exp = _as_experiment(experiment)
    levers = [p for p in exp.parameters if p.role == "lever"]
    if levers:
        raise ExperimentError(
            "its design draws the levers together with the uncertainties, which EMA's "
            "scenarios x policies cannot repeat; let EMA sample them instead",
            file=exp.file,
            key=f"levers.{levers[0].name}",
        )
    scenarios = [
        sample(
            str(point), **{ema_name(p.name): v for p, v in zip(exp.parameters, values, strict=True)}
        )
        for point, values in _design_points(exp)
    ]
    many = len(exp.variants) > 1
    policies = [policy(v, **({VARIANT: v} if many else {})) for v in exp.variants]
    return scenarios, policies


def _design_points(exp: Experiment) -> list[tuple[int, list[float | int]]]:
    """Each sweep point's values, integers as integers (one empty point without a sweep)."""
    if not exp.parameters:
        return [(0, [])]
    out = []
    for point in range(len(exp.samples)):
        values = list(exp.point_values(point).values())
        out.append(
            (
                point,
                [int(v) if p.integer else v for p, v in zip(exp.parameters, values, strict=True)],
            )
        )
    return out


def stored_results(
    db: str | Path | Store, experiment: Experiment | str | Path
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A stored experiment as EMA's ``(experiments, outcomes)`` pair.

    The pair is what EMA's ``perform_experiments`` returns for :func:`experiment_model` over
    :func:`experiment_design`: one row of ``experiments`` per variant and sweep point (in that
    order), with each uncertainty and lever, ``variant`` (with more than one), ``scenario`` (the
    sweep point), ``policy`` (the variant) and ``model``; and per outcome an array of shape
    (rows, replicates). A run that is not done (failed, or not yet run) is NaN.

    Args:
        db: The store (a DuckDB file, or an open :class:`~helix.store.Store`).
        experiment: The experiment, loaded or as its file: it says which runs to read.

    Raises:
        StoreError: the store cannot be read, or holds no finished run of the experiment.
    """
    import pandas as pd

    exp = _as_experiment(experiment)
    names = _names(exp)
    if isinstance(db, Store):
        values = _read(db, exp)
    else:
        with Store(db, read_only=True) as store:
            values = _read(store, exp)
    points = _design_points(exp)
    rows = [(variant, point, row) for variant in exp.variants for point, row in points]
    columns: dict[str, Any] = {}
    for i, p in enumerate(exp.parameters):
        kind = "int64" if p.integer else "float64"
        columns[ema_name(p.name)] = pd.Series([row[i] for _, _, row in rows], dtype=kind)
    if len(exp.variants) > 1:
        columns[VARIANT] = pd.Categorical([v for v, _, _ in rows], categories=list(exp.variants))
    columns["scenario"] = pd.Categorical([str(point) for _, point, _ in rows])
    columns["policy"] = pd.Categorical([v for v, _, _ in rows])
    columns["model"] = pd.Categorical([model_name(exp.name)] * len(rows))
    experiments = pd.DataFrame(columns)
    replicates = exp.spec.replicates
    outcomes: dict[str, np.ndarray] = {}
    for ema, name in names.items():
        if name not in exp.outcomes:
            continue
        array = np.full((len(rows), replicates), np.nan)
        for i, (variant, point, _) in enumerate(rows):
            for r in range(replicates):
                array[i, r] = values.get((variant, point, r, name), np.nan)
        outcomes[ema] = array
    return experiments, outcomes


def _read(store: Store, exp: Experiment) -> dict[tuple[str, int, int, str], float]:
    """(variant, sweep point, replicate, outcome) -> value of every finished run."""
    if experiment_status(store, exp)["done"] == 0:
        raise StoreError(
            f"no finished run of experiment {exp.name!r} ({exp.experiment_id}) in the store: "
            f"run helix experiment {exp.file} first",
            file=store.path,
        )
    return {
        (v.variant, v.sweep_point, v.replicate, v.outcome): v.value
        for v in measure_outcomes(store, exp)
    }
