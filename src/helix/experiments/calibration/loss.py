"""The loss of a candidate: its targets measured on each seed's run, against the report.

The terms are in the package's docstring. Each run's targets are measured with
:func:`helix.experiments.targets.measure_all`, exactly as a stored run's are.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helix.experiments.calibration.free import with_values
from helix.experiments.targets import measure_all
from helix.experiments.worker import limit_threads
from helix.scenario.schema import Scenario, Target
from helix.world.calendar import months_between
from helix.world.simulation import simulate

LOSS_VERSION = 1
MISSING_PENALTY = 25.0
DIRECTION_FAIL_PENALTY = 4.0


def target_scalars(t: Target, simulated: Any) -> tuple[float | None, float | None]:
    """The value a target is judged on and, for two-date statistics, the first date's value.

    Args:
        t: The target.
        simulated: ``measure(...)["simulated"]`` of one run.

    Returns:
        ``(value, first)``: for ``city_ratio`` the last and first year's ratios, for ``change``
        the difference and the first year's level, otherwise the value and ``None``.
    """

    def clean(v: Any) -> float | None:
        if v is None:
            return None
        v = float(v)
        return v if math.isfinite(v) else None

    if isinstance(simulated, dict):
        values = list(simulated.values())
        first, last = clean(values[0]), clean(values[-1])
        if t.statistic == "change":
            value = None if first is None or last is None else last - first
            return value, first
        return last, first
    return clean(simulated), None


def simulate_targets(task: tuple[dict[str, Any], dict[str, float], int]) -> dict[str, Any]:
    """Run one candidate with one seed and measure its targets (runs in a worker process).

    Args:
        task: ``(scenario dict, free-parameter values, seed)``.

    Returns:
        ``{"ok": True, "targets": {name: [value, first, pass]}}`` or
        ``{"ok": False, "error": "..."}``.
    """
    limit_threads()  # as every run of an experiment: one compute thread per worker
    base, values, seed = task
    try:
        data = with_values(base, values)
        data["seed"] = int(seed)
        s = Scenario.model_validate(data)
        with warnings.catch_warnings():  # extreme candidates overflow; the loss judges them
            warnings.simplefilter("ignore", RuntimeWarning)
            result = simulate(s, keep_firms=False)
        measured = measure_all(result.observations, s)
        out = {}
        for name, m in measured.items():
            value, first = target_scalars(s.targets[name], m["simulated"])
            out[name] = [value, first, bool(m["pass"])]
        return {"ok": True, "targets": out}
    except Exception as exc:  # a candidate that breaks the model is a failed trial, not a crash
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}


@dataclass
class TargetFit:
    """One row of the fit table: a target as simulated over seeds against the report."""

    target: str
    indicator: str
    statistic: str
    comparison: str
    simulated_mean: float | None
    simulated_sd: float | None
    simulated_first_mean: float | None
    report: float
    tolerance: float
    within: bool
    seeds_within: float
    seeds: int
    loss: float
    source: str = ""


def _window(t: Target) -> float:
    return float(months_between(t.start, t.end))


def fit_targets(targets: dict[str, Target], per_seed: Sequence[dict[str, Any]]) -> list[TargetFit]:
    """The fit of each target over the seeds of one candidate, with its loss term.

    Args:
        targets: The scenario's targets.
        per_seed: ``simulate_targets(...)["targets"]`` of each seed.

    Returns:
        One :class:`TargetFit` per target, in the order of ``targets``.
    """
    rows = []
    n = len(per_seed)
    for name, t in targets.items():
        raw = [r.get(name, [None, None, False]) for r in per_seed]
        values = [r[0] for r in raw]
        firsts = [r[1] for r in raw]
        passes = [bool(r[2]) for r in raw]
        if t.statistic == "recovery_months":  # no recovery inside the window: censored
            values = [_window(t) + 1.0 if v is None else v for v in values]
        valid = np.array([v for v in values if v is not None], float)
        valid_first = np.array([v for v in firsts if v is not None], float)
        missing = 1.0 - len(valid) / max(n, 1)
        mean = float(valid.mean()) if len(valid) else None
        sd = float(valid.std(ddof=1)) if len(valid) > 1 else (0.0 if len(valid) else None)
        first_mean = float(valid_first.mean()) if len(valid_first) else None
        fail_share = 1.0 - float(np.mean(passes)) if n else 1.0
        tol, obs = t.tolerance, t.observed
        if t.comparison == "within":
            term = MISSING_PENALTY if mean is None else ((mean - obs) / tol) ** 2
            term += MISSING_PENALTY * missing if mean is not None else 0.0
            within = mean is not None and abs(mean - obs) <= tol * (1 + 1e-9)
        else:
            hinges = []
            for v, f in zip(values, firsts, strict=True):
                if t.comparison == "crosses":
                    if v is None or f is None:
                        hinges.append(MISSING_PENALTY)
                        continue
                    hinges.append((max(0.0, f - obs) / tol) ** 2 + (max(0.0, obs - v) / tol) ** 2)
                    continue
                if v is None:
                    hinges.append(MISSING_PENALTY)
                    continue
                threshold = obs if t.comparison == "at_most" else 0.0
                hinges.append((max(0.0, v - threshold) / tol) ** 2)
            term = float(np.mean(hinges)) + DIRECTION_FAIL_PENALTY * fail_share if n else 0.0
            if mean is None:
                within = False
            elif t.comparison == "at_most":
                within = mean <= obs
            elif t.comparison == "falls":
                within = mean < 0
            else:
                within = first_mean is not None and first_mean < obs < mean
        rows.append(
            TargetFit(
                target=name,
                indicator=t.indicator,
                statistic=t.statistic,
                comparison=t.comparison,
                simulated_mean=mean,
                simulated_sd=sd,
                simulated_first_mean=first_mean,
                report=obs,
                tolerance=tol,
                within=bool(within),
                seeds_within=1.0 - fail_share,
                seeds=n,
                loss=float(term),
                source=t.source,
            )
        )
    return rows


def total_loss(fits: Sequence[TargetFit]) -> float:
    """The candidate's loss: the sum of its targets' terms."""
    return float(sum(f.loss for f in fits))
