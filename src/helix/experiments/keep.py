"""What an experiment keeps of each run, and how much room that takes before it runs.

Every indicator of every cell is about 377,000 rows a run of the shipped world to 2035 (2.8 MB
in DuckDB): a 120-run sweep that reads three outcomes wrote 317 MB of which it read a few
hundred kilobytes. An experiment therefore stores what it reads (its file's ``keep``):

- ``"outcomes"`` (the default): every cell of the indicators its outcomes read and of the links
  of its ``channel``;
- a list of indicators: those as well, in every cell;
- ``"all"``: every indicator, as before.

Whatever ``keep`` says, the steps that read a stored experiment afterwards find what they need:
an outcome's indicators are always kept (an outcome added to the file later is measured from
the store, or its runs are redone: :func:`helix.experiments.runner.complete_runs`), and an
experiment whose channel is traced (variants beside the baseline, no sweep:
:mod:`helix.experiments.channels`) keeps every indicator of its channel city, which the trace
follows; it then finds where the runs part in what is kept. A report of a run that kept less
shows what it has and says what it lacks.

The estimate of the store's size is rows x bytes a row (:data:`BYTES_PER_ROW`, measured on
real stores), plus a store's own overhead and firm microdata where kept: within about 10% of the
stores it was measured on, and an order of magnitude for anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from helix.coded import Coded
from helix.world.calendar import month_index
from helix.world.catalogue import INDICATORS

if TYPE_CHECKING:
    from helix.experiments.design import Experiment

BYTES_PER_ROW = 7.7
"""Bytes of DuckDB's ``indicators`` table per row when every indicator is kept: 265 blocks of
256 kB for 9,040,896 rows, the 24 runs of ``helix experiment examples/can-the-boom-end.toml
--scale 0.03 --samples 4`` (helix 0.1.0, DuckDB 1.x, 2026-11-30). Many indicators are zero or
nearly constant for months and compress well."""

BYTES_PER_KEPT_ROW = 10.7
"""The same when only some indicators are kept: 33 blocks for the 811,008 rows of that
experiment keeping ``output`` and ``employment`` (the money and people outcomes read change
every month and compress less)."""

STORE_OVERHEAD = 2e6
"""Bytes a store takes beside its indicators: the runs, outcomes and summary tables, a block or
two each (7 to 9 blocks of 256 kB in the stores above)."""

MICRODATA_BYTES_PER_FIRM = 590.0
"""Bytes of firm events and December snapshots of a run to 2035 per firm it starts with: the
shipped world at scale 1 starts with about 44,000 firms and stores 26 MB of them (the README's
29 MB a stored run, less its 2.8 MB of indicators). Rough: the firms a world grows to, not its
start, decide it, and a shorter run stores less (counted here in proportion to its months)."""


@dataclass(frozen=True)
class Kept:
    """The indicators a run keeps: ``indicators`` in every cell (None: every indicator of the
    catalogue), and every indicator of ``city`` as well (the channel city, whose indicators the
    channel trace follows)."""

    indicators: frozenset[str] | None
    city: str | None = None

    @property
    def everything(self) -> bool:
        return self.indicators is None

    def covers(self, other: Kept) -> bool:
        """Whether a run that kept this holds everything ``other`` asks for."""
        if self.indicators is None:
            return True
        if other.indicators is None or not other.indicators <= self.indicators:
            return False
        return other.city is None or other.city == self.city

    def rows(self, columns: dict[str, np.ndarray | Coded]) -> dict[str, np.ndarray | Coded]:
        """The rows of a run's coded long form (``Observations.long_form(coded=True)``) kept."""
        if self.indicators is None:
            return columns
        indicator = columns["indicator"]
        city = columns["city"]
        assert isinstance(indicator, Coded) and isinstance(city, Coded)
        wanted = [i for i, name in enumerate(indicator.labels) if name in self.indicators]
        mask = np.isin(indicator.codes, wanted)
        if self.city is not None and self.city in city.labels:
            mask |= city.codes == list(city.labels).index(self.city)
        return {
            k: Coded(v.codes[mask], v.labels) if isinstance(v, Coded) else v[mask]
            for k, v in columns.items()
        }

    def cells_per_month(self, base: dict[str, Any]) -> int:
        """Rows a month of a run of the world ``base`` (a scenario as a dict) keeps."""
        cities = list(base.get("cities", {}))
        districts = base.get("districts", {})
        ns = len(base.get("sectors", {}))
        per_city = {c: sum(1 for d in districts.values() if d.get("city") == c) for c in cities}
        total = 0
        for name, info in INDICATORS.items():
            if self.indicators is None or name in self.indicators:
                cells = {"city_sector": len(cities) * ns, "city": len(cities)}
                total += cells.get(info.dims, len(districts))
            elif self.city is not None:
                cells = {"city_sector": ns, "city": 1}
                total += cells.get(info.dims, per_city.get(self.city, 0))
        return total

    def describe(self) -> str:
        """In words, for the plan line: "every indicator", or what is kept."""
        if self.indicators is None:
            return "every indicator"
        names = ", ".join(sorted(self.indicators))
        text = f"{len(self.indicators)} of {len(INDICATORS)} indicators ({names})"
        if self.city is not None:
            text += f" and every indicator of {self.city} (the channel trace's)"
        return text

    def to_json(self) -> dict[str, Any] | None:
        """As the store's ``runs.kept`` column holds it; None (NULL) is every indicator."""
        if self.indicators is None:
            return None
        return {"indicators": sorted(self.indicators), "city": self.city}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Kept:
        """A run's ``kept`` read back; None (a run stored whole, or before ``keep``) is all."""
        if not data:
            return cls(None)
        return cls(frozenset(str(i) for i in data.get("indicators", [])), data.get("city"))


