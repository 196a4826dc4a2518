"""The facts as a filter on a calibration's candidates (pattern-oriented modelling).

The targets choose the candidates; the validation facts, patterns the targets do not contain,
then rule out those that reproduce the targets for the wrong reasons (Grimm et al. 2005,
Science 310: 987-991, "pattern-oriented modelling"; Railsback & Grimm 2019, Agent-Based and
Individual-Based Modeling, 2nd ed.: filtering parameter sets by several patterns at once). ``helix calibrate --facts N`` screens the N
best-fitting candidates, best first, over the world's whole horizon and ships the first that
passes every fact; if none does, the one that passes the most (the better fit on a tie), and
says so. The facts then stop being evidence the calibration never saw: the docs say which were
used this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from helix.experiments.batch import run_tasks
from helix.experiments.calibration.free import FreeParameter, typed_values, with_values
from helix.experiments.executors import Backend
from helix.experiments.validation.job import summarise, validation_run


@dataclass(frozen=True)
class ScreenedCandidate:
    """One candidate held against the facts: its trial, loss and which facts it failed."""

    trial: int
    loss: float
    values: dict[str, float]
    passed: int
    facts: int
    failed: list[str] = field(default_factory=list)
    means: dict[str, float | None] = field(default_factory=dict)
    error: str | None = None

    @property
    def passes_all(self) -> bool:
        return self.error is None and self.passed == self.facts


def best_by_facts(screened: Sequence[ScreenedCandidate]) -> ScreenedCandidate:
    """The best-fitting candidate that passes every fact, or else the one passing the most
    (ties to the better fit). ``screened`` is in order of fit, best first."""
    for c in screened:
        if c.passes_all:
            return c
    return max(screened, key=lambda c: (c.error is None, c.passed, -c.loss))


def screen(
    candidates: Sequence[tuple[int, float, dict[str, float]]],
    free: Sequence[FreeParameter],
    base: dict[str, Any],
    seeds: Sequence[int],
    backend: Backend,
    on_done: Callable[[], None] | None = None,
) -> list[ScreenedCandidate]:
    """Run each ``(trial, loss, values)`` candidate over ``seeds`` on the world ``base`` (its
    whole horizon) and hold its firms against the facts, on the mean over the seeds.

    Returns:
        One :class:`ScreenedCandidate` per candidate, in the order given.
    """
    worlds = [with_values(base, typed_values(free, values)) for _, _, values in candidates]
    tasks = [(world, seed) for world in worlds for seed in seeds]
    results = run_tasks(backend, validation_run, tasks, on_done)
    k = len(seeds)
    out = []
    for i, (trial, loss, values) in enumerate(candidates):
        runs = results[i * k : (i + 1) * k]
        errors = [r["error"] for r in runs if not r["ok"]]
        if errors:
            out.append(ScreenedCandidate(trial, loss, values, 0, 0, [], {}, errors[0]))
            continue
        facts = summarise([r["stats"] for r in runs])
        out.append(
            ScreenedCandidate(
                trial=trial,
                loss=loss if math.isfinite(loss) else math.inf,
                values=values,
                passed=sum(f.passed for f in facts),
                facts=len(facts),
                failed=[f.fact.id for f in facts if not f.passed],
                means={f.fact.id: f.mean for f in facts},
            )
        )
    return out
