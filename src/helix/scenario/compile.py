"""A scenario compiled into the world's inputs: names turned into indices, tables into arrays.

The world (``helix.world``) never reads a scenario: this is where the scenario's cities,
districts, sectors, research institutions, special networks, policies and shocks become the
:class:`~helix.world.setting.Inputs` the world is built from. Only indexing, ordering and the
run's scale happen here; what a policy or shock *does* is the world's (``mechanisms.policy``,
``mechanisms.shocks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from helix.scenario.entities import Research
from helix.scenario.measures import Policy, Shock
from helix.world.calendar import month_index
from helix.world.setting import Inputs, Measure, Network

if TYPE_CHECKING:
    # Only for annotations: schema imports this module to offer ``Scenario.world_inputs``.
    from helix.scenario.schema import Scenario


def _measure(m: Policy | Shock, ci: dict[str, int], si: dict[str, int], start: int) -> Measure:
    policy = isinstance(m, Policy)
    return Measure(
        kind=m.kind,
        cities=tuple(ci[c] for c in m.cities),
        sectors=tuple(si[k] for k in m.sectors),
        first_step=month_index(m.start) - start,
        last_step=None if m.end is None else month_index(m.end) - start,
        value=m.value if policy else 0.0,
        budget_yuan=m.budget_yuan if policy else 0.0,
        severity=0.0 if policy else m.severity,
        national=policy and m.reach == "national",
    )


def _research_budget(s: Scenario, r: Research) -> float:
    """A year's government budget of an institution, scale 1: as given, or what pays its
    starting staff at its city's wage with the research overhead."""
    if r.budget_yuan is not None:
        return r.budget_yuan
    wage = s.cities[s.districts[r.district].city].wage
    return r.researchers * wage * 12.0 * (1.0 + s.parameters.research.overhead_per_wage)


def _networks(s: Scenario, ci: dict[str, int], si: dict[str, int]) -> tuple[Network, ...]:
    """Each ``[networks]`` entry: node cities are those of its member research institutions."""
    out = []
    for name, network in s.networks.items():
        nodes = np.zeros(len(ci), bool)
        for member in network.members:
            nodes[ci[s.districts[s.research[member].district].city]] = True
        reach = (
            s.parameters.knowledge.quantum_network_reach if network.reach is None else network.reach
        )
        out.append(Network(name, si[network.sector], nodes, reach))
    return tuple(out)


def compile_scenario(s: Scenario) -> Inputs:
    """Index and vectorise a scenario."""
    cities = list(s.cities)
    districts = list(s.districts)
    sectors = list(s.sectors)
    ci = {c: i for i, c in enumerate(cities)}
    di = {d: i for i, d in enumerate(districts)}
    si = {k: i for i, k in enumerate(sectors)}
    scale = s.scale
    start = month_index(s.start)
    order = [s.travel_time.cities.index(c) for c in cities]
    minutes = np.asarray(s.travel_time.minutes, dtype=float)[np.ix_(order, order)]
    rel_order = [s.relatedness.sectors.index(k) for k in sectors]
    relatedness = np.asarray(s.relatedness.values, dtype=float)[np.ix_(rel_order, rel_order)]
    cs = [s.cities[c] for c in cities]
    ds = [s.districts[d] for d in districts]
    ks = [s.sectors[k] for k in sectors]
    rs = list(s.research.values())
    return Inputs(
        name=s.name,
        seed=s.seed,
        params=s.parameters,
        cities=cities,
        districts=districts,
        sectors=sectors,
        start_month=start,
        steps=s.months,
        scale=scale,
        city_china=np.array([c.china for c in cs]),
        city_global=np.array([c.role == "global" for c in cs]),
        city_wage0=np.array([c.wage for c in cs], dtype=float),
        city_amenity=np.array([c.amenity for c in cs], dtype=float),
        city_graduates=np.array([c.graduates_per_year for c in cs]) * scale / 12.0,
        city_foreign=np.array([c.foreign_per_year for c in cs]) * scale / 12.0,
        city_fundraising_usd=np.array([c.fundraising_usd_per_year for c in cs]) * scale / 12.0,
        city_minutes=minutes,
        city_intra_minutes=np.array([c.intra_city_minutes for c in cs], dtype=float),
        district_city=np.array([ci[d.city] for d in ds], dtype=np.int32),
        sector_revenue_per_worker=np.array([k.revenue_per_worker for k in ks], dtype=float),
        sector_rd_intensity=np.array([k.rd_intensity for k in ks], dtype=float),
        sector_entry_capital=np.array([k.entry_capital for k in ks], dtype=float),
        sector_hardware=np.array([k.hardware_heavy for k in ks]),
        sector_demand_growth=np.log1p(
            np.array(
                [
                    [k.demand_growth for k in ks],
                    [
                        k.demand_growth
                        if k.demand_growth_abroad is None
                        else k.demand_growth_abroad
                        for k in ks
                    ],
                ]
            )
        )
        / 12.0,
        sector_market_ceiling=np.array([k.market_ceiling for k in ks], dtype=float),
        relatedness=relatedness,
        research_district=np.array([di[r.district] for r in rs], dtype=np.int32),
        research_sector=np.array([si[r.sector] for r in rs], dtype=np.int32),
        research_staff=np.array([r.researchers for r in rs], dtype=float) * scale,
        research_productivity=np.log(np.maximum([r.productivity for r in rs], 1e-9))
        if rs
        else np.zeros(0),
        research_graduates=np.array([r.graduates_per_year for r in rs], dtype=float) * scale / 12,
        research_names=list(s.research),
        research_budget_yuan=np.array([_research_budget(s, r) for r in rs], dtype=float)
        * scale
        / 12.0,
        research_first_step=np.array(
            [0 if r.start is None else max(month_index(r.start) - start, 0) for r in rs],
            dtype=np.int32,
        ),
        networks=_networks(s, ci, si),
        city_firms=tuple(round(c.firms * scale) for c in cs),
        city_sector_mix=np.array([[c.sector_mix.get(k, 0.0) for k in sectors] for c in cs]),
        city_funds=tuple(c.funds for c in cs),
        city_fund_capital_usd=tuple(c.fund_capital_usd for c in cs),
        city_engineers=np.array([c.engineers for c in cs]),
        district_firm_share=np.array([d.firm_share for d in ds]),
        district_office_stock_m2=np.array([d.office_stock_m2 for d in ds]),
        district_rent_per_m2=np.array([d.rent_per_m2 for d in ds], dtype=float),
        district_other_demand_m2=np.array([d.other_demand_m2 for d in ds]),
        district_buildable_m2=np.array([d.buildable_m2 for d in ds]),
        policies=tuple(_measure(p, ci, si, start) for p in s.policies.values()),
        shocks=tuple(_measure(k, ci, si, start) for k in s.shocks.values()),
    )