def focus_city(base: dict[str, Any]) -> str:
    """The base scenario's focus city (role "core", else its first), as ``Scenario`` says."""
    cities = base.get("cities", {})
    return next((c for c, v in cities.items() if v.get("role") == "core"), next(iter(cities)))


def traces_channel(exp: Experiment) -> bool:
    """Whether ``helix experiment`` and reports trace the experiment's channel: variants beside
    the baseline, and no sweep (a sweep's points are not paired with a baseline)."""
    return exp.spec.sweep is None and len(exp.variants) > 1


def kept_by(exp: Experiment) -> Kept:
    """What each run of the experiment keeps (see the module's docstring)."""
    keep = exp.spec.keep
    if keep == "all":
        return Kept(None)
    names = {o.indicator for o in exp.outcomes.values()} | set(exp.spec.channel)
    if isinstance(keep, list):
        names |= set(keep)
    if names >= set(INDICATORS):
        return Kept(None)
    city = None
    if traces_channel(exp):
        city = exp.spec.channel_city or focus_city(exp.base)
    return Kept(frozenset(names), city)


@dataclass(frozen=True)
class SizeEstimate:
    """About how much an experiment's runs take in the store: runs x rows a run x bytes."""

    runs: int
    cells_per_month: int
    months: int
    microdata_runs: int
    bytes: float
    kept: Kept

    def line(self) -> str:
        """One line for the plan: "24 runs x 1,962 series x 192 months: about 71 MB"."""
        text = (
            f"{self.runs} runs x {self.cells_per_month:,} series x {self.months} months: about "
            f"{human_bytes(self.bytes)} in the store"
        )
        if self.microdata_runs:
            text += f" ({self.microdata_runs} with firm microdata)"
        return f"{text}; keeps {self.kept.describe()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "series": self.cells_per_month,
            "months": self.months,
            "microdata_runs": self.microdata_runs,
            "bytes": round(self.bytes),
            "kept": self.kept.to_json() or "all",
        }


def estimate_size(exp: Experiment) -> SizeEstimate:
    """The size of a store holding the experiment's runs (all of them, done before or not),
    from :data:`BYTES_PER_ROW` (or :data:`BYTES_PER_KEPT_ROW`), :data:`STORE_OVERHEAD` and, for
    runs that keep microdata, :data:`MICRODATA_BYTES_PER_FIRM`."""
    kept = kept_by(exp)
    last = exp.spec.until or str(exp.base["end"])
    months = month_index(last) - month_index(str(exp.base["start"])) + 1
    cells = kept.cells_per_month(exp.base)
    micro = sum(exp.points * exp.spec.replicates for v in exp.variants if exp.keeps_microdata(v))
    full = month_index("2035-12") - month_index("2020-01") + 1  # the runs the constant measured
    firms = float(exp.base.get("scale", 1.0)) * sum(
        float(c.get("firms", 0)) for c in exp.base.get("cities", {}).values()
    )
    per_row = BYTES_PER_ROW if kept.everything else BYTES_PER_KEPT_ROW
    size = STORE_OVERHEAD + exp.total * cells * months * per_row
    size += micro * MICRODATA_BYTES_PER_FIRM * firms * months / full
    return SizeEstimate(exp.total, cells, months, micro, size, kept)


def human_bytes(n: float) -> str:
    """``n`` bytes as kB, MB or GB with two or three significant digits."""
    for size, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"
