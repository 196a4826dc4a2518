"""Calibration: simulated method of moments over replicates, searched with optuna's TPE.

A scenario marks its free parameters in ``[calibration]`` (dotted path -> ``{low, high}``) and
the report's figures in ``[targets]``. A *candidate* is one value per free parameter. It is
run over a fixed list of seeds (the same seeds for every candidate: common random numbers), each
run's targets are measured from its indicators exactly as :mod:`helix.experiments.targets` does
for a stored run, and the candidate's loss is

    L = sum over targets of term(target)

    within:   ((mean over seeds - observed) / tolerance)^2
    at_most:  mean over seeds of (max(0, value - observed) / tolerance)^2   + 4 x share failing
    falls:    mean over seeds of (max(0, value) / tolerance)^2              + 4 x share failing
    crosses:  mean over seeds of (max(0, first - observed) / tolerance)^2
                               + (max(0, observed - last) / tolerance)^2   + 4 x share failing

A target a run cannot measure (no data, a division by zero) adds 25 (five tolerances) times the
share of seeds where it is missing; a recovery that does not happen inside its window counts as
one month more than the window.

The search is behind the :class:`Calibrator` protocol (``propose``/``observe``); the shipped one
is :class:`OptunaCalibrator`, whose study lives in a journal file beside the DuckDB store
(``<db>.optuna.log``), named by a hash of the world and the calibration spec, so rerunning the
same command resumes it. docs/calibration.md says why optuna, and how ABC-SMC or a surrogate
plugs in.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import multiprocessing
import os
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from helix.errors import ExperimentError, HelixError
from helix.jsonsafe import json_safe
from helix.scenario.consistency import parameter_field
from helix.scenario.load import load_scenario, scenario_to_dict, scenario_to_toml
from helix.scenario.schema import Scenario, Target, month_index

if TYPE_CHECKING:
    import optuna
    from rich.console import Console

Progress = Callable[[int, int], None]

LOSS_VERSION = 1
MISSING_PENALTY = 25.0
DIRECTION_FAIL_PENALTY = 4.0
BATCH = 4  # candidates proposed at once; fixed, so results do not depend on --workers
TOP_SHARE = 0.1
PROFILE_BINS = 8
PROFILE_DELTA = 1.0
MIN_TRIALS_IDENTIFIABILITY = 20  # fewer complete trials: widths are not reported
FIT_SEED_OFFSET = 10_000
PROFILE_SEED_OFFSET = 0

QUICK_TRIALS = 8
QUICK_SEEDS = 2
QUICK_SCALE = 0.05


# ---------------------------------------------------------------------- free parameters


@dataclass(frozen=True)
class FreeParameter:
    """A parameter left free by the scenario's ``[calibration]`` table."""

    path: str
    low: float
    high: float
    integer: bool
    log: bool
    start: float
    schema_low: float | None = None
    schema_high: float | None = None

    def to_unit(self, value: float) -> float:
        """Position of ``value`` in [0, 1] across the bounds (on a log scale if :attr:`log`)."""
        if self.log:
            return (math.log(value) - math.log(self.low)) / (
                math.log(self.high) - math.log(self.low)
            )
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        """Inverse of :meth:`to_unit`, rounded for integer parameters."""
        u = min(max(u, 0.0), 1.0)
        if self.log:
            v = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            v = self.low + u * (self.high - self.low)
        return float(round(v)) if self.integer else v

    def distribution(self) -> Any:
        """The optuna distribution searched for this parameter."""
        from optuna.distributions import FloatDistribution, IntDistribution

        if self.integer:
            return IntDistribution(int(self.low), int(self.high), log=self.log)
        return FloatDistribution(self.low, self.high, log=self.log)


def free_parameters(s: Scenario) -> list[FreeParameter]:
    """The scenario's free parameters, in the order of its ``[calibration]`` table.

    A parameter is searched on a log scale when its bounds are positive and span a factor of
    10 or more.

    Raises:
        ExperimentError: if the scenario marks no parameter as calibrated.
    """
    if not s.calibration:
        raise ExperimentError(
            "the scenario marks no parameter as free: add a [calibration] table", key="calibration"
        )
    out = []
    for path, b in s.calibration.items():
        lo, hi, integer, value = parameter_field(s, path)
        log = b.low > 0 and b.high / b.low >= 10
        out.append(FreeParameter(path, b.low, b.high, integer, log, value, lo, hi))
    return out


