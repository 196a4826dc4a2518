"""The search: a :class:`Calibrator` proposes candidates, :func:`run_search` evaluates them.

The shipped calibrator is :class:`OptunaCalibrator` (TPE in a resumable journal file); the
candidates' runs go through the experiments' backends (:mod:`helix.experiments.batch`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from helix.errors import ExperimentError, HelixError
from helix.experiments.batch import run_tasks
from helix.experiments.calibration.free import FreeParameter, typed_values
from helix.experiments.calibration.loss import (
    LOSS_VERSION,
    TargetFit,
    fit_targets,
    simulate_targets,
    total_loss,
)
from helix.experiments.executors import Backend
from helix.scenario.schema import Target

if TYPE_CHECKING:
    import optuna

Progress = Callable[[int, int], None]

BATCH = 4  # candidates proposed at once; fixed, so results do not depend on --workers


@dataclass
class Candidate:
    """A proposed point: an id the calibrator knows it by, and one value per free parameter."""

    number: int
    values: dict[str, float]


@dataclass
class Evaluated:
    """A candidate with its loss (``None`` if its runs failed)."""

    number: int
    values: dict[str, float]
    loss: float | None


class Calibrator(Protocol):
    """What a search method provides; the driver :func:`run_search` does the simulating.

    ``propose`` returns up to ``n`` candidates to evaluate next (including, first, any that an
    interrupted session left unevaluated); ``observe`` reports one candidate's loss and its
    per-target detail; ``evaluated`` lists every candidate with a loss so far (for the best
    point and identifiability); ``done`` counts proposals already made, toward the budget.
    """

    def propose(self, n: int) -> list[Candidate]: ...

    def observe(self, candidate: Candidate, loss: float | None, detail: dict[str, Any]) -> None: ...

    def evaluated(self) -> list[Evaluated]: ...

    def done(self) -> int: ...


def study_file(db: str | Path) -> Path:
    """The optuna journal of calibrations stored beside a DuckDB file."""
    return Path(f"{db}.optuna.log")


def spec_hash(base: dict[str, Any], free: Sequence[FreeParameter], seeds: Sequence[int]) -> str:
    """A hash of the simulated world and the calibration spec, naming its study.

    The free parameters' current values and the free-text fields are left out, so hand-tuning
    a free parameter's start value keeps the study, while changing anything else starts another.
    """
    world = copy.deepcopy(base)
    for key in ("name", "description", "seed"):
        world.pop(key, None)
    for p in free:
        node = world
        parts = p.path.split(".")
        for part in parts[:-1]:
            node = node[part]
        node.pop(parts[-1], None)
    payload = {
        "world": world,
        "free": [[p.path, p.low, p.high, p.integer, p.log] for p in free],
        "seeds": list(seeds),
        "loss": LOSS_VERSION,
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _corrupt(path: Path, exc: BaseException) -> ExperimentError:
    reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return ExperimentError(
        f"study file is corrupted or unreadable ({exc.__class__.__name__}: {reason});"
        " move it away to start the calibration afresh",
        file=str(path),
        key="--db",
    )


class OptunaCalibrator:
    """TPE search in an optuna study kept in a journal file (resumable, deterministic).

    The sampler is reseeded before every batch from the study's seed and the number of trials
    so far, so a resumed study proposes what an uninterrupted one would have.
    """

    def __init__(
        self, path: Path, name: str, free: Sequence[FreeParameter], seed: int, attrs: dict[str, Any]
    ) -> None:
        # optuna takes about a second to import: only a search pays for it.
        import optuna
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.path = path
        self.free = list(free)
        self.seed = int(seed) % (2**32)
        self.dists = {p.path: p.distribution() for p in free}
        try:
            storage = JournalStorage(JournalFileBackend(str(path)))
            self.study = optuna.create_study(
                study_name=name, storage=storage, direction="minimize", load_if_exists=True
            )
            if not self.study.user_attrs:
                for k, v in attrs.items():
                    self.study.set_user_attr(k, v)
                # The scenario's own values are the first candidate, so the search starts from
                # the hand-tuned world and never ends worse than it.
                start = {p.path: min(max(p.start, p.low), p.high) for p in self.free}
                start = {
                    p.path: round(start[p.path]) if p.integer else start[p.path] for p in self.free
                }
                self.study.enqueue_trial(start, skip_if_exists=True)
            self.study.get_trials(deepcopy=False)
        except HelixError:
            raise
        except Exception as exc:
            raise _corrupt(path, exc) from None
        self._pending: dict[int, Any] = {}

    @property
    def name(self) -> str:
        return self.study.study_name

    def _sampler(self) -> optuna.samplers.BaseSampler:
        import optuna

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return optuna.samplers.TPESampler(
                seed=(self.seed + self.done()) % (2**32),
                n_startup_trials=max(10, 2 * len(self.free)),
                multivariate=True,
                constant_liar=True,
                warn_independent_sampling=False,
            )

    def done(self) -> int:
        return len(self.study.get_trials(deepcopy=False))

    def propose(self, n: int) -> list[Candidate]:
        from optuna.trial import TrialState

        stale = [t for t in self.study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING]
        if stale:
            return [Candidate(t.number, dict(t.params)) for t in stale]
        self.study.sampler = self._sampler()
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(n):
                trial = self.study.ask(self.dists)
                out.append(Candidate(trial.number, dict(trial.params)))
        return out

    def observe(self, candidate: Candidate, loss: float | None, detail: dict[str, Any]) -> None:
        import optuna
        from optuna.trial import TrialState

        trial = self.study.get_trials(deepcopy=False)[candidate.number]
        live = optuna.trial.Trial(self.study, trial._trial_id)
        for k, v in detail.items():
            live.set_user_attr(k, v)
        if loss is None or not math.isfinite(loss):
            self.study.tell(candidate.number, state=TrialState.FAIL)
        else:
            self.study.tell(candidate.number, loss)

    def evaluated(self) -> list[Evaluated]:
        from optuna.trial import TrialState

        return [
            Evaluated(t.number, dict(t.params), float(t.value))
            for t in self.study.get_trials(deepcopy=False)
            if t.state == TrialState.COMPLETE and t.value is not None
        ]

    def importance(self) -> dict[str, float]:
        """fANOVA importance of each parameter for the loss (empty if it cannot be computed)."""
        import optuna

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return dict(optuna.importance.get_param_importances(self.study))
        except Exception:
            return {}


class Evaluator:
    """Runs candidates over seeds on a backend, counting simulations for a progress bar."""

    def __init__(
        self,
        base: dict[str, Any],
        targets: dict[str, Target],
        free: Sequence[FreeParameter],
        backend: Backend,
        progress: Progress | None,
        total: int,
    ) -> None:
        self.base = base
        self.targets = targets
        self.free = list(free)
        self.backend = backend
        self.progress = progress
        self.total = total
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress(min(self.count, self.total), max(self.total, self.count))

    def runs(
        self, candidates: Sequence[dict[str, float]], seeds: Sequence[int]
    ) -> list[list[dict[str, Any]]]:
        """``simulate_targets`` of every (candidate, seed), grouped per candidate in order."""
        tasks = [
            (self.base, typed_values(self.free, values), seed)
            for values in candidates
            for seed in seeds
        ]
        results = run_tasks(self.backend, simulate_targets, tasks, self.tick)
        k = len(seeds)
        return [results[i * k : (i + 1) * k] for i in range(len(candidates))]

    def losses(
        self, candidates: Sequence[dict[str, float]], seeds: Sequence[int]
    ) -> list[tuple[float | None, list[TargetFit], str | None]]:
        """Each candidate's loss, fit rows and first error (loss ``None`` if a run failed)."""
        out = []
        for runs in self.runs(candidates, seeds):
            errors = [r["error"] for r in runs if not r["ok"]]
            if errors:
                out.append((None, [], errors[0]))
                continue
            fits = fit_targets(self.targets, [r["targets"] for r in runs])
            out.append((total_loss(fits), fits, None))
        return out


def run_search(
    calibrator: Calibrator, evaluator: Evaluator, seeds: Sequence[int], budget: int
) -> list[str]:
    """Propose, simulate and observe batches until ``budget`` candidates have been proposed.

    Returns:
        The errors of failed candidates (empty if none failed).
    """
    errors: list[str] = []
    while True:
        batch = calibrator.propose(min(BATCH, budget - calibrator.done()))
        if not batch:
            return errors
        results = evaluator.losses([c.values for c in batch], seeds)
        for cand, (loss, fits, error) in zip(batch, results, strict=True):
            detail: dict[str, Any] = {
                "fit": {f.target: [f.simulated_mean, f.simulated_sd, f.loss] for f in fits}
            }
            if error:
                detail["error"] = error
                errors.append(error)
            calibrator.observe(cand, loss, detail)
