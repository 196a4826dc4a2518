"""The calibration's tables: fit, identifiability and correlations, as rows (the CLI prints them)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from helix.experiments.calibration.identifiability import ParameterSummary
from helix.experiments.calibration.loss import TargetFit


def fmt(value: Any, digits: int = 3) -> str:
    """A number for a table: 3 significant digits, thousands separated, "—" if missing."""
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
        sim = fmt(f.simulated_mean)
        if f.comparison == "crosses":
            sim = f"{fmt(f.simulated_first_mean)} → {sim}"
        rows.append(
            [
                f.target,
                f"{f.indicator} {f.statistic} ({f.comparison})",
                sim,
                fmt(f.simulated_sd),
                fmt(f.report),
                fmt(f.tolerance),
                "within" if f.within else "OUTSIDE",
                f"{f.seeds_within:.0%} of {f.seeds}",
                fmt(f.loss),
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
    "place in range",
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
                f"[{fmt(d['low'])}, {fmt(d['high'])}]" + (" log" if d["log_scale"] else ""),
                fmt(d["start_value"]),
                fmt(d["best"]),
                place_in_range(d["best"], d["low"], d["high"], d["log_scale"]),
                f"{fmt(d['top_q10'])} … {fmt(d['top_q90'])}",
                fmt(d["top_width"], 2),
                f"{fmt(d['profile_low'])} … {fmt(d['profile_high'])}",
                fmt(d["profile_width"], 2),
                fmt(d["importance"], 2),
                d["verdict"],
            ]
        )
    return rows


EDGE = 0.05
"""A best value within this share of its search range from an end sits at the edge: the range,
not the targets, may be what stops it (issue 13 asks for a source or a reason for each)."""


def place_in_range(value: float, low: float, high: float, log_scale: bool) -> str:
    """Where a value sits in its search range, 0 at the low end and 1 at the high end, on the
    search's own scale; "low edge" or "high edge" within :data:`EDGE` of an end."""
    if log_scale and low > 0 and value > 0:
        value, low, high = math.log(value), math.log(low), math.log(high)
    share = (value - low) / (high - low) if high > low else 0.0
    edge = " low edge" if share < EDGE else (" high edge" if share > 1 - EDGE else "")
    return f"{share:.2f}{edge}"


def short_name(path: str) -> str:
    """``parameters.growth.hiring_response`` -> ``growth.hiring_response``."""
    return path.removeprefix("parameters.")