def with_values(data: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """A copy of a scenario dict with each dotted path set to its value."""
    out = copy.deepcopy(data)
    for path, value in values.items():
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return out


def _typed(free: Sequence[FreeParameter], values: dict[str, float]) -> dict[str, float]:
    kinds = {p.path: p.integer for p in free}
    return {k: (round(v) if kinds.get(k) else float(v)) for k, v in values.items()}


# ---------------------------------------------------------------------- one simulation


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
    from helix.experiments.targets import in_memory, measure_all
    from helix.world.simulation import simulate

    base, values, seed = task
    try:
        data = with_values(base, values)
        data["seed"] = int(seed)
        s = Scenario.model_validate(data)
        with warnings.catch_warnings():  # extreme candidates overflow; the loss judges them
            warnings.simplefilter("ignore", RuntimeWarning)
            result = simulate(s, keep_firms=False)
        con = in_memory(result.observations.long_form())
        try:
            measured = measure_all(con, "run", s)
        finally:
            con.close()
        out = {}
        for name, m in measured.items():
            value, first = target_scalars(s.targets[name], m["simulated"])
            out[name] = [value, first, bool(m["pass"])]
        return {"ok": True, "targets": out}
    except Exception as exc:  # a candidate that breaks the model is a failed trial, not a crash
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}


# ---------------------------------------------------------------------- the loss


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
    return float(month_index(t.end) - month_index(t.start) + 1)


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


# ---------------------------------------------------------------------- the search


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


# ---------------------------------------------------------------------- evaluation


