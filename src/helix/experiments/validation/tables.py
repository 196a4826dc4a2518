"""The validation table's rows, for the terminal (the CLI prints them) and docs/calibration.md."""

from __future__ import annotations

import math

from helix.experiments.markdown import markdown_table
from helix.experiments.validation.job import ValidationResult


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.3g}"


VALIDATION_HEADER = [
    "fact",
    "statistic (simulated)",
    "published",
    "tolerance",
    "simulated mean",
    "sd over seeds",
    "verdict",
    "seeds passing",
]


def validation_rows(result: ValidationResult) -> list[list[str]]:
    """Cells of the validation table."""
    rows = []
    for r in result.facts:
        f = r.fact
        tol = f.shown_tolerance()
        rows.append(
            [
                f.name,
                f.statistic,
                _fmt(f.published),
                tol,
                _fmt(r.mean),
                _fmt(r.sd),
                "pass" if r.passed else "FAIL",
                f"{r.seeds_passed:.0%} of {len(r.values)}",
            ]
        )
    return rows


def validation_markdown(result: ValidationResult) -> str:
    """The validation table and notes for docs/calibration.md."""
    lines = [
        f"`helix validate` of `{result.scenario_name}` {result.start}..{result.end} at scale"
        f" {result.scale:g}, seeds {result.seeds}:"
        f" **{sum(r.passed for r in result.facts)} of {len(result.facts)} facts pass**.",
        "",
        markdown_table(VALIDATION_HEADER, validation_rows(result)),
        "",
    ]
    for r in result.facts:
        lines.append(
            f"- **{r.fact.name}** ({'pass' if r.passed else 'FAIL'}). Source: {r.fact.citation}"
            f" Tolerance: {r.fact.why}"
        )
    failed = [r.fact.name for r in result.facts if not r.passed]
    lines.append("")
    lines.append(
        "The model fails: " + "; ".join(failed) + "." if failed else "The model passes every fact."
    )
    return "\n".join(lines)
