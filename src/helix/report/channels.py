"""An experiment's channel traces in a report: which mechanisms each lever moved, in order.

The traces come from :func:`helix.experiments.channels.trace_experiment`, the one that
``helix experiment`` prints, computed on the experiment's stored runs.
"""

from __future__ import annotations

import duckdb

from helix.experiments.channels import Link, Trace, trace_experiment
from helix.experiments.measures import Difference
from helix.report.page import TableBlock
from helix.report.values import cell

SHOWN = 15
"""Links shown per variant beyond the expected channel: the first to move."""


def _effect(d: Difference | None) -> str:
    if d is None:
        return "—"
    if d.low is None or d.high is None:
        return cell(d.mean)
    return f"{cell(d.mean)} ({cell(d.low)} to {cell(d.high)})"


def _relative(d: Difference) -> str:
    rel = d.relative(d.mean)
    if rel is None:
        return "—"
    low, high = d.relative(d.low), d.relative(d.high)
    if low is None or high is None:
        return f"{rel:+.1%}"
    return f"{rel:+.1%} ({low:+.1%} to {high:+.1%})"


def _row(link: Link) -> list[str]:
    return [
        link.indicator,
        link.mechanism,
        "yes" if link.expected else "",
        str(link.first_year) if link.first_year is not None else "did not move",
        _effect(link.at_first),
        _effect(link.at_last),
        _relative(link.at_last),
    ]


def channel_table(trace: Trace, section: str) -> TableBlock:
    """One variant's trace: its expected links in order, then the others that moved."""
    shown = [lk for lk in trace.links if lk.expected]
    shown += [lk for lk in trace.links if lk.moved and not lk.expected][:SHOWN]
    last = trace.links[0].last_year if trace.links else ""
    return TableBlock(
        section=section,
        title=f"Channel of {trace.variant} in {trace.city}, against {trace.baseline}",
        header=[
            "indicator",
            "mechanism",
            "expected",
            "moved from",
            "difference then (CI)",
            f"difference in {last} (CI)",
            f"relative in {last} (CI)",
        ],
        rows=[_row(lk) for lk in shown],
        note=trace.sentence()
        + " An indicator moved in the first year whose paired 95% interval excludes zero and "
        "does again the year after; differences are at real-world size, in the indicator's unit.",
    )


def channel_tables(con: duckdb.DuckDBPyConnection, ident: str, section: str) -> list[TableBlock]:
    """A table per variant of a stored experiment (none for a sweep or a lone baseline)."""
    return [channel_table(t, section) for t in trace_experiment(con, ident)]
