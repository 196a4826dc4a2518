"""Which mechanisms a lever moved, by how much and in what order: the channel trace.

A lever is trusted when its effect arrives through mechanisms one can name (VC halved -> fewer
and smaller rounds -> more failures among funded firms -> fewer employees -> output). For each
variant of an experiment against its baseline, in the experiment's ``channel_city`` or else the
focus city of its base scenario (``Scenario.focus_city``), every indicator of the catalogue is followed year by year:

1. Runs of the variant and of the baseline that share a seed (common random numbers) are
   identical until the lever first acts; the first month any indicator of any city differs
   between a pair is where the runs **part**.
2. Each year, the indicator's paired differences over replicates give a mean and a Student-t
   interval (:func:`~helix.experiments.measures.paired_difference`, as outcomes are summarised).
3. The indicator **moved** in the first year whose interval excludes zero and stays on the same
   side the next year: with some thirty indicators and ten years, a single year outside its
   interval happens by chance alone, two running years rarely (so a link that first moves in
   the run's last year is not seen).
4. Within that year, the link's first month is the first from which its year-to-date value
   (flows summed from January, levels averaged) differs beyond noise on the year's side through
   December. Links are ordered by
   that month, then by the schedule's order of the mechanism that writes them (``MECHANISMS``:
   within a month, policy acts before funding, funding before exits), then by the catalogue's
   order.

An experiment file may name the chain it expects (``channel``); the trace then reports each
link in that order and says which did not move. Flows are attributed to the mechanism that
writes them in the schedule; levels to the mechanism whose state they read (:data:`LEVELS`).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from helix.experiments import measures
from helix.experiments.measures import Difference
from helix.scenario.schema import Scenario
from helix.store import reports
from helix.store.experiments import finished_runs
from helix.store.runs import observations
from helix.world.catalogue import INDICATORS
from helix.world.indicators import Observations
from helix.world.schedule import MECHANISMS

LEVELS: dict[str, str] = {
    "employment": "operations",  # hires and lay-offs of the month's operations
    "firms": "exits",  # births add (founding), failures and sales remove; the last word
    "unicorns": "funding",  # valuations are set by rounds
    "top4_share": "operations",  # revenue shares
    "input_availability": "shocks",
    "talent_pool": "talent",
    "wage": "talent",
    "government_support_share": "policy",
    "rent": "rents",
    "vacancy": "rents",
    "office_stock": "rents",
}
"""Levels (indicators no mechanism writes as a flow) and the mechanism whose state they read."""

ORDER = {m.name: i for i, m in enumerate(MECHANISMS)}
RunSeries = dict[str, measures.Series]
"""One run's indicators in the focus city, month by month, at real-world size."""


def mechanism_of(indicator: str) -> str:
    """The schedule's mechanism behind an indicator ("state" for one nobody claims)."""
    for m in MECHANISMS:
        if indicator in m.writes:
            return m.name
    return LEVELS.get(indicator, "state")


@dataclass(frozen=True)
class Link:
    """One indicator of the trace: when it moved, and by how much then and in the last year."""

    indicator: str
    mechanism: str
    expected: bool
    first_year: int | None
    first_month: str | None  # within first_year: the first month its year-to-date moved
    at_first: Difference | None
    last_year: int
    at_last: Difference

    @property
    def moved(self) -> bool:
        return self.first_year is not None

    def to_json(self) -> dict[str, Any]:
        def diff(d: Difference | None) -> dict[str, Any] | None:
            if d is None:
                return None
            return {
                "mean": _num(d.mean),
                "low": _num(d.low),
                "high": _num(d.high),
                "base": _num(d.base),
                "relative": _num(d.relative(d.mean)),
                "relative_low": _num(d.relative(d.low)),
                "relative_high": _num(d.relative(d.high)),
                "n": d.n,
            }

        return {
            "indicator": self.indicator,
            "mechanism": self.mechanism,
            "unit": INDICATORS[self.indicator].unit if self.indicator in INDICATORS else "",
            "expected": self.expected,
            "first_year": self.first_year,
            "first_month": self.first_month,
            "at_first": diff(self.at_first),
            "last_year": self.last_year,
            "at_last": diff(self.at_last),
        }


