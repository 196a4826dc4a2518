"""The whole job behind ``helix calibrate``: search, re-run the best, store and write it."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helix.errors import ExperimentError
from helix.experiments.batch import task_backend
from helix.experiments.calibration.free import (
    free_parameters,
    typed_values,
    with_values,
)
from helix.experiments.calibration.identifiability import ParameterSummary, identifiability
from helix.experiments.calibration.loss import TargetFit
from helix.experiments.calibration.screen import ScreenedCandidate, best_by_facts, screen
from helix.experiments.calibration.search import (
    Evaluator,
    OptunaCalibrator,
    Progress,
    run_search,
    spec_hash,
    study_file,
)
from helix.jsonsafe import json_safe
from helix.scenario.load import load_scenario, scenario_to_dict, scenario_to_toml, validate
from helix.scenario.memory import check_memory
from helix.scenario.schema import Scenario
from helix.store.calibrations import StoredCalibration, write_calibration
from helix.store.runs import Store
from helix.world.calendar import month_index

FIT_SEED_OFFSET = 10_000
PROFILE_SEED_OFFSET = 0

QUICK_TRIALS = 8
QUICK_SEEDS = 2
QUICK_SCALE = 0.05
QUICK_FIRMS = 1_000


def quick_scale(world: Scenario) -> float:
    """The scale of a quick calibration: 0.05, or more for a small world, so that it starts with
    at least ``QUICK_FIRMS`` firms (a handful of firms per city makes targets read zero), and
    never above the world's own scale."""
    firms = sum(city.firms for city in world.cities.values())  # at scale 1
    wanted = QUICK_FIRMS / firms if firms > 0 else QUICK_SCALE
    return min(world.scale, max(QUICK_SCALE, wanted))


