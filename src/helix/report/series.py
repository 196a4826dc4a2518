"""Indicator series read from the store as dense arrays: runs x labels x months (or years).

Aggregation follows the indicator catalogue (:mod:`helix.world.catalogue`), as targets do:
within a month, series of several sectors or districts are summed, except intensive ones
(shares, rents, wages), which are averaged; across the months of a year, flows are summed,
levels and intensive series averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from helix.store.reports import By, indicator_cells
from helix.world.catalogue import INDICATORS


@dataclass
class Cube:
    """Values of one indicator: ``values[run, label, point]``, NaN where absent.

    Attributes:
        labels: Cities, districts or sectors (the second axis).
        x: Months ``YYYY-MM`` or years (the third axis).
        values: Array of shape (runs, labels, points).
    """

    labels: list[str]
    x: list
    values: np.ndarray

    def of(self, label: str) -> np.ndarray:
        """The runs x points array of one label (all NaN when absent)."""
        if label not in self.labels:
            return np.full((self.values.shape[0], len(self.x)), np.nan)
        return self.values[:, self.labels.index(label), :]

    def total(self, labels: Sequence[str] | None = None, mean: bool = False) -> np.ndarray:
        """Sum (or mean) over some labels: runs x points."""
        idx = [self.labels.index(lb) for lb in (labels or self.labels) if lb in self.labels]
        if not idx:
            return np.full((self.values.shape[0], len(self.x)), np.nan)
        part = self.values[:, idx, :]
        return np.nanmean(part, axis=1) if mean else np.nansum(part, axis=1)


def is_flow(indicator: str) -> bool:
    """True for indicators counted per month (summed over a year); prices such as rents are
    levels (averaged)."""
    return INDICATORS[indicator].flow


def cube(
    con: duckdb.DuckDBPyConnection,
    run_ids: Sequence[str],
    indicator: str,
    by: By,
    *,
    city: str | None = None,
    sector: str | None = None,
    order: Sequence[str] = (),
) -> Cube:
    """One indicator of several runs, per city, district or sector, month by month.

    Args:
        con: The store's connection.
        run_ids: Runs, the first axis in this order.
        indicator: Indicator name (see :data:`helix.world.catalogue.INDICATORS`).
        by: Column that labels the second axis: "city", "district" or "sector".
        city: Keep only this city.
        sector: Keep only this sector.
        order: Preferred order of labels; others follow alphabetically.
    """
    rows = indicator_cells(
        con,
        run_ids,
        indicator,
        by,
        mean=INDICATORS[indicator].intensive,
        city=city,
        sector=sector,
    )
    months = sorted(set(rows["date"].tolist()))
    present = set(rows["label"].tolist())
    labels = [lb for lb in order if lb in present] + sorted(present - set(order))
    values = np.full((len(run_ids), len(labels), len(months)), np.nan)
    if len(rows["value"]):
        ri = {rid: i for i, rid in enumerate(run_ids)}
        r = np.array([ri[v] for v in rows["run_id"].tolist()])
        li = {lb: i for i, lb in enumerate(labels)}
        mi = {m: i for i, m in enumerate(months)}
        lab = np.array([li[v] for v in rows["label"].tolist()])
        mon = np.array([mi[v] for v in rows["date"].tolist()])
        values[r, lab, mon] = np.asarray(rows["value"], dtype=float)
    return Cube(labels, months, values)


def yearly(c: Cube, flow: bool, complete_only: bool = True) -> Cube:
    """Monthly cube to calendar years: flows summed, levels averaged.

    Args:
        c: A monthly cube.
        flow: Sum the months (flows) rather than average them (levels).
        complete_only: Drop years with fewer than 12 months, unless that leaves none.
    """
    years = sorted({m[:4] for m in c.x})
    counts = {y: sum(1 for m in c.x if m.startswith(y)) for y in years}
    kept = [y for y in years if counts[y] == 12] if complete_only else years
    kept = kept or years
    out = np.full((*c.values.shape[:2], len(kept)), np.nan)
    for j, y in enumerate(kept):
        idx = [i for i, m in enumerate(c.x) if m.startswith(y)]
        part = c.values[:, :, idx]
        with np.errstate(all="ignore"):
            out[:, :, j] = np.nansum(part, axis=2) if flow else np.nanmean(part, axis=2)
    return Cube(c.labels, [int(y) for y in kept], out)
