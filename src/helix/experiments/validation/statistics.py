"""The statistics of firm dynamics, as plain functions of arrays (tested on synthetic
samples with known answers in tests/test_validation.py)."""

from __future__ import annotations

import math

import numpy as np


def hill_alpha(sizes: np.ndarray, tail_share: float = 0.05, min_tail: int = 20) -> float:
    """Hill estimate of the Pareto tail exponent of the CCDF, P(S > s) ~ s^-alpha.

    Args:
        sizes: Positive sizes (non-positive and non-finite values are dropped).
        tail_share: Share of the largest observations used as the tail.
        min_tail: Least number of tail observations (else NaN).

    Returns:
        ``k / sum(log(x_i / x_(k+1)))`` over the ``k`` largest ``x_i``; NaN if too few.
    """
    x = np.asarray(sizes, float)
    x = np.sort(x[np.isfinite(x) & (x > 0)])[::-1]
    k = max(min_tail, int(tail_share * len(x)))
    if len(x) <= k:
        return float("nan")
    logs = np.log(x[:k] / x[k])
    total = float(logs.sum())
    return k / total if total > 0 else float("nan")


def _subbotin_loglik(d: np.ndarray, b: float) -> float:
    """Mean log-likelihood of deviations ``d`` under a Subbotin of shape ``b`` (ML scale)."""
    m = float(np.mean(d**b))
    if m <= 0:
        return -math.inf
    a = m ** (1.0 / b)
    return -math.log(2.0 * a * b ** (1.0 / b) * math.gamma(1.0 + 1.0 / b)) - 1.0 / b


def subbotin_shape(x: np.ndarray, low: float = 0.2, high: float = 4.0) -> float:
    """Maximum-likelihood shape ``b`` of a Subbotin (exponential power) density.

    ``f(x) ~ exp(-|x - mu|^b / (b a^b))``: ``b = 1`` is the Laplace (tent) shape, ``b = 2`` the
    Gaussian (Bottazzi & Secchi 2003, 2006). The location is the median; the scale is profiled
    out; ``b`` is found on a coarse grid and refined.

    Returns:
        The estimate, or NaN with fewer than 20 finite observations.
    """
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) < 20:
        return float("nan")
    d = np.abs(x - np.median(x))
    d = d[d > 0] if np.count_nonzero(d) >= 20 else d
    coarse = np.arange(low, high + 1e-9, 0.05)
    ll = [_subbotin_loglik(d, b) for b in coarse]
    b0 = float(coarse[int(np.argmax(ll))])
    fine = np.arange(max(low, b0 - 0.05), min(high, b0 + 0.05) + 1e-9, 0.005)
    ll = [_subbotin_loglik(d, b) for b in fine]
    return float(fine[int(np.argmax(ll))])


def laplace_minus_gauss_loglik(x: np.ndarray) -> float:
    """Mean log-likelihood of a fitted Laplace minus that of a fitted Gaussian (per obs.)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) < 20:
        return float("nan")
    d = np.abs(x - np.median(x))
    laplace = _subbotin_loglik(d, 1.0)
    sd = float(np.std(x))
    if sd <= 0:
        return float("nan")
    gauss = -0.5 * math.log(2 * math.pi * sd**2) - 0.5
    return laplace - gauss


def annual_growth(
    firm_id: np.ndarray, year: np.ndarray, employees: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Annual log growth of firms present in two consecutive yearly snapshots.

    Args:
        firm_id: Firm of each snapshot row.
        year: Year of each row (one snapshot per firm and year).
        employees: Size in each row.

    Returns:
        ``(size in the first year, log growth demeaned within each year, later year)`` for
        every firm and pair of consecutive years in which it is present with a positive size.
    """
    firm_id = np.asarray(firm_id)
    year = np.asarray(year, np.int64)
    size = np.asarray(employees, float)
    order = np.lexsort((year, firm_id))
    f, y, s = firm_id[order], year[order], size[order]
    pair = (f[1:] == f[:-1]) & (y[1:] == y[:-1] + 1) & (s[1:] > 0) & (s[:-1] > 0)
    before, after, later = s[:-1][pair], s[1:][pair], y[1:][pair]
    g = np.log(after / before)
    if len(g):
        years, inverse = np.unique(later, return_inverse=True)
        means = np.bincount(inverse, weights=g) / np.bincount(inverse)
        g = g - means[inverse]
        del years
    return before, g, later


