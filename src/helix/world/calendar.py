"""Months as the model counts them: ``YYYY-MM`` labels and month indices (a leaf module).

Every layer (scenario, world, experiments, reports) does its month arithmetic here, so a window,
a shortened run and a recovery time agree on what "the month before" is.
"""

from __future__ import annotations

import re

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_index(month: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` string, for ordering and differences."""
    m = MONTH_PATTERN.match(month)
    if m is None:
        raise ValueError(f"{month!r} is not a month of the form YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_label(index: int) -> str:
    """The ``YYYY-MM`` string of a month index made by :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> int:
    """Number of months from ``start`` to ``end``, both included."""
    return month_index(end) - month_index(start) + 1


def shift(month: str, months: int) -> str:
    """The month ``months`` after (or before, if negative) ``month``."""
    return month_label(month_index(month) + months)
