"""Identifiability: how well the targets pin each free parameter down."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from helix.experiments.calibration.free import FreeParameter
from helix.experiments.calibration.search import Evaluated

TOP_SHARE = 0.1
PROFILE_BINS = 8
PROFILE_DELTA = 1.0
MIN_TRIALS_IDENTIFIABILITY = 20  # fewer complete trials: widths are not reported


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
