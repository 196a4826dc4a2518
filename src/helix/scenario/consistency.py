"""Checks that a scenario describes one coherent world (beyond what field types can say)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import BaseModel

from helix.errors import ScenarioError
from helix.scenario.measures import Policy
from helix.world.calendar import month_index
from helix.world.catalogue import INDICATORS, names

if TYPE_CHECKING:
    from helix.scenario.schema import Scenario


def _fail(key: str, reason: str) -> None:
    raise ScenarioError(reason, key=key)


def _check_matrix(
    key: str,
    names: list[str],
    expected: list[str],
    rows: list[list[float]],
    *,
    symmetric: bool,
    zero_diagonal: bool,
) -> None:
    if sorted(names) != sorted(expected) or len(set(names)) != len(names):
        _fail(f"{key}.order", f"must list each of {sorted(expected)} once, got {names}")
    n = len(names)
    if len(rows) != n or any(len(r) != n for r in rows):
        _fail(key, f"must be a square {n}x{n} matrix")
    for i in range(n):
        for j in range(n):
            v = rows[i][j]
            if not math.isfinite(v) or v < 0:
                _fail(f"{key}[{i}][{j}]", f"must be a finite number >= 0, got {v}")
            if symmetric and rows[i][j] != rows[j][i]:
                _fail(f"{key}[{i}][{j}]", f"matrix is not symmetric ({v} vs {rows[j][i]})")
        if zero_diagonal and rows[i][i] != 0:
            _fail(f"{key}[{i}][{i}]", "a city's travel time to itself must be 0")


def check_world(s: Scenario) -> None:
    """Raise :class:`ScenarioError` naming the key of the first inconsistency found."""

    if month_index(s.end) < month_index(s.start):
        _fail("end", f"{s.end} is before start {s.start}")
    if not s.sectors:
        _fail("sectors", "a world needs at least one sector")
    if not s.cities:
        _fail("cities", "a world needs at least one city")
    for name, city in s.cities.items():
        for sector, share in city.sector_mix.items():
            if sector not in s.sectors:
                _fail(f"cities.{name}.sector_mix.{sector}", "unknown sector")
            if share < 0:
                _fail(f"cities.{name}.sector_mix.{sector}", "share must be >= 0")
        if city.firms > 0 and sum(city.sector_mix.values()) <= 0:
            _fail(f"cities.{name}.sector_mix", "must give some firms a sector")
        if city.wage <= 0:
            _fail(f"cities.{name}.wage", "must be above 0 (appeal and hiring use its log)")
    for name, d in s.districts.items():
        if d.city not in s.cities:
            _fail(f"districts.{name}.city", f"unknown city {d.city!r}")
        if d.rent_per_m2 <= 0:
            _fail(f"districts.{name}.rent_per_m2", "must be above 0 (rents change by ratios)")
    for name, city in s.cities.items():
        own = [d.firm_share for d in s.districts.values() if d.city == name]
        if city.firms > 0 and own and sum(own) <= 0:
            _fail(f"cities.{name}", "its districts' firm_share must give its firms somewhere")
    for name in s.cities:
        if not any(d.city == name for d in s.districts.values()):
            _fail(f"cities.{name}", "city has no district")

    tt = s.travel_time
    key = "travel_time.minutes"
    names = tt.cities
    if sorted(names) != sorted(s.cities) or len(set(names)) != len(names):
        _fail("travel_time.cities", f"must list each city once: {sorted(s.cities)}")
    _check_matrix(key, names, list(s.cities), tt.minutes, symmetric=True, zero_diagonal=True)
    rel = s.relatedness
    if sorted(rel.sectors) != sorted(s.sectors) or len(set(rel.sectors)) != len(rel.sectors):
        _fail("relatedness.sectors", f"must list each sector once: {sorted(s.sectors)}")
    _check_matrix(
        "relatedness.values",
        rel.sectors,
        list(s.sectors),
        rel.values,
        symmetric=False,
        zero_diagonal=False,
    )

    for name, r in s.research.items():
        if r.district not in s.districts:
            _fail(f"research.{name}.district", f"unknown district {r.district!r}")
        if r.sector not in s.sectors:
            _fail(f"research.{name}.sector", f"unknown sector {r.sector!r}")
    for name, n in s.networks.items():
        if n.sector not in s.sectors:
            _fail(f"networks.{name}.sector", f"unknown sector {n.sector!r}")
        for member in n.members:
            if member not in s.research:
                _fail(f"networks.{name}.members", f"unknown research institution {member!r}")

    dilution = s.parameters.funding.dilution_by_stage
    if len(dilution) != 5 or not all(0.0 < d < 1.0 for d in dilution):
        _fail("parameters.funding.dilution_by_stage", "needs 5 shares, each above 0 and below 1")
    first, last = month_index(s.start), month_index(s.end)
    for group, items in (("policies", s.policies), ("shocks", s.shocks)):
        for name, item in items.items():
            for city in item.cities:
                if city not in s.cities:
                    _fail(f"{group}.{name}.cities", f"unknown city {city!r}")
            for sector in item.sectors:
                if sector not in s.sectors:
                    _fail(f"{group}.{name}.sectors", f"unknown sector {sector!r}")
            if not first <= month_index(item.start) <= last:
                _fail(
                    f"{group}.{name}.start", f"{item.start} is outside the run {s.start}..{s.end}"
                )
            if item.end is not None and month_index(item.end) < month_index(item.start):
                _fail(f"{group}.{name}.end", f"{item.end} is before start {item.start}")
    for name, p in s.policies.items():
        if (
            p.kind
            in {
                "visa",
                "rd_tax_break",
                "shared_labs",
                "subsidy",
                "rent_cap",
                "support_withdrawal",
                "population_control",
            }
            and not p.cities
        ):
            _fail(f"policies.{name}.cities", "name at least one city")
        if p.kind == "rail" and len(p.cities) < 2:
            _fail(f"policies.{name}.cities", "a rail link joins at least two cities")
        if p.reach != "home" and p.kind != "guidance_fund":
            _fail(f"policies.{name}.reach", f"only a guidance_fund has a reach, not a {p.kind}")
        if p.kind == "population_control" and not 0 < p.value <= 1:
            _fail(
                f"policies.{name}.value",
                f"a population control lets in a share (0, 1] of migrants, not {p.value}",
            )
        if p.kind == "population_control" and any(not s.cities[c].china for c in p.cities):
            _fail(f"policies.{name}.cities", "population controls act on migration within China")
        if p.kind == "guidance_fund" and not p.cities:
            _fail(f"policies.{name}.cities", "name the city (or cities) the fund is homed in")
    _check_rd_deductions(s)

    for name, t in s.targets.items():
        if t.indicator not in INDICATORS:
            _fail(f"targets.{name}.indicator", f"unknown indicator {t.indicator!r}")
        for field in ("city", "other_city"):
            city = getattr(t, field)
            if city is not None and city not in s.cities:
                _fail(f"targets.{name}.{field}", f"unknown city {city!r}")
        if t.sector is not None and t.sector not in s.sectors:
            _fail(f"targets.{name}.sector", f"unknown sector {t.sector!r}")
        if t.statistic == "city_ratio" and t.other_city is None:
            _fail(f"targets.{name}.other_city", "city_ratio needs other_city")
        for field in ("start", "end"):
            m = month_index(getattr(t, field))
            if not first <= m <= last:
                _fail(f"targets.{name}.{field}", f"{getattr(t, field)} is outside the run")
    check_targets_and_calibration(s)


def _check_rd_deductions(s: Scenario) -> None:
    """R&D deductions in force together must leave R&D a positive after-tax price.

    Extra deductions of the tax breaks in force add up (see ``world.mechanisms.policy``) and the
    after-tax price of R&D is 1 - d·τ/(1 - τ) (``world.mechanisms.rd``): it must stay above 0,
    so the sum d of the breaks in force for a city and sector must stay below (1 - τ)/τ. The
    sum only rises when a break starts; the first break to push it over is named (the largest
    of those starting that month).
    """
    tau = s.parameters.rd.corporate_tax_rate
    if tau >= 1:
        _fail("parameters.rd.corporate_tax_rate", "must be below 1 (R&D is priced by 1 - rate)")
    breaks = [(k, p) for k, p in s.policies.items() if p.kind == "rd_tax_break"]
    if tau <= 0 or not breaks:
        return
    limit = (1 - tau) / tau

    def active(p: Policy, month: int) -> bool:
        return month_index(p.start) <= month and (p.end is None or month <= month_index(p.end))

    for name, p in sorted(breaks, key=lambda b: (month_index(b[1].start), -b[1].value)):
        month = month_index(p.start)
        for city in p.cities:
            for sector in p.sectors or list(s.sectors):
                total = sum(
                    q.value
                    for _, q in breaks
                    if active(q, month)
                    and city in q.cities
                    and (not q.sectors or sector in q.sectors)
                )
                if total >= limit:
                    _fail(
                        f"policies.{name}.value",
                        f"R&D deductions in force in {city} ({sector}) from {p.start} add up to "
                        f"{total:g}; with a tax rate of {tau:g} they must stay below {limit:g}",
                    )


# --------------------------------------------------------- targets and calibration (issue 3)

NOT_CALIBRATABLE = frozenset({"seed", "scale"})


def parameter_field(s: Scenario, path: str) -> tuple[float | None, float | None, bool, float]:
    """The numeric schema parameter at a dotted ``path`` of a scenario.

    Tables of named items (``sectors.ai.demand_growth``, ``cities.Shanghai.amenity``) are
    walked by name.

    Args:
        s: The scenario whose parameter is looked up.
        path: Dotted path, e.g. ``parameters.growth.hiring_response``.

    Returns:
        The schema's inclusive bounds (``None`` where unbounded), whether the parameter is an
        integer, and its value in ``s``.

    Raises:
        ScenarioError: naming ``calibration.<path>`` if the path is not a numeric parameter.
    """
    key = f"calibration.{path}"
    parts = path.split(".")
    if path in NOT_CALIBRATABLE or any(not p for p in parts):
        _fail(key, "not a numeric parameter of the schema")
    node: object = s
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, BaseModel):
            info = type(node).model_fields.get(part)
            if info is None:
                _fail(key, f"not a parameter of the schema (no {part!r})")
                raise AssertionError  # unreachable, for the type checker
            value = getattr(node, part)
            if last:
                numeric = info.annotation in (int, float)
                if not numeric or isinstance(value, bool):
                    _fail(key, "not a numeric parameter of the schema")
                low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
                high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
                return low, high, info.annotation is int, float(value)
            node = value
        elif isinstance(node, dict) and not last and part in node:
            node = node[part]
        else:
            _fail(key, "not a numeric parameter of the schema")
    _fail(key, "not a numeric parameter of the schema")
    raise AssertionError  # unreachable


def check_targets_and_calibration(s: Scenario) -> None:
    """Checks of ``[targets]`` and ``[calibration]`` beyond the schema's field types."""

    first = month_index(s.start)
    for name, t in s.targets.items():
        key = f"targets.{name}"
        if not math.isfinite(t.observed):
            _fail(f"{key}.observed", "must be a finite number")
        if not math.isfinite(t.tolerance):
            _fail(f"{key}.tolerance", "must be a finite number above 0")
        if month_index(t.end) < month_index(t.start):
            _fail(f"{key}.end", f"{t.end} is before start {t.start}")
        if t.sector is not None and t.indicator not in names("city_sector"):
            _fail(f"{key}.sector", f"indicator {t.indicator!r} has no breakdown by sector")
        if t.statistic == "recovery_months" and month_index(t.start) <= first:
            _fail(f"{key}.start", "recovery is measured against the month before start")
    for path, bounds in s.calibration.items():
        key = f"calibration.{path}"
        low, high, integer, _ = parameter_field(s, path)
        for side, v in (("low", bounds.low), ("high", bounds.high)):
            if not math.isfinite(v):
                _fail(f"{key}.{side}", "must be a finite number")
            if integer and v != int(v):
                _fail(f"{key}.{side}", "an integer parameter needs whole-number bounds")
        if bounds.low >= bounds.high:
            _fail(key, f"low {bounds.low:g} must be below high {bounds.high:g}")
        if low is not None and bounds.low < low:
            _fail(f"{key}.low", f"{bounds.low:g} is below the schema's lower bound {low:g}")
        if high is not None and bounds.high > high:
            _fail(f"{key}.high", f"{bounds.high:g} is above the schema's upper bound {high:g}")