def volatility_size_slope(size: np.ndarray, growth: np.ndarray, bins: int = 10) -> float:
    """Slope of log(sd of growth) on log size across size classes (Stanley et al. 1996).

    Firms are split into ``bins`` classes of equal count by size; classes with fewer than 30
    firms are left out. The slope is -beta in sd(g | S) ~ S^-beta.

    Returns:
        The least-squares slope, or NaN with fewer than three usable classes.
    """
    size = np.asarray(size, float)
    growth = np.asarray(growth, float)
    ok = np.isfinite(size) & np.isfinite(growth) & (size > 0)
    size, growth = size[ok], growth[ok]
    if len(size) < 90:
        return float("nan")
    logs = np.log(size)
    edges = np.unique(np.quantile(logs, np.linspace(0, 1, bins + 1)))
    cls = np.clip(np.searchsorted(edges, logs, side="right") - 1, 0, len(edges) - 2)
    xs, ys = [], []
    for c in range(len(edges) - 1):
        members = cls == c
        if members.sum() >= 30:
            sd = float(np.std(growth[members], ddof=1))
            if sd > 0:
                xs.append(float(np.mean(logs[members])))
                ys.append(math.log(sd))
    if len(xs) < 3:
        return float("nan")
    return float(np.polyfit(xs, ys, 1)[0])


def survival_share(founded: np.ndarray, failed: np.ndarray, last: int, horizon: int = 60) -> float:
    """Share of new firms not failed ``horizon`` months after founding.

    Args:
        founded: Founding month index of each firm.
        failed: Failure month index of each firm (NaN or negative if it did not fail).
        last: Last month index observed; only firms founded at least ``horizon`` months
            before it count.
        horizon: Months of follow-up.

    Returns:
        The share, or NaN if no firm has enough follow-up.
    """
    founded = np.asarray(founded, float)
    failed = np.asarray(failed, float)
    cohort = founded + horizon <= last
    if not cohort.any():
        return float("nan")
    f, d = founded[cohort], failed[cohort]
    died = np.isfinite(d) & (d >= 0) & (d - f <= horizon)
    return float(1.0 - died.mean())


def funnel_shares(
    first_funded: np.ndarray, rounds: np.ndarray, unicorn: np.ndarray, last: int, horizon: int
) -> tuple[float, float]:
    """Of startups first funded ``horizon`` months or more before ``last``: the share that
    raised a second round, and the share valued at $1B or more at some point.

    Returns:
        ``(follow-on share, unicorn share)``, NaN if the cohort is empty.
    """
    first_funded = np.asarray(first_funded, float)
    cohort = first_funded + horizon <= last
    if not cohort.any():
        return float("nan"), float("nan")
    return (
        float((np.asarray(rounds)[cohort] >= 2).mean()),
        float(np.asarray(unicorn, bool)[cohort].mean()),
    )


def exit_share(first_funded: np.ndarray, exited: np.ndarray, last: int, horizon: int) -> float:
    """Of startups first funded ``horizon`` months or more before ``last``: the share that
    exited (acquired or listed) within ``horizon`` months of their first round.

    Args:
        first_funded: Month index of each startup's first round.
        exited: Month index of its first acquisition or listing (NaN if none).
        last: Last month index observed.
        horizon: Months of follow-up.

    Returns:
        The share, NaN if the cohort is empty.
    """
    first_funded = np.asarray(first_funded, float)
    exited = np.asarray(exited, float)
    cohort = first_funded + horizon <= last
    if not cohort.any():
        return float("nan")
    gap = exited[cohort] - first_funded[cohort]
    return float((np.isfinite(gap) & (gap <= horizon)).mean())


def coefficient_of_variation(x: np.ndarray) -> float:
    """Standard deviation over mean (1 for an exponential distribution)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) < 20 or x.mean() <= 0:
        return float("nan")
    return float(x.std() / x.mean())


def survival_gap(
    first_funded: np.ndarray,
    vc_failed: np.ndarray,
    founded: np.ndarray,
    failed: np.ndarray,
    backed: np.ndarray,
    last: int,
    horizon: int = 60,
) -> float:
    """Five-year survival of VC-backed startups from their first round, minus that of startups
    never VC-backed from the same age (Puri & Zarutskie 2012).

    Args:
        first_funded: First-round month of each VC-backed startup.
        vc_failed: Its failure month (NaN if it did not fail).
        founded: Founding month of every startup.
        failed: Its failure month (NaN if it did not fail).
        backed: Whether it was ever VC-backed.
        last: Last month index observed.
        horizon: Months of follow-up.

    Returns:
        The difference of the two survival shares; the non-VC startups are counted from the
        VC-backed ones' median age at first round, among those alive at that age. NaN if a
        cohort is empty.
    """
    first_funded = np.asarray(first_funded, float)
    vc_failed = np.asarray(vc_failed, float)
    founded = np.asarray(founded, float)
    failed = np.asarray(failed, float)
    backed = np.asarray(backed, bool)
    vc = survival_share(first_funded, vc_failed, last, horizon)
    age = np.median(first_funded - founded[backed]) if backed.any() else float("nan")
    if not math.isfinite(vc) or not math.isfinite(age):
        return float("nan")
    start = founded + age
    alive = ~(np.isfinite(failed) & (failed < start))
    others = ~backed & alive
    rest = survival_share(start[others], failed[others], last, horizon)
    return vc - rest if math.isfinite(rest) else float("nan")


def _first_endings(
    first_funded: np.ndarray,
    endings: tuple[np.ndarray, ...],
    last: int,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cohort first funded ``horizon`` months or more before ``last``; of its members,
    whether the venture ended within ``horizon`` months of the first round, and which of
    ``endings`` (months, NaN if never) came first."""
    first_funded = np.asarray(first_funded, float)
    cohort = first_funded + horizon <= last
    gaps = np.stack([np.asarray(m, float)[cohort] - first_funded[cohort] for m in endings])
    gaps = np.where(np.isfinite(gaps) & (gaps <= horizon), gaps, np.inf)
    return cohort, np.isfinite(gaps).any(axis=0), np.argmin(gaps, axis=0)


