"""The pieces every time-series figure is made of: indicator cubes per city or district,
one line per label (the median across runs with its band), and the x axis they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from helix.report.context import World
from helix.report.series import Cube, cube, is_flow, yearly
from helix.report.spec import Series, band
from helix.scenario.schema import Target


def lines(
    c: Cube,
    labels: Sequence[str],
    factor: float,
    color: Callable[[str], str],
    *,
    name: Callable[[str], str] = str,
    dash: bool = False,
    width: float = 2.0,
) -> list[Series]:
    """One series per label, median across runs with a band, values times ``factor``."""
    out = []
    for label in labels:
        values = c.of(label) * factor
        if not np.isfinite(values).any():
            continue
        mid, low, high = band(values)
        out.append(
            Series(
                name=name(label),
                x=list(c.x),
                y=mid,
                key=label,
                low=low,
                high=high,
                color=color(label),
                dash=dash,
                width=width,
                group=name(label),
            )
        )
    return out


def summed(c: Cube, labels: Sequence[str], key: str) -> Cube:
    """A one-label cube summing ``labels`` (e.g. the corridor cities)."""
    return Cube([key], c.x, c.total(labels)[:, None, :])


def city_cube(w: World, indicator: str, sector: str | None = None) -> Cube:
    c = cube(w.con, w.run_ids, indicator, "city", sector=sector, order=w.cities)
    return yearly(c, flow=True) if is_flow(indicator) else c


def active(c: Cube, labels: Sequence[str], keep: str = "") -> list[str]:
    """Labels whose series is not all zero or missing (``keep`` stays, e.g. the core city)."""
    return [lb for lb in labels if lb == keep or np.nan_to_num(c.of(lb)).any()]


def x_label(c: Cube) -> str:
    return "year" if c.x and isinstance(c.x[0], int) else "month"


def x_kind(c: Cube) -> str:
    return "year" if x_label(c) == "year" else "month"


def regions(w: World, c: Cube) -> tuple[Cube, list[str], dict[str, str]]:
    """The core and rival cities one by one, the corridor summed, the global hubs one by one."""
    corridor = [x for x in w.with_role("corridor") if x in c.labels]
    keep = [x for x in w.cities if w.roles[x] != "corridor" and x in c.labels]
    label = f"Corridor ({len(corridor)} cities)"
    parts = [c.of(x) for x in keep]
    labels = list(keep)
    if corridor:
        parts.append(c.total(corridor))
        labels.append(label)
    values = np.stack(parts, axis=1) if parts else c.values[:, :0, :]
    colors = {**w.colors, label: w.colors.get(corridor[0], "#777777") if corridor else "#777777"}
    return Cube(labels, c.x, values), labels, colors


def district_cube(w: World, indicator: str) -> Cube:
    return cube(w.con, w.run_ids, indicator, "district", order=list(w.districts))


def target_of(w: World, indicator: str) -> Target | None:
    """The first target of the runs' scenario on ``indicator`` in the core city, if any: a
    caption that points at the report's figure takes its words and years from it."""
    return next(
        (t for t in w.runs[0].targets().values() if t.indicator == indicator and t.city == w.core),
        None,
    )