@dataclass
class Trace:
    """The channel of one variant against the baseline in one city."""

    variant: str
    baseline: str
    city: str
    pairs: int
    parted: str | None  # first month a pair differs anywhere; None: the lever did nothing
    channel: list[str]
    links: list[Link] = field(default_factory=list)
    unkept: list[str] = field(default_factory=list)
    """Indicators of the catalogue the runs did not keep in the city, so not traced."""

    @property
    def moved(self) -> list[Link]:
        """The links that moved, in the order they moved."""
        return [lk for lk in self.links if lk.moved]

    @property
    def missing(self) -> list[str]:
        """Links of the expected channel that did not move."""
        moved = {lk.indicator for lk in self.moved}
        return [c for c in self.channel if c not in moved]

    def link(self, indicator: str) -> Link | None:
        return next((lk for lk in self.links if lk.indicator == indicator), None)

    def sentence(self, most: int = 8) -> str:
        """The trace in one or two sentences: the chain in order, then what did not move."""
        head = f"{self.variant} in {self.city} ({self.pairs} paired seeds)"
        if self.parted is None:
            return f"{head}: the runs never part from the baseline; the lever acts on nothing."
        shown = [self.link(c) for c in self.channel] if self.channel else self.moved[:most]
        steps = [_step(lk) for lk in shown if lk is not None and lk.moved]
        text = f"{head}: the runs part in {self.parted}"
        text += "; " + " → ".join(steps) + "." if steps else "; no indicator moved beyond noise."
        others = [lk for lk in self.moved if lk.indicator not in self.channel]
        if self.channel and others:
            text += " Also moved: " + ", ".join(
                f"{lk.indicator} ({lk.first_year})" for lk in others[:most]
            )
            text += f" and {len(others) - most} more." if len(others) > most else "."
        if self.missing:
            text += " Did not move: " + ", ".join(self.missing) + "."
        if self.unkept:
            text += (
                f" Not traced, as the runs did not keep them in {self.city}: "
                f"{', '.join(self.unkept[:most])}"
                + (f" and {len(self.unkept) - most} more" if len(self.unkept) > most else "")
                + ' (keep = "all", or name them in keep).'
            )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "baseline": self.baseline,
            "city": self.city,
            "pairs": self.pairs,
            "parted": self.parted,
            "channel": list(self.channel),
            "missing": self.missing,
            "unkept": list(self.unkept),
            "sentence": self.sentence(),
            "links": [lk.to_json() for lk in self.links],
        }


def _num(x: float | None) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _step(lk: Link) -> str:
    d = lk.at_last
    rel = d.relative(d.mean)
    size = f"{rel:+.0%}" if rel is not None else f"{d.mean:+.3g}"
    return f"{lk.indicator} ({lk.mechanism}, from {lk.first_month}; {size} in {lk.last_year})"


# ------------------------------------------------------------------------------ measuring


def run_series(obs: Observations, city: str, scale: float) -> RunSeries:
    """Every indicator of one run in ``city``, month by month, at the size of the real world;
    an indicator the run did not keep there (an experiment's ``keep``) is left out."""
    out: RunSeries = {}
    for name in INDICATORS:
        try:
            s = measures.series(obs, name, city=city)
        except KeyError:  # not kept at all
            continue
        if len(s.values) and np.isnan(s.values).all():
            continue  # kept elsewhere, not in this city
        factor = measures.scaled(name, "final_year", 1.0, scale)
        out[name] = measures.Series(name, s.months, s.values * factor)
    return out


def parting_month(a: Observations, b: Observations) -> int | None:
    """Index of the first month any indicator of any cell differs between two runs (of those
    both runs kept: cells neither kept are NaN in both and never differ)."""
    first: int | None = None
    for table_a, table_b in (
        (a.city_sector, b.city_sector),
        (a.city, b.city),
        (a.district, b.district),
    ):
        for name, x in table_a.items():
            y = table_b.get(name)
            if y is None:
                continue  # one run did not keep it
            if x.shape != y.shape:
                return 0
            differs = ~np.isclose(x, y, rtol=0, atol=0, equal_nan=True)
            months = np.flatnonzero(differs.reshape(len(x), -1).any(axis=1))
            if len(months) and (first is None or months[0] < first):
                first = int(months[0])
    return first


def trace_links(
    variant: list[RunSeries],
    baseline: list[RunSeries],
    channel: list[str],
    confidence: float = 0.95,
) -> list[Link]:
    """Every indicator's link, paired run by run (``variant[i]`` shares its seed with
    ``baseline[i]``): the expected channel first in its order, then the other links in the
    order they moved (month, then the schedule's order), then those that did not move."""
    links: list[Link] = []
    for name in INDICATORS:
        if any(name not in r for r in variant + baseline):
            continue
        v_years = [r[name].yearly() for r in variant]
        b_years = [r[name].yearly() for r in baseline]
        years = sorted(set.intersection(*(set(y) for y in v_years + b_years)))
        if not years:
            continue
        diffs = [
            measures.paired_difference(
                [y[year] for y in v_years], [y[year] for y in b_years], confidence
            )
            for year in years
        ]
        first = _first_lasting(diffs)
        year = years[first] if first is not None else None
        links.append(
            Link(
                name,
                mechanism_of(name),
                name in channel,
                year,
                _first_month(variant, baseline, name, year, confidence) if year else None,
                diffs[first] if first is not None else None,
                years[-1],
                diffs[-1],
            )
        )
    catalogue = list(INDICATORS)
    links.sort(
        key=lambda lk: (
            channel.index(lk.indicator) if lk.expected else len(channel),
            lk.first_month or "9999-99",
            ORDER.get(lk.mechanism, len(ORDER)),
            catalogue.index(lk.indicator),
        )
    )
    return links


