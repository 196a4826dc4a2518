"""Summaries the user can act on: each run's outcomes and their summary per variant.

Each outcome is measured by the worker on the run it has just simulated (with
:mod:`helix.experiments.measures`, as targets are) and comes back with the run; the
coordinator stores it, then summarises every finished run per variant:

- ``mean``: the mean over replicates (and sweep points), with the 5% and 95% quantiles as the
  90% band (``low``, ``high``);
- ``difference``: the mean difference from the baseline variant, paired by replicate and sweep
  point (the runs share their seeds), with a Student-t confidence interval at the file's
  ``confidence`` level;
- ``relative``: that difference and its interval as a share of the baseline's mean over the
  same pairs;
- for a ``sobol`` sweep, ``S1`` and ``ST`` (and ``S2`` with ``second_order``) per parameter;
  for a ``morris`` sweep, ``mu_star``, ``mu`` and ``sigma``; computed by SALib on the mean over
  replicates of each sweep point; ``low``/``high`` is the index plus or minus its confidence;
- for a ``latin`` or ``grid`` sweep, which has no variance decomposition, ``spearman``: each
  outcome's rank correlation with each parameter over the variant's runs (as
  ``scripts/boom_points.py`` reads the boom sweep), with its confidence interval.

The rows go to ``experiment_outcomes`` (one value per run and outcome) and
``experiment_summaries`` (one row per variant, outcome, statistic and parameter).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from helix.experiments import measures
from helix.experiments.design import Experiment
from helix.experiments.spec import Outcome, outcome_window
from helix.experiments.sweeps import salib_problem
from helix.store.experiments import (
    OutcomeValue,
    SummaryRow,
    failed_by_variant,
    finished_runs,
    outcome_values,
    replace_summary,
)
from helix.store.runs import Store, observations
from helix.world.indicators import Observations

BAND = (0.05, 0.95)


BASE_SAMPLES = {"sobol": "samples (N)", "morris": "trajectories (samples)"}
WANTED_CONF = 0.1
"""The confidence half-width of a sensitivity index worth reading: indices of a share of
variance lie in [0, 1], so ±0.1 tells a main parameter from a minor one."""


@dataclass
class Summary:
    """The experiment's summary, with notes on what could not be computed and warnings on
    what should not be read as it stands (indices less certain than their own size)."""

    rows: list[SummaryRow]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [asdict(r) for r in self.rows],
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


# -------------------------------------------------------------------------------- outcomes


def outcome_value(obs: Observations, outcome: Outcome, scale: float) -> float:
    """One outcome of one run, measured on its observations (NaN if it cannot be measured)."""
    start, end = outcome_window(outcome, obs.months[0], obs.months[-1])
    if outcome.statistic == "city_ratio":
        assert outcome.city is not None and outcome.other_city is not None  # check_outcomes
        return measures.city_ratio(
            obs,
            outcome.indicator,
            outcome.city,
            outcome.other_city,
            int(end[:4]),
            sector=outcome.sector,
            start=start,
            end=end,
        )
    s = measures.series(
        obs, outcome.indicator, city=outcome.city, sector=outcome.sector, district=outcome.district
    )
    return measures.statistic(s, outcome.statistic, start, end, scale)


def run_outcomes(obs: Observations, outcomes: dict[str, Outcome], scale: float) -> dict[str, float]:
    """Every outcome of one run: what a worker sends back with the run."""
    return {name: outcome_value(obs, o, scale) for name, o in outcomes.items()}


def measure_outcomes(store: Store, exp: Experiment) -> list[OutcomeValue]:
    """Every outcome of every finished run of the experiment, in the design's order.

    The values come from the store, as workers computed them; an outcome that a run lacks (the
    file gained an outcome since, or the coordinator died between writing the run and its
    outcomes) is measured on the run's stored indicators.
    """
    con = store.con
    stored = {(v.run_id, v.outcome): v.value for v in outcome_values(con, exp.experiment_id)}
    specs = {spec.run_id: spec for spec in exp.runs()}
    out: list[OutcomeValue] = []
    for run in finished_runs(con, exp.experiment_id):
        missing = [name for name in exp.outcomes if (run.run_id, name) not in stored]
        if missing and run.run_id in specs:
            scale = float(exp.scenario_data(specs[run.run_id])["scale"])
            obs = observations(con, run.run_id)
            for name in missing:
                try:
                    value = outcome_value(obs, exp.outcomes[name], scale)
                except KeyError:  # an indicator the run did not keep (the runner redoes it)
                    value = float("nan")
                stored[(run.run_id, name)] = value
        for name in exp.outcomes:
            value = stored.get((run.run_id, name), float("nan"))
            out.append(
                OutcomeValue(run.run_id, run.variant, run.replicate, run.sweep_point, name, value)
            )
    return out


# ------------------------------------------------------------------------------- summaries


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def variant_rows(
    values: list[OutcomeValue], exp: Experiment, failed: dict[str, int]
) -> list[SummaryRow]:
    """Mean and 90% band per variant and outcome; paired difference from the baseline
    (:func:`~helix.experiments.measures.paired_difference`), and that difference as a share of
    the baseline's mean over the same pairs (``relative``).

    Values are taken in the design's order, so the sums do not depend on the order runs came
    back in.
    """
    by: dict[tuple[str, str], dict[tuple[int, int], float]] = defaultdict(dict)
    for v in values:
        by[(v.variant, v.outcome)][(v.replicate, v.sweep_point)] = v.value
    rows: list[SummaryRow] = []
    for outcome in exp.outcomes:
        base = by.get((exp.baseline, outcome), {})
        for variant in exp.variants:
            cell = by.get((variant, outcome), {})
            x = np.array([cell[k] for k in sorted(cell) if np.isfinite(cell[k])])
            nf = failed.get(variant, 0)
            if len(x):
                lo, hi = (float(q) for q in np.quantile(x, BAND))
                rows.append(
                    SummaryRow(variant, outcome, "mean", None, float(x.mean()), lo, hi, len(x), nf)
                )
            else:
                rows.append(SummaryRow(variant, outcome, "mean", None, None, None, None, 0, nf))
            if variant == exp.baseline:
                continue
            pairs = [k for k in sorted(cell) if k in base]
            diff = measures.paired_difference(
                [cell[k] for k in pairs], [base[k] for k in pairs], exp.spec.confidence
            )
            mean = _finite(diff.mean)
            lo_ci = _finite(diff.low) if diff.low is not None else None
            hi_ci = _finite(diff.high) if diff.high is not None else None
            rows.append(
                SummaryRow(variant, outcome, "difference", None, mean, lo_ci, hi_ci, diff.n, nf)
            )
            rel = [diff.relative(x) for x in (mean, lo_ci, hi_ci)]
            rows.append(SummaryRow(variant, outcome, "relative", None, *rel, diff.n, nf))
    return rows


def samples_needed(samples: int, widest: float, scale: float, design: str) -> int:
    """Roughly the sample count that brings the widest confidence half-width to
    :data:`WANTED_CONF` of ``scale`` (1 for Sobol indices, the largest index for Morris').

    A half-width shrinks as one over the square root of the samples; a Sobol design needs a
    power of two.
    """
    target = WANTED_CONF * scale
    needed = int(np.ceil(samples * (widest / target) ** 2)) if target > 0 else samples
    if design == "sobol":
        needed = 1 << max(needed - 1, 1).bit_length()
    return max(needed, samples)


def uncertain_indices(rows: list[SummaryRow], exp: Experiment) -> str | None:
    """A warning when the confidence intervals of a variant's indices are wider than the
    indices themselves (too few samples to tell the parameters apart), else None."""
    sweep = exp.spec.sweep
    assert sweep is not None
    measured = [
        r
        for r in rows
        if r.value is not None and r.high is not None and r.statistic in ("S1", "ST", "mu_star")
    ]
    if not measured:
        return None
    wide = [r for r in measured if r.high - r.value > abs(r.value)]  # type: ignore[operator]
    if not wide:
        return None
    widest = max(r.high - r.value for r in measured)  # type: ignore[operator]
    if sweep.design == "sobol":
        scale = 1.0
    else:
        scale = max(abs(r.value) for r in measured if r.statistic == "mu_star")  # type: ignore[arg-type]
    needed = samples_needed(sweep.samples, widest, scale, sweep.design)
    first = measured[0]
    return (
        f"{sweep.design} indices of {first.outcome} ({first.variant}): {len(wide)} of "
        f"{len(measured)} confidence intervals are wider than the index itself (up to "
        f"±{widest:.3g}); do not rank parameters on them; about {needed} "
        f"{BASE_SAMPLES[sweep.design]} instead of {sweep.samples} would narrow them to "
        f"±{WANTED_CONF * scale:.2g}"
    )


def sensitivity_rows(
    values: list[OutcomeValue], exp: Experiment, failed: dict[str, int]
) -> tuple[list[SummaryRow], list[str], list[str]]:
    """Sobol or Morris indices per variant, outcome and parameter, through SALib, with notes
    and warnings (:func:`uncertain_indices`)."""
    sweep = exp.spec.sweep
    if not exp.parameters or sweep is None:
        return [], [], []
    if sweep.design in ("latin", "grid"):
        return rank_correlations(values, exp, failed), [], []
    problem = salib_problem(exp.parameters)
    sums: dict[tuple[str, str], np.ndarray] = {}
    counts: dict[tuple[str, str], np.ndarray] = {}
    for v in values:
        key = (v.variant, v.outcome)
        if key not in sums:
            sums[key] = np.zeros(exp.points)
            counts[key] = np.zeros(exp.points)
        if np.isfinite(v.value):
            sums[key][v.sweep_point] += v.value
            counts[key][v.sweep_point] += 1
    rows: list[SummaryRow] = []
    notes: list[str] = []
    warnings: list[str] = []
    for variant in exp.variants:
        for outcome in exp.outcomes:
            key = (variant, outcome)
            if key not in sums or (counts[key] == 0).any():
                missing = exp.points if key not in counts else int((counts[key] == 0).sum())
                notes.append(
                    f"{sweep.design} indices of {outcome} ({variant}) need every sweep point;"
                    f" {missing} of {exp.points} have no finished run"
                )
                continue
            y = sums[key] / counts[key]
            nf = failed.get(variant, 0)
            if float(np.ptp(y)) == 0.0:
                notes.append(f"{outcome} ({variant}) does not vary over the sweep")
                continue
            found = _indices(problem, exp, y, variant, outcome, nf)
            warning = uncertain_indices(found, exp)
            if warning is not None:
                warnings.append(warning)
            rows += found
    return rows, notes, warnings


def spearman_interval(rho: float, n: int, confidence: float) -> tuple[float, float] | None:
    """The confidence interval of a Spearman correlation of ``n`` pairs: Fisher's z with Bonett
    & Wright's (2000) variance for ranks, (1 + rho²/2) / (n - 3); None below four pairs."""
    from scipy import stats

    if n < 4 or not np.isfinite(rho):
        return None
    z = float(np.arctanh(np.clip(rho, -0.999999, 0.999999)))
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * np.sqrt((1 + rho**2 / 2) / (n - 3))
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def rank_correlations(
    values: list[OutcomeValue], exp: Experiment, failed: dict[str, int]
) -> list[SummaryRow]:
    """Each outcome's Spearman correlation with each swept parameter over a variant's runs
    (every replicate at every point), with its interval at the file's confidence."""
    from scipy import stats

    points = np.array([list(exp.point_values(p).values()) for p in range(exp.points)])
    rows: list[SummaryRow] = []
    for variant in exp.variants:
        for outcome in exp.outcomes:
            mine = [
                v
                for v in values
                if v.variant == variant and v.outcome == outcome and np.isfinite(v.value)
            ]
            y = np.array([v.value for v in mine])
            at = np.array([v.sweep_point for v in mine], dtype=np.int64)
            for i, p in enumerate(exp.parameters):
                x = points[at, i] if len(at) else np.array([])
                n = len(y)
                if n < 3 or float(np.ptp(y)) == 0.0 or float(np.ptp(x)) == 0.0:
                    continue
                rho = float(stats.spearmanr(x, y).statistic)
                ci = spearman_interval(rho, n, exp.spec.confidence)
                low, high = ci if ci is not None else (None, None)
                rows.append(
                    SummaryRow(
                        variant,
                        outcome,
                        "spearman",
                        p.name,
                        _finite(rho),
                        low,
                        high,
                        n,
                        failed.get(variant, 0),
                    )
                )
    return rows


def _indices(
    problem: dict[str, Any], exp: Experiment, y: np.ndarray, variant: str, outcome: str, nf: int
) -> list[SummaryRow]:
    sweep = exp.spec.sweep
    assert sweep is not None
    names = problem["names"]
    n = len(y)
    rows: list[SummaryRow] = []

    def add(stat: str, param: str, value: float, conf: float | None) -> None:
        v = _finite(value)
        c = _finite(conf) if conf is not None else None
        low = v - c if v is not None and c is not None else None
        high = v + c if v is not None and c is not None else None
        rows.append(SummaryRow(variant, outcome, stat, param, v, low, high, n, nf))

    if sweep.design == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(
            problem,
            y,
            calc_second_order=sweep.second_order,
            conf_level=exp.spec.confidence,
            seed=exp.seed % 2**32,
        )
        for i, p in enumerate(names):
            add("S1", p, res["S1"][i], res["S1_conf"][i])
            add("ST", p, res["ST"][i], res["ST_conf"][i])
        if sweep.second_order:
            for i, a in enumerate(names):
                for j in range(i + 1, len(names)):
                    add("S2", f"{a},{names[j]}", res["S2"][i, j], res["S2_conf"][i, j])
    else:
        from SALib.analyze import morris

        res = morris.analyze(
            problem,
            exp.samples,
            y,
            conf_level=exp.spec.confidence,
            num_levels=sweep.levels,
            seed=exp.seed % 2**32,
        )
        for i, p in enumerate(names):
            add("mu_star", p, res["mu_star"][i], res["mu_star_conf"][i])
            add("mu", p, res["mu"][i], None)
            add("sigma", p, res["sigma"][i], None)
    return rows


def summarise(store: Store, exp: Experiment) -> tuple[Summary, list[OutcomeValue]]:
    """Gather the outcomes of the experiment's finished runs and summarise them."""
    values = measure_outcomes(store, exp)
    failed = failed_by_variant(store.con, exp.experiment_id)
    rows = variant_rows(values, exp, failed)
    sensitivity, notes, warnings = sensitivity_rows(values, exp, failed)
    if failed:
        notes.insert(0, f"{sum(failed.values())} run(s) failed and are left out of the summary")
    return Summary(rows + sensitivity, notes, warnings), values


def store_summary(
    store: Store, exp: Experiment, summary: Summary, values: list[OutcomeValue]
) -> None:
    """Replace the experiment's rows in ``experiment_outcomes`` and ``experiment_summaries``."""
    replace_summary(store, exp.experiment_id, values, summary.rows)
