"""The tables of ``helix validate`` (its facts and its ablations) and ``helix calibrate`` in the
terminal.

Designed for 80 columns: a row is one fact or target in a few short cells; the long texts (a
fact's statistic, citation and why its tolerance is what it is) follow the table as numbered
notes, where they wrap as prose. Every name from a file is escaped (:func:`said`).
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from helix.cli.app import said
from helix.experiments.ablations import AblationResult
from helix.experiments.calibration import (
    FIT_HEADER,
    PARAM_HEADER,
    fit_rows,
    parameter_rows,
    short_name,
)
from helix.experiments.calibration.job import CalibrationResult
from helix.experiments.calibration.tables import fmt as calibration_fmt
from helix.experiments.validation import ValidationResult


def _narrow(title: str) -> Table:
    return Table(title=said(title), box=box.SIMPLE_HEAD, pad_edge=False)


def _num(value: float | None) -> str:
    return calibration_fmt(value)


def print_validation(result: ValidationResult, console: Console) -> None:
    """The facts in one short row each (pass or FAIL, seeds passing), then their notes."""
    passed = sum(r.passed for r in result.facts)
    console.print(
        f"[bold]helix validate[/] {said(result.scenario_name)} {result.start}..{result.end},"
        f" scale {result.scale:g}, {len(result.seeds)} seeds: {passed} of"
        f" {len(result.facts)} facts pass",
        highlight=False,
    )
    t = _narrow("Facts the model was not fitted to")
    t.add_column("")
    t.add_column("fact", ratio=1)
    t.add_column("published", justify="right")
    t.add_column("simulated", justify="right")
    t.add_column("verdict")
    for i, r in enumerate(result.facts, 1):
        f = r.fact
        tolerance = f.shown_tolerance()
        simulated = _num(r.mean) + (f" ± {calibration_fmt(r.sd, 2)}" if r.sd is not None else "")
        seeds = f"{round(r.seeds_passed * len(r.values))}/{len(r.values)}"
        t.add_row(
            str(i),
            said(f.name),
            f"{_num(f.published)} {tolerance}",
            simulated,
            f"pass {seeds}" if r.passed else f"[red]FAIL[/] {seeds}",
        )
    console.print(t)
    console.print(
        "published: value and tolerance; simulated: mean ± sd over seeds; verdict: and the"
        " seeds that pass. What each row measures, and its source:"
    )
    for i, r in enumerate(result.facts, 1):
        f = r.fact
        console.print(
            f"{i}. {said(f.statistic)}. [dim]Source: {said(f.citation)} Tolerance:"
            f" {said(f.why)}[/]",
            highlight=False,
        )
    failed = [r.fact.name for r in result.facts if not r.passed]
    if failed:
        console.print(f"[red]The model fails: {said('; '.join(failed))}.[/]", highlight=False)


def _target_value(value: Any) -> str:
    """A target's mean simulated value: a number, or the two years' values as ``a → b``."""
    if isinstance(value, dict):
        return " → ".join(_num(v) for v in value.values())
    return _num(value)


def print_ablations(result: AblationResult, console: Console) -> None:
    """Each target with its mechanism and without it, and whether the mechanism earns it."""
    earned = [a.target for a in result.ablations if a.earned]
    console.print(
        f"[bold]helix validate --ablations[/] {said(result.scenario_name)}"
        f" {result.start}..{result.end}, scale {result.scale:g}, {len(result.seeds)} seeds:"
        f" {len(earned)} of {len(result.ablations)} targets earned by their mechanism",
        highlight=False,
    )
    t = _narrow("Each target with its mechanism and without it (mean over seeds)")
    t.add_column("target", no_wrap=True)
    t.add_column("mechanism", ratio=3)
    t.add_column("removed", ratio=2)
    t.add_column("with", justify="right", no_wrap=True)
    t.add_column("without", justify="right", no_wrap=True)
    t.add_column("holds\nwith", no_wrap=True)
    t.add_column("holds\nwithout", no_wrap=True)
    for a in result.ablations:
        t.add_row(
            said(a.target),
            said(a.mechanism),
            said(a.removed),
            _target_value(a.with_mechanism),
            _target_value(a.without_mechanism),
            "yes" if a.holds_with else "[red]no[/]",
            "[red]yes[/]" if a.holds_without else "no",
        )
    console.print(t)
    console.print(
        "A target is earned when it holds with its mechanism and fails without it. The "
        "settings each ablation changes are in the world's [targets.NAME.ablation] (--json "
        "lists them).",
        highlight=False,
        markup=False,
    )
    not_earned = [a.target for a in result.ablations if not a.earned]
    if not_earned:
        console.print(f"[red]Not earned: {said(', '.join(not_earned))}.[/]", highlight=False)


def print_calibration(result: CalibrationResult, console: Console) -> None:
    """The fit table, the identifiability table and the correlation matrix."""
    console.print(
        f"[bold]helix calibrate[/] {said(result.scenario_name)}: {result.trials} trials"
        f" ({result.failed} failed) in study {said(result.study_name)}"
        f" ({said(result.study_file)}); best trial {result.best_trial}, loss"
        f" {result.best_loss:.3g} over seeds {result.seeds}, {result.fit_loss:.3g} over"
        f" {len(result.fit_seeds)} fresh seeds (scale {result.scale:g})",
        highlight=False,
    )
    t = Table(title="Fit: the best candidate over fresh seeds, against the report")
    for col in FIT_HEADER:
        t.add_column(col, justify="left" if col in ("target", "statistic", "verdict") else "right")
    for row in fit_rows(result.fits):
        style = None if row[6] == "within" else "red"
        t.add_row(*map(said, row), style=style)
    console.print(t)
    if result.screened:
        t = Table(title="The best-fitting candidates held against the facts (--facts)")
        for col in ("fit rank", "trial", "loss", "facts passed", "failed", "shipped"):
            t.add_column(col, justify="left" if col == "failed" else "right")
        for rank, c in enumerate(result.screened, 1):
            t.add_row(
                str(rank),
                str(c.trial),
                f"{c.loss:.3g}",
                "error" if c.error else f"{c.passed}/{c.facts}",
                said(c.error or ", ".join(c.failed) or "none"),
                "yes" if c.trial == result.best_trial else "",
                style="bold" if c.trial == result.best_trial else None,
            )
        console.print(t)
    t = Table(title="Identifiability of the free parameters")
    for col in PARAM_HEADER:
        t.add_column(col)
    for row in parameter_rows(result.parameters):
        t.add_row(said(short_name(row[0])), *map(said, row[1:]))
    console.print(t)
    names = [short_name(p.parameter) for p in result.parameters]
    t = Table(title="Correlation between parameters among the top trials")
    t.add_column("")
    for i in range(len(names)):
        t.add_column(str(i + 1), justify="right")
    for i, name in enumerate(names):
        t.add_row(said(f"{i + 1} {name}"), *[calibration_fmt(x, 2) for x in result.correlation[i]])
    console.print(t)
    if result.out:
        console.print(f"wrote the calibrated world to [bold]{said(result.out)}[/]")
    console.print(
        f"stored calibration [bold]{said(result.calibration_id)}[/] in {said(result.db)}",
        highlight=False,
    )
    if result.errors:
        console.print(
            f"[yellow]{len(result.errors)} candidate(s) failed; first: {said(result.errors[0])}[/]"
        )
