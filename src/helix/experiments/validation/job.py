"""The job behind ``helix validate``: run a world over seeds and hold its firms against the
facts."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helix.errors import ExperimentError
from helix.experiments.batch import run_batch
from helix.experiments.validation.facts import FACT_IDS, FACTS, FOLLOW_UP_MONTHS, Fact
from helix.experiments.validation.statistics import (
    annual_growth,
    coefficient_of_variation,
    exit_share,
    funnel_shares,
    hill_alpha,
    subbotin_shape,
    survival_gap,
    survival_share,
    venture_fates,
    volatility_size_slope,
    wipeout_share,
    zero_exit_share,
)
from helix.experiments.worker import limit_threads
from helix.jsonsafe import json_safe
from helix.scenario.load import load_scenario, scenario_to_dict
from helix.scenario.memory import check_memory
from helix.scenario.schema import Scenario
from helix.world.calendar import month_index
from helix.world.simulation import simulate

Progress = Callable[[int, int], None]


def _month_indices(months: np.ndarray) -> np.ndarray:
    uniq, inverse = np.unique(months, return_inverse=True)
    return np.array([month_index(m) for m in uniq], np.int64)[inverse]


def venture_records(events: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """Per startup founded during the run: its founding, first round, rounds, money raised
    (USD), first failure, acquisition (and its price, USD) and listing months (NaN if none).

    ``startup_funded`` marks the startups that raised VC. None without events.
    """
    if not len(events.get("event", [])):
        return None
    kinds = np.asarray(events["event"]).astype(str)
    ids = np.asarray(events["firm_id"])
    amount = np.asarray(events["amount"], float)
    when = _month_indices(np.asarray(events["month"]).astype(str)).astype(float)
    fid = np.unique(ids[kinds == "founded"])

    def first(kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Month and amount of each startup's first ``kind`` event (NaN if none)."""
        sel = np.flatnonzero((kinds == kind) & np.isin(ids, fid))
        order = sel[np.lexsort((when[sel], ids[sel]))]
        keep = order[np.r_[True, ids[order][1:] != ids[order][:-1]]] if len(order) else order
        pos = np.searchsorted(fid, ids[keep])
        month, value = np.full(len(fid), np.nan), np.full(len(fid), np.nan)
        month[pos], value[pos] = when[keep], amount[keep]
        return month, value

    founded, _ = first("founded")
    funded = (kinds == "funded") & np.isin(ids, fid)
    pos = np.searchsorted(fid, ids[funded])
    rounds = np.bincount(pos, minlength=len(fid))
    raised = np.bincount(pos, weights=amount[funded], minlength=len(fid))
    first_funded, _ = first("funded")
    acquired, price = first("acquired")
    listed, _ = first("ipo")
    failed, _ = first("failed")
    unicorn = np.isin(fid, ids[kinds == "unicorn"])
    return {
        "id": fid,
        "founded": founded,
        "first_funded": first_funded,
        "rounds": rounds,
        "raised": raised,
        "unicorn": unicorn,
        "acquired": acquired,
        "price": price,
        "listed": listed,
        "failed": failed,
        "startup_funded": rounds > 0,
    }


def venture_funnel(events: dict[str, np.ndarray], last_month: str) -> dict[str, float]:
    """The fates of VC-backed startups 72 months after their first round (failed, acquired,
    listed, alive) and the five-year survival of VC-backed (from the first round) and other
    startups (from founding)."""
    v = venture_records(events)
    if v is None:
        return {}
    last = month_index(last_month)
    s = v["startup_funded"]
    out = {
        f"fate_{k}": x
        for k, x in venture_fates(
            v["first_funded"][s], v["failed"][s], v["acquired"][s], v["listed"][s], last,
            FOLLOW_UP_MONTHS,
        ).items()
    }  # fmt: skip
    out["survival_5y_backed"] = survival_share(v["first_funded"][s], v["failed"][s], last)
    out["survival_5y_others"] = survival_share(v["founded"][~s], v["failed"][~s], last)
    return out