THREAD_LIMITS = {  # numba needs none: helix's kernels are not parallel
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def _worker_init() -> None:
    """One compute thread per worker, and Ctrl-C left to the coordinating process."""
    import signal

    os.environ.update(THREAD_LIMITS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _executor(workers: int) -> Iterator[Executor | None]:
    if workers <= 1:
        yield None
        return
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_worker_init,
    )
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class Evaluator:
    """Runs candidates over seeds, in parallel, counting simulations for a progress bar."""

    def __init__(
        self,
        base: dict[str, Any],
        targets: dict[str, Target],
        free: Sequence[FreeParameter],
        pool: Executor | None,
        progress: Progress | None,
        total: int,
    ) -> None:
        self.base = base
        self.targets = targets
        self.free = list(free)
        self.pool = pool
        self.progress = progress
        self.total = total
        self.count = 0

    def _tick(self) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress(min(self.count, self.total), max(self.total, self.count))

    def runs(
        self, candidates: Sequence[dict[str, float]], seeds: Sequence[int]
    ) -> list[list[dict[str, Any]]]:
        """``simulate_targets`` of every (candidate, seed), grouped per candidate in order."""
        tasks = [
            (self.base, _typed(self.free, values), seed) for values in candidates for seed in seeds
        ]
        results: list[dict[str, Any] | None] = [None] * len(tasks)
        if self.pool is None:
            for i, task in enumerate(tasks):
                results[i] = simulate_targets(task)
                self._tick()
        else:
            futures = {self.pool.submit(simulate_targets, task): i for i, task in enumerate(tasks)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                self._tick()
        k = len(seeds)
        return [
            [r for r in results[i * k : (i + 1) * k] if r is not None]
            for i in range(len(candidates))
        ]

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


# ---------------------------------------------------------------------- identifiability


@dataclass
class ParameterSummary:
    """How well the targets pin one free parameter down."""

    parameter: str
    low: float
    high: float
    log_scale: bool
    start_value: float
    best: float
    top_mean: float | None
    top_sd: float | None
    top_q10: float | None
    top_q90: float | None
    top_width: float | None
    profile_low: float | None
    profile_high: float | None
    profile_width: float | None
    importance: float | None
    verdict: str


def _verdict(top_width: float | None, profile_width: float | None) -> str:
    widths = [w for w in (top_width, profile_width) if w is not None and math.isfinite(w)]
    if not widths:
        return "too few trials"
    worst = max(widths)
    if worst <= 0.5:
        return "pinned"
    if worst >= 0.8:
        return "loose"
    return "partly"


def profile_from_points(
    p: FreeParameter, points: Sequence[tuple[float, float]], bins: int = PROFILE_BINS
) -> list[tuple[float, float]]:
    """The lowest loss in each of ``bins`` equal slices of a parameter's range.

    Args:
        p: The parameter.
        points: ``(value, loss)`` pairs (trials, or re-runs along the parameter).
        bins: Number of slices (on the parameter's search scale).

    Returns:
        ``(slice centre, lowest loss)`` for each slice holding at least one point.
    """
    best: dict[int, float] = {}
    for v, loss in points:
        b = min(int(p.to_unit(v) * bins), bins - 1)
        best[b] = min(loss, best.get(b, math.inf))
    return [(p.from_unit((b + 0.5) / bins), best[b]) for b in sorted(best)]


def profile_interval(
    p: FreeParameter, profile: Sequence[tuple[float, float]], delta: float = PROFILE_DELTA
) -> tuple[float | None, float | None, float | None]:
    """The values whose profile loss is within ``delta`` of its minimum, and their width.

    Returns:
        ``(low, high, width)`` with width the share of the search range (on its scale) between
        the outermost slices within ``delta``, counting each slice's full width.
    """
    if not profile:
        return None, None, None
    floor = min(loss for _, loss in profile)
    inside = [v for v, loss in profile if loss <= floor + delta]
    units = [p.to_unit(v) for v in inside]
    half = 0.5 / PROFILE_BINS
    lo_u, hi_u = max(min(units) - half, 0.0), min(max(units) + half, 1.0)
    return p.from_unit(lo_u), p.from_unit(hi_u), hi_u - lo_u


def identifiability(
    free: Sequence[FreeParameter],
    evaluated: Sequence[Evaluated],
    best: dict[str, float],
    importance: dict[str, float] | None = None,
    rerun_profiles: dict[str, list[tuple[float, float]]] | None = None,
    top_share: float = TOP_SHARE,
) -> tuple[list[ParameterSummary], np.ndarray]:
    """Per-parameter identifiability and the correlation between parameters among top trials.

    The *top trials* are the best ``max(5, top_share x n)`` trials. A parameter's ``top_width``
    is the 10-90% range of its values among them as a share of its search range, divided by the
    0.8 a flat spread would give (so about 1 means the targets do not constrain it). Its profile
    is the lowest loss found in each slice of its range (from the re-runs along it when given,
    else from the trials); ``profile_width`` is the share of the range within 1 of the minimum.
    With fewer than ``MIN_TRIALS_IDENTIFIABILITY`` complete trials (and no re-run profile)
    widths, correlations and verdicts are left undefined.

    Returns:
        The summaries, and the Pearson correlation matrix of the parameters (on their search
        scales) among the top trials, NaN where undefined.
    """
    importance = importance or {}
    rerun_profiles = rerun_profiles or {}
    done = sorted(evaluated, key=lambda e: e.loss if e.loss is not None else math.inf)
    n_top = min(len(done), max(5, math.ceil(top_share * len(done))))
    top = done[:n_top]
    d = len(free)
    units = np.array([[p.to_unit(e.values[p.path]) for p in free] for e in top]).reshape(-1, d)
    summaries = []
    for j, p in enumerate(free):
        col = units[:, j]
        enough = len(done) >= MIN_TRIALS_IDENTIFIABILITY
        values = [e.values[p.path] for e in top]
        if p.path in rerun_profiles:
            prof = profile_from_points(p, rerun_profiles[p.path])
        else:
            prof = profile_from_points(
                p, [(e.values[p.path], e.loss) for e in done if e.loss is not None]
            )
        plo, phi, pwidth = (
            profile_interval(p, prof) if enough or p.path in rerun_profiles else (None, None, None)
        )
        q10, q90 = np.quantile(col, [0.1, 0.9]) if enough else (None, None)
        width = float((q90 - q10) / 0.8) if enough else None
        summaries.append(
            ParameterSummary(
                parameter=p.path,
                low=p.low,
                high=p.high,
                log_scale=p.log,
                start_value=p.start,
                best=float(best[p.path]),
                top_mean=float(np.mean(values)) if enough else None,
                top_sd=float(np.std(values, ddof=1)) if enough else None,
                top_q10=p.from_unit(float(q10)) if enough else None,
                top_q90=p.from_unit(float(q90)) if enough else None,
                top_width=width,
                profile_low=plo,
                profile_high=phi,
                profile_width=pwidth,
                importance=importance.get(p.path),
                verdict=_verdict(width, pwidth),
            )
        )
    corr = np.full((d, d), np.nan)
    if len(done) >= MIN_TRIALS_IDENTIFIABILITY:
        sd = units.std(axis=0)
        ok = sd > 1e-12
        if ok.any():
            with np.errstate(invalid="ignore", divide="ignore"):
                sub = np.corrcoef(units[:, ok], rowvar=False)
            idx = np.flatnonzero(ok)
            corr[np.ix_(idx, idx)] = np.atleast_2d(sub)
    return summaries, corr


# ---------------------------------------------------------------------- the whole job


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
    db: str | Path = "helix-runs.duckdb",
    out: str | Path | None = "calibrated.toml",
    profile_points: int = 0,
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
        db: DuckDB store for the fit tables; the study lives in ``<db>.optuna.log``.
        out: Where to write the calibrated scenario TOML (``None``: do not write).
        profile_points: If above 0, re-run this many points along each parameter (others at
            the best) for its profile, instead of reading the profile off the trials.
        command: The command line, kept with the stored calibration.
        progress: Called with ``(simulations done, simulations planned)``.

    Raises:
        HelixError: on bad input, a corrupted study file or when every candidate failed.
    """
    from helix.store import Store

    if trials < 1 or seeds < 1 or fit_seeds < 1:
        raise ExperimentError("--trials, --seeds and --fit-seeds must be at least 1")
    world = load_scenario(scenario, list(overrides))
    free = free_parameters(world)
    if not world.targets:
        raise ExperimentError("the scenario has no [targets] to calibrate to", key="targets")
    until = max(world.targets.values(), key=lambda t: month_index(t.end)).end
    sim_world = load_scenario(scenario, list(overrides), scale=scale, until=until)
    base = scenario_to_dict(sim_world)
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
    n_workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    stale = sum(1 for t in calibrator.study.get_trials(deepcopy=False) if t.state.name == "RUNNING")
    todo = max(trials - calibrator.done(), 0) + stale
    total = (todo + profile_points * len(free)) * seeds + fit_seeds

    with _executor(n_workers) as pool:
        evaluator = Evaluator(base, sim_world.targets, free, pool, progress, total)
        errors = run_search(calibrator, evaluator, seed_list, trials)
        evaluated = calibrator.evaluated()
        if not evaluated:
            first = errors[0] if errors else "no trial finished"
            raise ExperimentError(f"every candidate failed: {first}", key="calibration")
        best = min(evaluated, key=lambda e: e.loss if e.loss is not None else math.inf)
        best_values = _typed(free, best.values)
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
    from helix.scenario.load import validate

    return validate(with_values(scenario_to_dict(world), values), "<calibrated world>")


def calibrated_toml(world: Scenario, result: CalibrationResult) -> str:
    """A scenario file of the calibrated world, with a header saying where it comes from."""
    header = [
        f"# Calibrated by `helix calibrate` (calibration {result.calibration_id}, study",
        f"# {result.study_name} in {result.study_file}): best of {result.trials} trials,",
        f"# loss {result.best_loss:.3g} over seeds {result.seeds}, {result.fit_loss:.3g} over fresh"
        f" seeds {result.fit_seeds}, at scale {result.scale:g}.",
    ]
    header += [f"#   {k} = {v!r}" for k, v in result.values.items()]
    return "\n".join(header) + "\n\n" + scenario_to_toml(world)


def store_calibration(
    store: Any, result: CalibrationResult, calibrated: Scenario, command: str = ""
) -> None:
    """Write a calibration's summary, fit, parameters, correlations and profiles in one go."""
    from helix.store import helix_version, now

    cid = result.calibration_id
    with store.transaction() as con:
        con.execute(
            "INSERT INTO calibrations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cid,
                now(),
                result.scenario_name,
                result.study_name,
                result.study_file,
                result.trials,
                json.dumps(result.seeds),
                json.dumps(result.fit_seeds),
                result.scale,
                result.until,
                result.best_trial,
                result.best_loss,
                result.fit_loss,
                json.dumps(result.values),
                result.out,
                json.dumps(scenario_to_dict(calibrated)),
                command,
                helix_version(),
            ],
        )
        for f in result.fits:
            con.execute(
                "INSERT INTO calibration_fit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    cid,
                    f.target,
                    f.indicator,
                    f.statistic,
                    f.comparison,
                    f.simulated_mean,
                    f.simulated_sd,
                    f.simulated_first_mean,
                    f.report,
                    f.tolerance,
                    f.within,
                    f.seeds_within,
                    f.seeds,
                    f.loss,
                    f.source,
                ],
            )
        for p in result.parameters:
            con.execute(
                "INSERT INTO calibration_parameters VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [cid, *list(asdict(p).values())],
            )
        names = [p.parameter for p in result.parameters]
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                con.execute(
                    "INSERT INTO calibration_correlations VALUES (?, ?, ?, ?)",
                    [cid, a, b, result.correlation[i][j]],
                )
        for path, points in result.profiles.items():
            for v, loss in points:
                con.execute(
                    "INSERT INTO calibration_profiles VALUES (?, ?, ?, ?)",
                    [cid, path, v, loss if math.isfinite(loss) else None],
                )


