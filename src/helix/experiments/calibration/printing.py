"""The calibration's tables: fit, identifiability and correlations, for the terminal."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from helix.experiments.calibration.identifiability import ParameterSummary
from helix.experiments.calibration.job import CalibrationResult
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
                f"{fmt(d['top_q10'])} … {fmt(d['top_q90'])}",
                fmt(d["top_width"], 2),
                f"{fmt(d['profile_low'])} … {fmt(d['profile_high'])}",
                fmt(d["profile_width"], 2),
                fmt(d["importance"], 2),
                d["verdict"],
            ]
        )
    return rows


def short_name(path: str) -> str:
    """``parameters.growth.hiring_response`` -> ``growth.hiring_response``."""
    return path.removeprefix("parameters.")


def print_report(result: CalibrationResult, console: Console) -> None:
    """Print the fit table, the identifiability table and the correlation matrix (Rich)."""
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
        t.add_row(f"{i + 1} {name}", *[fmt(x, 2) for x in result.correlation[i]])
    console.print(t)
    if result.out:
        console.print(f"wrote the calibrated world to [bold]{result.out}[/]")
    console.print(f"stored calibration [bold]{result.calibration_id}[/] in {result.db}")
    if result.errors:
        console.print(
            f"[yellow]{len(result.errors)} candidate(s) failed; first: {result.errors[0]}[/]"
        )