@dataclass
class CalibrationResult:
    """What ``helix calibrate`` found, wrote and stored."""

    calibration_id: str
    scenario_name: str
    study_name: str
    study_file: str
    trials: int
    complete: int
    failed: int
    best_trial: int
    best_loss: float
    fit_loss: float
    values: dict[str, float]
    seeds: list[int]
    fit_seeds: list[int]
    scale: float
    until: str
    fits: list[TargetFit]
    parameters: list[ParameterSummary]
    correlation: list[list[float | None]]
    profiles: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    screened: list[ScreenedCandidate] = field(default_factory=list)
    out: str | None = None
    db: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The fit table (and where the calibration went) as JSON-ready data."""
        return json_safe(
            {
                "calibration_id": self.calibration_id,
                "study": self.study_name,
                "study_file": self.study_file,
                "trials": self.trials,
                "best_trial": self.best_trial,
                "best_loss": self.best_loss,
                "fit_loss": self.fit_loss,
                "fit_seeds": self.fit_seeds,
                "parameters": self.values,
                "out": self.out,
                "db": self.db,
                "fit": [asdict(f) for f in self.fits],
                "identifiability": [asdict(p) for p in self.parameters],
                "facts_screen": [
                    {**asdict(c), "chosen": c.trial == self.best_trial} for c in self.screened
                ],
            }
        )


def calibrate(
    scenario: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    trials: int = 200,
    seeds: int = 4,
    fit_seeds: int = 8,
    scale: float | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    db: str | Path = "helix-runs.duckdb",
    out: str | Path | None = "calibrated.toml",
    profile_points: int = 0,
    facts: int = 0,
    command: str = "",
    progress: Progress | None = None,
) -> CalibrationResult:
    """Calibrate a scenario's free parameters to its targets, write and store the result.

    Args:
        scenario: Scenario TOML (the shipped default when ``None``).
        overrides: ``KEY.PATH=VALUE`` overrides applied first.
        trials: Total candidates in the study (a rerun with more trials extends it).
        seeds: Replicates per candidate (seeds ``seed .. seed+seeds-1`` of the scenario).
        fit_seeds: Fresh seeds over which the best candidate is re-run for the fit table.
        scale: Agent scale of the calibration runs (the scenario's own by default).
        workers: Worker processes (all cores by default; 1 runs in this process).
        cluster: Address of a Dask scheduler (``tcp://host:port``) to run on instead.
        db: DuckDB store for the fit tables; the study lives in ``<db>.optuna.log``.
        out: Where to write the calibrated scenario TOML (``None``: do not write).
        profile_points: If above 0, re-run this many points along each parameter (others at
            the best) for its profile, instead of reading the profile off the trials.
        facts: If above 0, hold this many of the best-fitting candidates against the
            validation facts over the world's whole horizon (``seeds`` seeds each) and ship the
            best-fitting one that passes them all (:mod:`.screen`).
        command: The command line, kept with the stored calibration.
        progress: Called with ``(simulations done, simulations planned)``.

    Raises:
        HelixError: on bad input, a corrupted study file or when every candidate failed.
    """
    if trials < 1 or seeds < 1 or fit_seeds < 1:
        raise ExperimentError("--trials, --seeds and --fit-seeds must be at least 1")
    if facts < 0:
        raise ExperimentError("--facts must be 0 (no screen) or more", key="--facts")
    world = load_scenario(scenario, list(overrides))
    free = free_parameters(world)
    if not world.targets:
        raise ExperimentError("the scenario has no [targets] to calibrate to", key="targets")
    until = max(world.targets.values(), key=lambda t: month_index(t.end)).end
    sim_world = load_scenario(scenario, list(overrides), scale=scale, until=until)
    check_memory(sim_world, keep_firms=False, label=str(scenario) if scenario else None)
    base = scenario_to_dict(sim_world)
    fact_base: dict[str, Any] = {}
    if facts > 0:  # the facts read firms over the whole horizon
        fact_world = load_scenario(scenario, list(overrides), scale=scale)
        check_memory(fact_world, label=str(scenario) if scenario else None)
        fact_base = scenario_to_dict(fact_world)
    seed_list = [world.seed + k for k in range(seeds)]
    fit_list = [world.seed + FIT_SEED_OFFSET + k for k in range(fit_seeds)]
    Store(db).close()  # fail early on a bad --db; the store is written at the end only
    path = study_file(db)
    name = f"helix-{spec_hash(base, free, seed_list)}"
    attrs = {
        "scenario": world.name,
        "free": [p.path for p in free],
        "seeds": seed_list,
        "scale": sim_world.scale,
        "until": until,
    }
    calibrator = OptunaCalibrator(path, name, free, world.seed, attrs)
    stale = sum(1 for t in calibrator.study.get_trials(deepcopy=False) if t.state.name == "RUNNING")
    todo = max(trials - calibrator.done(), 0) + stale
    total = (todo + profile_points * len(free) + facts) * seeds + fit_seeds

    with task_backend(cluster, workers) as backend:
        evaluator = Evaluator(base, sim_world.targets, free, backend, progress, total)
        errors = run_search(calibrator, evaluator, seed_list, trials)
        evaluated = calibrator.evaluated()
        if not evaluated:
            first = errors[0] if errors else "no trial finished"
            raise ExperimentError(f"every candidate failed: {first}", key="calibration")
        ranked = sorted(evaluated, key=lambda e: e.loss if e.loss is not None else math.inf)
        best = ranked[0]
        screened: list[ScreenedCandidate] = []
        if facts > 0:
            top = [e for e in ranked[:facts] if e.loss is not None]
            screened = screen(
                [(e.number, float(e.loss or 0.0), e.values) for e in top],
                free,
                fact_base,
                seed_list,
                evaluator.backend,
                evaluator.tick,
            )
            chosen = best_by_facts(screened).trial
            best = next(e for e in top if e.number == chosen)
        best_values = typed_values(free, best.values)
        [(fit_loss, fits, error)] = evaluator.losses([best_values], fit_list)
        if error:
            raise ExperimentError(f"the best candidate failed on a fresh seed: {error}")
        rerun: dict[str, list[tuple[float, float]]] = {}
        if profile_points > 0:
            for p in free:
                grid = [p.from_unit(u) for u in np.linspace(0, 1, profile_points)]
                cands = [{**best_values, p.path: v} for v in grid]
                rerun[p.path] = [
                    (v, loss if loss is not None else math.inf)
                    for v, (loss, _, _) in zip(
                        grid, evaluator.losses(cands, seed_list), strict=True
                    )
                ]
    summaries, corr = identifiability(
        free, evaluated, best_values, calibrator.importance(), rerun or None
    )
    states = [t.state.name for t in calibrator.study.get_trials(deepcopy=False)]
    result = CalibrationResult(
        calibration_id=uuid.uuid4().hex[:12],
        scenario_name=world.name,
        study_name=calibrator.name,
        study_file=str(path),
        trials=len(states),
        complete=states.count("COMPLETE"),
        failed=states.count("FAIL"),
        best_trial=best.number,
        best_loss=float(best.loss or 0.0),
        fit_loss=float(fit_loss or 0.0),
        values=best_values,
        seeds=seed_list,
        fit_seeds=fit_list,
        scale=sim_world.scale,
        until=until,
        fits=fits,
        parameters=summaries,
        correlation=[[None if not math.isfinite(x) else float(x) for x in row] for row in corr],
        profiles=rerun,
        screened=screened,
        db=str(db),
        errors=errors,
    )
    calibrated = calibrated_world(world, best_values)
    if out is not None:
        Path(out).write_text(calibrated_toml(calibrated, result), encoding="utf-8")
        result.out = str(out)
    with Store(db) as store:
        store_calibration(store, result, calibrated, command)
    return result


def calibrated_world(world: Scenario, values: dict[str, float]) -> Scenario:
    """The user's world (full horizon, own scale) with the calibrated values set."""
    return validate(with_values(scenario_to_dict(world), values), "<calibrated world>")


def calibrated_toml(world: Scenario, result: CalibrationResult) -> str:
    """A scenario file of the calibrated world, with a header saying where it comes from."""
    header = [
        f"# Calibrated by `helix calibrate` (calibration {result.calibration_id}, study",
        f"# {result.study_name} in {result.study_file}): best of {result.trials} trials,",
        f"# loss {result.best_loss:.3g} over seeds {result.seeds}, {result.fit_loss:.3g} over fresh"
        f" seeds {result.fit_seeds}, at scale {result.scale:g}.",
    ]
    if result.screened:
        chosen = next(c for c in result.screened if c.trial == result.best_trial)
        rank = [c.trial for c in result.screened].index(chosen.trial) + 1
        header.append(
            f"# Chosen by the facts: the {len(result.screened)} best-fitting candidates were held"
            f" against them; this one (fit rank {rank}) passes {chosen.passed} of {chosen.facts}."
        )
    header += [f"#   {k} = {v!r}" for k, v in result.values.items()]
    return "\n".join(header) + "\n\n" + scenario_to_toml(world)


def store_calibration(
    store: Store, result: CalibrationResult, calibrated: Scenario, command: str = ""
) -> None:
    """Write a calibration's summary, fit, parameters, correlations and profiles in one go."""
    write_calibration(
        store,
        StoredCalibration(
            calibration_id=result.calibration_id,
            scenario_name=result.scenario_name,
            study_name=result.study_name,
            study_file=result.study_file,
            trials=result.trials,
            seeds=result.seeds,
            fit_seeds=result.fit_seeds,
            scale=result.scale,
            until=result.until,
            best_trial=result.best_trial,
            best_loss=result.best_loss,
            fit_loss=result.fit_loss,
            values=result.values,
            out=result.out,
            scenario=scenario_to_dict(calibrated),
            command=command,
        ),
        fits=[asdict(f) for f in result.fits],
        parameters=[asdict(p) for p in result.parameters],
        correlation=result.correlation,
        profiles=result.profiles,
        screen=[
            {
                "rank": k + 1,
                "trial": c.trial,
                "loss": c.loss,
                "passed": c.passed,
                "facts": c.facts,
                "failed": ",".join(c.failed),
                "error": c.error,
                "chosen": c.trial == result.best_trial,
            }
            for k, c in enumerate(result.screened)
        ],
    )