def latest_calibration(con: Any) -> dict[str, Any] | None:
    """The latest stored calibration with its fit, parameter and correlation rows, or None."""
    try:
        row = con.execute("SELECT * FROM calibrations ORDER BY created DESC LIMIT 1").fetchone()
    except Exception:
        return None
    if row is None:
        return None
    cols = [d[0] for d in con.description]
    cal = dict(zip(cols, row, strict=True))
    cid = cal["calibration_id"]

    def rows(table: str, order: str) -> list[dict[str, Any]]:
        cur = con.execute(f"SELECT * FROM {table} WHERE calibration_id = ? ORDER BY {order}", [cid])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    cal["fit"] = rows("calibration_fit", "target")
    cal["parameters"] = rows("calibration_parameters", "rowid")
    cal["correlations"] = rows("calibration_correlations", "rowid")
    return cal


# ---------------------------------------------------------------------- printing


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        v = float(value)
        if not math.isfinite(v):
            return "—"
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.{digits}g}"
        return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(value)


def fit_rows(fits: Sequence[TargetFit]) -> list[list[str]]:
    """Fit-table cells: target, statistic, simulated mean ± sd, report, tolerance, verdict."""
    rows = []
    for f in fits:
        sim = _fmt(f.simulated_mean)
        if f.comparison == "crosses":
            sim = f"{_fmt(f.simulated_first_mean)} → {sim}"
        rows.append(
            [
                f.target,
                f"{f.indicator} {f.statistic} ({f.comparison})",
                sim,
                _fmt(f.simulated_sd),
                _fmt(f.report),
                _fmt(f.tolerance),
                "within" if f.within else "OUTSIDE",
                f"{f.seeds_within:.0%} of {f.seeds}",
                _fmt(f.loss),
            ]
        )
    return rows


