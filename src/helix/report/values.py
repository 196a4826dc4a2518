"""Stored values as a report shows them: numbers that may be missing, and table cells."""

from __future__ import annotations

import math
from typing import Any


def finite(value: Any, default: float = float("nan")) -> float:
    """``value`` as a float, or ``default`` if it is missing, not a number or not finite."""
    try:
        out = float(value) if value is not None else default
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def cell(value: Any) -> str:
    """A table cell: four significant digits, yes/no, and a dash for what is missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)