def venture_fates(
    first_funded: np.ndarray,
    failed: np.ndarray,
    acquired: np.ndarray,
    listed: np.ndarray,
    last: int,
    horizon: int,
) -> dict[str, float]:
    """Of startups first funded ``horizon`` months or more before ``last``: the shares failed,
    acquired, listed and still private and alive ``horizon`` months after the first round
    (each startup counted by its first ending; NaN months mean never).

    Returns:
        ``{"failed", "acquired", "listed", "alive"}`` shares summing to 1 (NaN if no cohort).
    """
    names = ("failed", "acquired", "listed")
    cohort, ended, first = _first_endings(first_funded, (failed, acquired, listed), last, horizon)
    if not cohort.any():
        return dict.fromkeys((*names, "alive"), float("nan"))
    out = {k: float((ended & (first == i)).mean()) for i, k in enumerate(names)}
    out["alive"] = float((~ended).mean())
    return out


def _lost_ventures(
    first_funded: np.ndarray,
    failed: np.ndarray,
    acquired: np.ndarray,
    price: np.ndarray,
    raised: np.ndarray,
    listed: np.ndarray,
    last: int,
    horizon: int,
    recovered: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Of the cohort (as :func:`venture_fates`): whether each venture ended within ``horizon``
    months, and whether it ended by failing or by a sale for at most ``recovered`` times the
    venture money it raised."""
    cohort, ended, first = _first_endings(first_funded, (failed, acquired, listed), last, horizon)
    cheap = np.asarray(price, float)[cohort] <= recovered * np.asarray(raised, float)[cohort]
    lost = ended & ((first == 0) | ((first == 1) & cheap))
    return ended, lost


def zero_exit_share(
    first_funded: np.ndarray,
    failed: np.ndarray,
    acquired: np.ndarray,
    price: np.ndarray,
    raised: np.ndarray,
    listed: np.ndarray,
    last: int,
    horizon: int,
) -> float:
    """Of startups first funded ``horizon`` months or more before ``last`` whose venture ended
    within ``horizon`` months: the share that failed or were sold for no more than the venture
    money they raised (nothing left for founders under a 1x liquidation preference).

    Args:
        first_funded: First-round month of each startup.
        failed, acquired, listed: Month of each ending (NaN if none).
        price: Acquisition price (same unit as ``raised``; ignored where not acquired).
        raised: Venture money the startup raised.

    Returns:
        The share, NaN if no venture in the cohort ended.
    """
    ended, zero = _lost_ventures(
        first_funded, failed, acquired, price, raised, listed, last, horizon, 1.0
    )
    if not ended.any():
        return float("nan")
    return float(zero[ended].mean())


def wipeout_share(
    first_funded: np.ndarray,
    failed: np.ndarray,
    acquired: np.ndarray,
    price: np.ndarray,
    raised: np.ndarray,
    listed: np.ndarray,
    last: int,
    horizon: int,
) -> float:
    """Of all startups first funded ``horizon`` months or more before ``last``: the share whose
    investors lost most of their money within ``horizon`` months of the first round, by a
    failure or by a sale for at most half the venture money raised (arguments as
    :func:`zero_exit_share`).

    Returns:
        The share, NaN if the cohort is empty.
    """
    ended, lost = _lost_ventures(
        first_funded, failed, acquired, price, raised, listed, last, horizon, 0.5
    )
    if not len(ended):
        return float("nan")
    return float(lost.mean())