FIT_HEADER = [
    "target",
    "statistic",
    "simulated mean",
    "sd over seeds",
    "report",
    "tolerance",
    "verdict",
    "seeds within",
    "loss",
]
PARAM_HEADER = [
    "parameter",
    "bounds",
    "start",
    "best",
    "top-trials 10-90%",
    "top width",
    "profile (loss ≤ min+1)",
    "profile width",
    "importance",
    "verdict",
]


def parameter_rows(
    params: Sequence[ParameterSummary] | Sequence[dict[str, Any]],
) -> list[list[str]]:
    """Identifiability cells of each free parameter."""
    rows = []
    for p in params:
        d = asdict(p) if isinstance(p, ParameterSummary) else p
        rows.append(
            [
                d["parameter"],
                f"[{_fmt(d['low'])}, {_fmt(d['high'])}]" + (" log" if d["log_scale"] else ""),
                _fmt(d["start_value"]),
                _fmt(d["best"]),
                f"{_fmt(d['top_q10'])} … {_fmt(d['top_q90'])}",
                _fmt(d["top_width"], 2),
                f"{_fmt(d['profile_low'])} … {_fmt(d['profile_high'])}",
                _fmt(d["profile_width"], 2),
                _fmt(d["importance"], 2),
                d["verdict"],
            ]
        )
    return rows


