"""Firm-level distributions from the microdata: sizes (log-log), growth rates, survival.

They read ``firm_snapshots`` (living firms every December) and ``firm_events``; runs stored
without microdata simply have no such figures. Samples of several runs are pooled.
"""

from __future__ import annotations

import numpy as np

from helix.report.context import World
from helix.report.spec import FigureSpec, Series, band, band_label
from helix.store import reports

FIRMS = "Firm dynamics"


def ccdf(sample: np.ndarray, points: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Share of ``sample`` at or above each of ``points`` log-spaced sizes."""
    s = np.sort(sample[sample > 0])
    if s.size == 0:
        return np.zeros(0), np.zeros(0)
    grid = np.unique(np.geomspace(s[0], s[-1], points))
    above = s.size - np.searchsorted(s, grid, side="left")
    return grid, above / s.size


def size_distribution(w: World) -> FigureSpec | None:
    rows = reports.snapshot_sizes(w.con, w.run_ids)
    if len(rows["date"]) == 0:
        return None
    dates = np.asarray(rows["date"])
    employees = np.asarray(rows["employees"], dtype=float)
    first, last = dates.min(), dates.max()
    series = []
    for date, color, dash in ((last, "#d55e00", False), (first, "#0072b2", True)):
        x, y = ccdf(employees[dates == date])
        series.append(
            Series(
                name=f"{date} ({int((dates == date).sum()):,} firms)",
                x=list(x),
                y=y,
                color=color,
                dash=dash,
            )
        )
        if first == last:
            break
    return FigureSpec(
        key="firm_sizes",
        section=FIRMS,
        title="Firm sizes: share of firms at least this large (log-log)",
        x_label="employees (people)",
        y_label="share of firms with at least this many employees",
        caption="A straight tail on these log-log axes is the Zipf-like law of firm sizes "
        "(Axtell 2001: slope near -1)."
        + (f" Pooled over {len(w.runs)} runs." if len(w.runs) > 1 else ""),
        x_kind="number",
        series=series,
        log_x=True,
        log_y=True,
    )


def growth_rates(w: World) -> FigureSpec | None:
    g = reports.annual_growth(w.con, w.run_ids)
    g = g[np.isfinite(g)]
    if g.size < 10:
        return None
    reach = float(np.quantile(np.abs(g), 0.999)) or 1.0
    edges = np.linspace(-reach, reach, 61)
    counts, _ = np.histogram(g, bins=edges)
    density = counts / (g.size * np.diff(edges))
    centres = (edges[:-1] + edges[1:]) / 2
    centre = float(np.median(g))
    scale = float(np.mean(np.abs(g - centre))) or 1e-3
    laplace = np.exp(-np.abs(centres - centre) / scale) / (2 * scale)
    shown = density > 0
    return FigureSpec(
        key="growth_rates",
        section=FIRMS,
        title="Annual growth rates of firms (log scale)",
        x_label="log growth of employees over a year",
        y_label="density (per unit of log growth)",
        caption="A tent shape on this log scale is the Laplace law of firm growth "
        "(Stanley et al. 1996; Bottazzi & Secchi 2006); the dashed line is the Laplace fit.",
        x_kind="number",
        series=[
            Series(
                name=f"simulated ({g.size:,} firm-years)",
                x=list(centres[shown]),
                y=density[shown],
                color="#0072b2",
                mode="markers",
                size=np.full(int(shown.sum()), 7.0),
            ),
            Series(
                name=f"Laplace fit (scale {scale:.2f})",
                x=list(centres),
                y=laplace,
                color="#111111",
                dash=True,
            ),
        ],
        log_y=True,
    )


def kaplan_meier(duration: np.ndarray, event: np.ndarray, horizon: int) -> np.ndarray:
    """Survival S(t) for t = 0..horizon months from durations and exit flags (True: failed)."""
    duration = np.clip(duration.astype(int), 0, horizon)
    deaths = np.bincount(duration[event], minlength=horizon + 1)
    exits = np.bincount(duration, minlength=horizon + 1)
    at_risk = len(duration) - np.concatenate([[0], np.cumsum(exits)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, deaths / np.maximum(at_risk, 1), 0.0)
    return np.cumprod(1.0 - hazard)


def _survival_of(
    w: World, run_id: str, origin: str | None = None
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Durations, failure flags and horizon of a run's firms (of one ``origin`` if given)."""
    rows = w.firm_lifetimes(run_id)
    if origin is not None:
        keep = np.asarray(rows["origin"], dtype=object) == origin
        rows = {k: np.asarray(v)[keep] for k, v in rows.items()}
    if len(rows["born"]) == 0:
        return None
    last = w.last_month_number(run_id)
    end = last if last is not None else int(np.max(rows["born"]))
    born = np.asarray(rows["born"], dtype=float)
    ended = np.asarray(rows["ended"], dtype=float)
    failed = np.nan_to_num(np.asarray(rows["failed"], dtype=float)) > 0
    stop = np.where(np.isnan(ended), end, ended)
    return stop - born, failed & ~np.isnan(ended), max(end - int(born.min()), 1)


def survival(w: World) -> FigureSpec | None:
    per_run = [s for s in (_survival_of(w, r) for r in w.run_ids) if s is not None]
    if not per_run:
        return None
    horizon = min(h for _, _, h in per_run)
    curves = np.stack([kaplan_meier(d, e, horizon) for d, e, _ in per_run])
    mid, low, high = band(curves)
    n = sum(len(d) for d, _, _ in per_run)
    months = np.arange(horizon + 1)
    return FigureSpec(
        key="survival",
        section=FIRMS,
        title="Survival of firms founded during the run (Kaplan-Meier)",
        x_label="age (months)",
        y_label="share still alive (%)",
        caption="How long new firms last: the steep early drop is the startups that never find "
        "funding or revenue; acquisitions count as censored, not as deaths."
        + band_label(len(per_run)),
        x_kind="number",
        series=[
            Series(
                name=f"firms founded in the run ({n:,})",
                x=list(months),
                y=mid * 100,
                low=None if low is None else low * 100,
                high=None if high is None else high * 100,
                color="#009e73",
                mode="step",
            )
        ],
    )


# How firms came to be (``helix.world.state.ORIGIN_NAMES``, less the starting firms), with the
# words a reader knows them by and a colour each.
ORIGINS = {
    "graduate": ("job seekers' firms", "#0072b2"),
    "corporate": ("corporate spin-outs", "#e69f00"),
    "returnee": ("returnees' firms", "#cc79a7"),
    "spin-off": ("researchers' spin-offs", "#009e73"),
}
MIN_FIRMS = 5  # fewer firms of an origin than this make no survival curve worth drawing


def survival_by_origin(w: World) -> FigureSpec | None:
    """Kaplan-Meier survival of the firms of each origin, pooled over the runs."""
    series = []
    for origin, (label, color) in ORIGINS.items():
        per_run = [s for s in (_survival_of(w, r, origin) for r in w.run_ids) if s is not None]
        n = sum(len(d) for d, _, _ in per_run)
        if n < MIN_FIRMS:
            continue
        horizon = min(h for _, _, h in per_run)
        duration = np.concatenate([d for d, _, _ in per_run])
        failed = np.concatenate([e for _, e, _ in per_run])
        curve = kaplan_meier(duration, failed, horizon)
        series.append(
            Series(
                name=f"{label} ({n:,})",
                x=list(np.arange(horizon + 1)),
                y=curve * 100,
                color=color,
                mode="step",
            )
        )
    if len(series) < 2:
        return None
    return FigureSpec(
        key="survival_by_origin",
        section=FIRMS,
        title="Survival by founders' origin (Kaplan-Meier)",
        x_label="age (months)",
        y_label="share still alive (%)",
        caption="Firms founded during the run by where their founders came from: researchers "
        "spinning off their institution, employees leaving a firm, returnees, other job "
        "seekers. Acquisitions count as censored; pooled over the runs.",
        x_kind="number",
        series=series,
    )


def firm_figures(w: World) -> list[FigureSpec]:
    """The firm-level figures that the stored microdata allows."""
    figures = (size_distribution(w), growth_rates(w), survival(w), survival_by_origin(w))
    return [f for f in figures if f is not None]