def _first_month(
    variant: list[RunSeries], baseline: list[RunSeries], name: str, year: int, confidence: float
) -> str:
    """The first month of ``year`` from which its year-to-date value (flows summed, levels
    averaged from January) differs beyond noise, on the year's side, through December."""
    months = [m for m in baseline[0][name].months if int(m[:4]) == year]
    first = months[-1]
    side = 0.0
    for month in reversed(months):
        window = [r[name].window(months[0], month) for r in variant + baseline]
        ytd = [w.yearly().get(year, float("nan")) for w in window]
        d = measures.paired_difference(ytd[: len(variant)], ytd[len(variant) :], confidence)
        side = side or float(np.sign(d.mean))
        if not d.resolved or np.sign(d.mean) != side:
            break
        first = month
    return first


def _first_lasting(diffs: list[Difference]) -> int | None:
    """The first year resolved and still resolved, on the same side, the year after."""
    for i, (d, after) in enumerate(itertools.pairwise(diffs)):
        if d.resolved and after.resolved and np.sign(after.mean) == np.sign(d.mean):
            return i
    return None


# ---------------------------------------------------------------------------- from a store


def trace_experiment(
    con: duckdb.DuckDBPyConnection,
    experiment_id: str,
    channel: list[str] | None = None,
    city: str | None = None,
) -> list[Trace]:
    """The channel trace of every variant of a stored experiment against its baseline.

    Reads the experiment's resolved content (baseline, base scenario, variants, ``channel``)
    and its finished runs; pairs are runs at the same replicate and sweep point. ``channel``
    (the file's as it is now) replaces the stored one: the chain expected is not part of the
    experiment's identity, so runs made before the file named it are traced against it.
    ``city`` (the file's ``channel_city``) likewise replaces the stored city; without either,
    the trace follows the base scenario's focus city.
    """
    row = reports.experiment_row(con, experiment_id)
    raw = row.get("resolved_json")
    resolved: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw or {}
    if not resolved:
        return []
    spec = resolved.get("spec", {})
    baseline = str(resolved.get("baseline", "baseline"))
    if channel is None:
        channel = [str(c) for c in spec.get("channel", [])]
    confidence = float(spec.get("confidence", 0.95))
    runs: dict[str, dict[tuple[int, int], str]] = {}
    for run in finished_runs(con, experiment_id):
        runs.setdefault(run.variant, {})[(run.replicate, run.sweep_point)] = run.run_id
    base_runs = runs.get(baseline, {})
    if not base_runs or len(runs) < 2:
        return []
    base = resolved.get("base", {})  # the scenario every run starts from, scale included
    if not base:
        return []  # an experiment stored without its scenario: nothing to trace against
    scale = float(base.get("scale", 1.0))
    city = city or spec.get("channel_city") or Scenario.model_validate(base).focus_city
    cache: dict[str, Observations] = {}

    def obs(run_id: str) -> Observations:
        if run_id not in cache:
            cache[run_id] = observations(con, run_id)
        return cache[run_id]

    traces: list[Trace] = []
    for variant in resolved.get("variants", {}):
        if variant == baseline or variant not in runs:
            continue
        keys = sorted(k for k in runs[variant] if k in base_runs)
        if not keys:
            continue
        parted = [parting_month(obs(runs[variant][k]), obs(base_runs[k])) for k in keys]
        first = min((p for p in parted if p is not None), default=None)
        months = obs(base_runs[keys[0]]).months
        variant_series = [run_series(obs(runs[variant][k]), city, scale) for k in keys]
        base_series = [run_series(obs(base_runs[k]), city, scale) for k in keys]
        links = trace_links(variant_series, base_series, channel, confidence)
        unkept = [
            name for name in INDICATORS if any(name not in r for r in variant_series + base_series)
        ]
        traces.append(
            Trace(
                variant,
                baseline,
                city,
                len(keys),
                months[first] if first is not None else None,
                channel,
                links if first is not None else [],
                unkept,
            )
        )
    return traces