def short_name(path: str) -> str:
    """``parameters.growth.hiring_response`` -> ``growth.hiring_response``."""
    return path.removeprefix("parameters.")


def print_report(result: CalibrationResult, console: Console) -> None:
    """Print the fit table, the identifiability table and the correlation matrix (Rich)."""
    from rich.table import Table

    console.print(
        f"[bold]helix calibrate[/] {result.scenario_name}: {result.trials} trials"
        f" ({result.failed} failed) in study {result.study_name} ({result.study_file}); best"
        f" trial {result.best_trial}, loss {result.best_loss:.3g} over seeds {result.seeds},"
        f" {result.fit_loss:.3g} over {len(result.fit_seeds)} fresh seeds (scale {result.scale:g})"
    )
    t = Table(title="Fit: the best candidate over fresh seeds, against the report")
    for col in FIT_HEADER:
        t.add_column(col, justify="left" if col in ("target", "statistic", "verdict") else "right")
    for row in fit_rows(result.fits):
        style = None if row[6] == "within" else "red"
        t.add_row(*row, style=style)
    console.print(t)
    t = Table(title="Identifiability of the free parameters")
    for col in PARAM_HEADER:
        t.add_column(col)
    for row in parameter_rows(result.parameters):
        t.add_row(short_name(row[0]), *row[1:])
    console.print(t)
    names = [short_name(p.parameter) for p in result.parameters]
    t = Table(title="Correlation between parameters among the top trials")
    t.add_column("")
    for i in range(len(names)):
        t.add_column(str(i + 1), justify="right")
    for i, name in enumerate(names):
        t.add_row(f"{i + 1} {name}", *[_fmt(x, 2) for x in result.correlation[i]])
    console.print(t)
    if result.out:
        console.print(f"wrote the calibrated world to [bold]{result.out}[/]")
    console.print(f"stored calibration [bold]{result.calibration_id}[/] in {result.db}")
    if result.errors:
        console.print(
            f"[yellow]{len(result.errors)} candidate(s) failed; first: {result.errors[0]}[/]"
        )


# ---------------------------------------------------------------------- docs/calibration.md


def replace_generated(text: str, name: str, body: str) -> str:
    """Replace the text between ``<!-- BEGIN name -->`` and ``<!-- END name -->``.

    Raises:
        ExperimentError: if the markers are missing.
    """
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise ExperimentError(f"markers {begin} ... {end} not found", key=name)
    return text[: i + len(begin)] + "\n" + body.rstrip() + "\n" + text[j:]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""

    def cell(x: str) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _unit_and_meaning(world: Scenario, path: str) -> tuple[str, str]:
    """Unit and meaning of the schema field at a dotted path through named tables
    (``shocks.platform-rectification.severity``), or empty strings if there is none."""
    from pydantic import BaseModel

    node: Any = world
    info = None
    for part in path.split("."):
        if isinstance(node, BaseModel):
            info = type(node).model_fields.get(part)
            node = getattr(node, part, None)
        elif isinstance(node, dict):
            info, node = None, node.get(part)
        else:
            return "", ""
    return _field_unit_and_meaning(info) if info is not None else ("", "")