def firm_statistics(
    snapshots: dict[str, np.ndarray], events: dict[str, np.ndarray], last_month: str
) -> dict[str, float]:
    """Every fact's statistic for one run's firm snapshots and events.

    Args:
        snapshots: ``RunResult.snapshot_table()`` (month, firm_id, employees, age_months, ...).
        events: ``RunResult.event_table()`` (month, firm_id, event, ...).
        last_month: The run's last month, ``YYYY-MM``.
    """
    out: dict[str, float] = dict.fromkeys(FACT_IDS, float("nan"))
    last = month_index(last_month)
    months = np.asarray(snapshots["month"]).astype(str)
    if len(months):
        years = _month_indices(months) // 12
        final = months == max(months)
        out["zipf_tail"] = hill_alpha(np.asarray(snapshots["employees"])[final])
        out["age_exponential"] = coefficient_of_variation(
            np.asarray(snapshots["age_months"])[final]
        )
        size, growth, _ = annual_growth(snapshots["firm_id"], years, snapshots["employees"])
        out["tent_growth"] = subbotin_shape(growth)
        out["volatility_size"] = volatility_size_slope(size, growth)

    ventures = venture_records(events)
    if ventures is not None:
        v = ventures
        out["survival_5y"] = survival_share(v["founded"], v["failed"], last)
        startup = v["startup_funded"]
        first_round = v["first_funded"][startup]
        out["follow_on"], out["seed_to_unicorn"] = funnel_shares(
            first_round, v["rounds"][startup], v["unicorn"][startup], last, FOLLOW_UP_MONTHS
        )
        exited = np.fmin(v["acquired"], v["listed"])[startup]
        out["vc_exit_share"] = exit_share(first_round, exited, last, FOLLOW_UP_MONTHS)
        out["vc_survival_gap"] = survival_gap(
            first_round,
            v["failed"][startup],
            v["founded"],
            v["failed"],
            v["startup_funded"],
            last,
        )
        endings = (
            first_round,
            v["failed"][startup],
            v["acquired"][startup],
            v["price"][startup],
            v["raised"][startup],
            v["listed"][startup],
            last,
            FOLLOW_UP_MONTHS,
        )
        out["zero_exit_share"] = zero_exit_share(*endings)
        out["vc_failure_share"] = wipeout_share(*endings)
    return out


def validation_run(task: tuple[dict[str, Any], int]) -> dict[str, Any]:
    """Simulate one seed and compute every fact's statistic (runs in a worker process)."""
    limit_threads()  # as every run of an experiment: one compute thread per worker
    data, seed = task
    try:
        world = Scenario.model_validate({**data, "seed": int(seed)})
        result = simulate(world, keep_firms=True)
        stats = firm_statistics(result.snapshot_table(), result.event_table(), world.end)
        return {"ok": True, "stats": stats}
    except Exception as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}


@dataclass
class FactResult:
    """A fact with its statistic simulated over seeds."""

    fact: Fact
    values: list[float]
    mean: float | None
    sd: float | None
    passed: bool
    seeds_passed: float

    def to_json(self) -> dict[str, Any]:
        lo, hi = self.fact.band()
        return json_safe(
            {
                **asdict(self.fact),
                "band": [lo, hi],
                "simulated_mean": self.mean,
                "simulated_sd": self.sd,
                "simulated_per_seed": self.values,
                "pass": self.passed,
                "seeds_passed": self.seeds_passed,
            }
        )


@dataclass
class ValidationResult:
    """``helix validate``'s answer."""

    scenario_name: str
    seeds: list[int]
    scale: float
    start: str
    end: str
    facts: list[FactResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "seeds": self.seeds,
            "scale": self.scale,
            "start": self.start,
            "end": self.end,
            "passed": sum(f.passed for f in self.facts),
            "facts": [f.to_json() for f in self.facts],
        }


def summarise(per_seed: Sequence[dict[str, float]]) -> list[FactResult]:
    """Mean, spread and verdict of each fact over the seeds' statistics."""
    out = []
    for fact in FACTS:
        values = [float(s.get(fact.id, float("nan"))) for s in per_seed]
        finite = np.array([v for v in values if math.isfinite(v)])
        mean = float(finite.mean()) if len(finite) else None
        sd = float(finite.std(ddof=1)) if len(finite) > 1 else (0.0 if len(finite) else None)
        out.append(
            FactResult(
                fact=fact,
                values=values,
                mean=mean,
                sd=sd,
                passed=fact.passes(mean),
                seeds_passed=float(np.mean([fact.passes(v) for v in values])) if values else 0.0,
            )
        )
    return out


def validate(
    scenario: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    seeds: int = 8,
    scale: float | None = None,
    until: str | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Run a world over ``seeds`` seeds and hold its firms against the published facts.

    Args:
        scenario: Scenario TOML (the shipped default when ``None``).
        overrides: ``KEY.PATH=VALUE`` overrides.
        seeds: Replicates (seeds ``seed .. seed+seeds-1`` of the scenario).
        scale: Agent scale (the scenario's own by default).
        until: Last month (the scenario's own end by default).
        workers: Worker processes (all cores by default, at most one per seed; 1 runs in this
            process).
        cluster: Address of a Dask scheduler (``tcp://host:port``) to run on instead.
        progress: Called with ``(runs done, runs planned)``.
    """
    if seeds < 1:
        raise ExperimentError("--seeds must be at least 1", key="--seeds")
    world = load_scenario(scenario, list(overrides), scale=scale, until=until)
    check_memory(world, label=str(scenario) if scenario else None)
    data = scenario_to_dict(world)
    seed_list = [world.seed + k for k in range(seeds)]
    tasks = [(data, s) for s in seed_list]
    results = run_batch(
        validation_run,
        tasks,
        cluster=cluster,
        workers=workers,
        progress=progress,
        what="a validation",
    )
    per_seed = [r["stats"] for r in results]
    return ValidationResult(
        scenario_name=world.name,
        seeds=seed_list,
        scale=world.scale,
        start=world.start,
        end=world.end,
        facts=summarise(per_seed),
    )
