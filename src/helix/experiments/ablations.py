"""Ablations: is each target earned by the mechanism the world says produces it?

A world declares, with each of its targets (``[targets.NAME.ablation]``), the mechanism that
produces the figure and the settings that switch that mechanism off (pattern-oriented
modelling: Grimm et al. 2005; Windrum, Fagiolo & Moneta 2007). A target is earned when it holds
with the mechanism and fails without it, on the mean over seeds. :func:`ablate` runs the world
as it is and once per ablation, each over the same seeds (common random numbers), to the last
month the targets read, and holds each target against the report both ways
(``helix validate --ablations``).

The runs go through the experiments' backends (:mod:`helix.experiments.batch`: local processes,
one compute thread each, or a Dask cluster); results are collected in the tasks' order, so they
do not depend on the backend or the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helix.errors import ExperimentError, ScenarioError
from helix.experiments.batch import run_batch
from helix.experiments.targets import measure_all, on_mean_over_seeds
from helix.experiments.worker import limit_threads
from helix.jsonsafe import json_safe
from helix.scenario.load import load_scenario, scenario_to_dict
from helix.scenario.memory import check_memory
from helix.scenario.schema import Scenario
from helix.world.calendar import month_index
from helix.world.simulation import simulate

Progress = Callable[[int, int], None]


def targets_run(task: tuple[dict[str, Any], int]) -> dict[str, Any]:
    """Simulate one seed of a world and measure its targets (runs in a worker process)."""
    limit_threads()  # as every run of an experiment: one compute thread per worker
    data, seed = task
    try:
        world = Scenario.model_validate({**data, "seed": int(seed)})
        result = simulate(world, keep_firms=False)
        return {"ok": True, "targets": measure_all(result.observations, world)}
    except Exception as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}


@dataclass
class TargetAblation:
    """One target with its mechanism and without it, on the mean over seeds."""

    target: str
    mechanism: str
    removed: str
    overrides: list[str]
    with_mechanism: Any  # the mean simulated value (a dict of years for change, city_ratio)
    without_mechanism: Any
    holds_with: bool
    holds_without: bool

    @property
    def earned(self) -> bool:
        """Holds with its mechanism and fails without it."""
        return self.holds_with and not self.holds_without

    def to_json(self) -> dict[str, Any]:
        return json_safe(
            {
                "target": self.target,
                "mechanism": self.mechanism,
                "removed": self.removed,
                "overrides": self.overrides,
                "with": self.with_mechanism,
                "without": self.without_mechanism,
                "holds_with": self.holds_with,
                "holds_without": self.holds_without,
            }
        )


@dataclass
class AblationResult:
    """``helix validate --ablations``' answer."""

    scenario_name: str
    seeds: list[int]
    scale: float
    start: str
    end: str
    ablations: list[TargetAblation] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "seeds": self.seeds,
            "scale": self.scale,
            "start": self.start,
            "end": self.end,
            "ablations": [a.to_json() for a in self.ablations],
        }


def ablated(
    scenario: str | Path | None,
    overrides: Sequence[str],
    target: str,
    ablation: Sequence[str],
    *,
    scale: float | None,
    until: str,
) -> Scenario:
    """The world with one target's mechanism switched off; a setting the world does not have
    is an error of the declaration, named as such."""
    try:
        return load_scenario(scenario, [*overrides, *ablation], scale=scale, until=until)
    except ScenarioError as exc:
        raise ScenarioError(
            f"its ablation does not apply: {exc.line()}",
            file=exc.file,
            key=f"targets.{target}.ablation.overrides",
        ) from None


def ablate(
    scenario: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    seeds: int = 8,
    scale: float | None = None,
    until: str | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Progress | None = None,
) -> AblationResult:
    """Run a world with and without each target's mechanism and hold the targets both ways.

    Args:
        scenario: Scenario TOML (the shipped default when ``None``).
        overrides: ``KEY.PATH=VALUE`` overrides, applied to both worlds.
        seeds: Replicates (seeds ``seed .. seed+seeds-1`` of the scenario), the same with and
            without each mechanism.
        scale: Agent scale (the scenario's own by default).
        until: Last month (by default the last month a target with an ablation reads).
        workers: Worker processes (all cores by default; 1 runs in this process).
        cluster: Address of a Dask scheduler (``tcp://host:port``) to run on instead.
        progress: Called with ``(runs done, runs planned)``.
    """
    if seeds < 1:
        raise ExperimentError("--seeds must be at least 1", key="--seeds")
    world = load_scenario(scenario, list(overrides), scale=scale, until=until)
    declared = {name: t.ablation for name, t in world.targets.items() if t.ablation is not None}
    if not declared:
        raise ExperimentError(
            "no target measured in this run declares its mechanism and ablation "
            "([targets.NAME.ablation] with mechanism, removed and overrides)",
            file=str(scenario) if scenario else world.name,
        )
    if until is None:
        until = max((world.targets[name].end for name in declared), key=month_index)
        world = load_scenario(scenario, list(overrides), scale=scale, until=until)
    check_memory(world, label=str(scenario) if scenario else None)

    # The world as it is, then each distinct ablation once (targets may share one).
    worlds: dict[tuple[str, ...], dict[str, Any]] = {(): scenario_to_dict(world)}
    for name, a in declared.items():
        key = tuple(a.as_overrides())
        if key not in worlds:
            changed = ablated(scenario, overrides, name, key, scale=scale, until=until)
            worlds[key] = scenario_to_dict(changed)
    seed_list = [world.seed + k for k in range(seeds)]
    plan = [(key, s) for key in worlds for s in seed_list]
    tasks = [(worlds[key], s) for key, s in plan]
    results = run_batch(
        targets_run, tasks, cluster=cluster, workers=workers, progress=progress, what="an ablation"
    )
    runs: dict[tuple[str, ...], list[dict[str, Any]]] = {key: [] for key in worlds}
    for (key, _), r in zip(plan, results, strict=True):
        runs[key].append(r["targets"])

    rows = []
    for name, a in declared.items():
        t = world.targets[name]
        key = tuple(a.as_overrides())
        with_ = on_mean_over_seeds(t, [r[name] for r in runs[()]])
        without = on_mean_over_seeds(t, [r[name] for r in runs[key]])
        rows.append(
            TargetAblation(
                target=name,
                mechanism=a.mechanism,
                removed=a.removed,
                overrides=list(key),
                with_mechanism=with_["simulated"],
                without_mechanism=without["simulated"],
                holds_with=bool(with_["pass"]),
                holds_without=bool(without["pass"]),
            )
        )
    return AblationResult(
        scenario_name=world.name,
        seeds=seed_list,
        scale=world.scale,
        start=world.start,
        end=world.end,
        ablations=rows,
    )