def _field_unit_and_meaning(info: Any) -> tuple[str, str]:
    """The unit (kept by ``schema.P`` in ``json_schema_extra``) and meaning of a schema field."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return str(extra.get("unit", "")), info.description or ""


def parameter_rows_markdown(world: Scenario) -> tuple[str, str]:
    """Markdown tables of the free parameters and of the fixed ones (value, unit, source)."""
    from pydantic import BaseModel

    from helix.scenario.schema import Parameters

    free = {p.path: p for p in free_parameters(world)} if world.calibration else {}
    free_rows = []
    fixed_rows = []

    def walk(model: Any, cls: Any, prefix: str) -> None:
        for name, info in cls.model_fields.items():
            value = getattr(model, name)
            path = f"{prefix}.{name}"
            if isinstance(value, BaseModel):
                walk(value, type(value), path)
                continue
            unit, meaning = _field_unit_and_meaning(info)
            if path in free:
                p = free[path]
                free_rows.append(
                    [
                        f"`{path}`",
                        f"[{_fmt(p.low)}, {_fmt(p.high)}]" + (" (log)" if p.log else ""),
                        f"[{_fmt(p.schema_low)}, {_fmt(p.schema_high)}]",
                        _fmt(value),
                        str(unit),
                        meaning,
                    ]
                )
            else:
                shown = value if not isinstance(value, list) else ", ".join(_fmt(v) for v in value)
                fixed_rows.append([f"`{path}`", _fmt(shown), str(unit), meaning])

    walk(world.parameters, Parameters, "parameters")
    for path, p in free.items():
        if not path.startswith("parameters."):
            unit, meaning = _unit_and_meaning(world, path)
            free_rows.append(
                [
                    f"`{path}`",
                    f"[{_fmt(p.low)}, {_fmt(p.high)}]" + (" (log)" if p.log else ""),
                    f"[{_fmt(p.schema_low)}, {_fmt(p.schema_high)}]",
                    _fmt(p.start),
                    unit,
                    meaning,
                ]
            )
    free_md = (
        markdown_table(
            [
                "parameter",
                "search bounds",
                "schema bounds",
                "value in the world",
                "unit",
                "meaning",
            ],
            free_rows,
        )
        if free_rows
        else "_The scenario marks no parameter as free._"
    )
    fixed_md = markdown_table(["parameter", "value", "unit", "meaning and source"], fixed_rows)
    return free_md, fixed_md


def calibration_markdown(cal: dict[str, Any] | None) -> dict[str, str]:
    """The generated sections of docs/calibration.md from a stored calibration."""
    if cal is None:
        none = "_No calibration stored yet: run `helix calibrate`, then regenerate this file._"
        return {"provenance": none, "fit": none, "identifiability": none, "correlations": none}
    fits = [TargetFit(**{k: v for k, v in f.items() if k != "calibration_id"}) for f in cal["fit"]]
    seeds = json.loads(cal["seeds"])
    fit_seeds = json.loads(cal["fit_seeds"])
    provenance = (
        f"Calibration `{cal['calibration_id']}` of `{cal['scenario_name']}`, stored"
        f" {cal['created']:%Y-%m-%d %H:%M} UTC by helix {cal['helix_version']}"
        + (f" (`{cal['command']}`)" if cal.get("command") else "")
        + f": best of {cal['trials']} trials (trial {cal['best_trial']}), loss"
        f" {cal['best_loss']:.3g} over seeds {seeds}, re-run over {len(fit_seeds)} fresh seeds"
        f" (loss {cal['fit_loss']:.3g}) at scale {cal['scale']:g}, runs ending {cal['until']};"
        f" study `{cal['study_name']}` in `{cal['study_file']}`."
    )
    names = [short_name(p["parameter"]) for p in cal["parameters"]]
    corr = {(c["parameter"], c["other"]): c["correlation"] for c in cal["correlations"]}
    paths = [p["parameter"] for p in cal["parameters"]]
    corr_rows = [
        [f"{i + 1} `{names[i]}`", *[_fmt(corr.get((a, b)), 2) for b in paths]]
        for i, a in enumerate(paths)
    ]
    return {
        "provenance": provenance,
        "fit": markdown_table(FIT_HEADER, fit_rows(fits)),
        "identifiability": markdown_table(PARAM_HEADER, parameter_rows(cal["parameters"])),
        "correlations": markdown_table(["", *[str(i + 1) for i in range(len(names))]], corr_rows),
    }
