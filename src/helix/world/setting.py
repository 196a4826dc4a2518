"""The fixed stage of a run: index maps and per-city, per-district, per-sector arrays.

Built once from a scenario; mechanisms read it and never change it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helix.scenario.schema import Parameters, Scenario


@dataclass(frozen=True)
class Setting:
    scenario: Scenario
    params: Parameters
    cities: list[str]
    districts: list[str]
    sectors: list[str]
    start_month: int  # month index of step 0
    steps: int
    scale: float
    # cities
    city_china: np.ndarray
    city_global: np.ndarray  # the global hub(s) talent can leave for
    city_wage0: np.ndarray
    city_amenity: np.ndarray
    city_graduates: np.ndarray  # per month, scaled
    city_foreign: np.ndarray  # per month, scaled
    city_fundraising_usd: np.ndarray  # per month, scaled
    city_minutes: np.ndarray  # cities x cities, base travel time
    city_intra_minutes: np.ndarray
    # districts
    district_city: np.ndarray
    # sectors
    sector_revenue_per_worker: np.ndarray
    sector_rd_intensity: np.ndarray
    sector_entry_capital: np.ndarray
    sector_hardware: np.ndarray
    sector_demand_growth: np.ndarray  # per month (log)
    relatedness: np.ndarray  # sectors x sectors
    # research institutions (as extra knowledge mass and talent)
    research_district: np.ndarray
    research_sector: np.ndarray
    research_staff: np.ndarray
    research_productivity: np.ndarray
    research_graduates: np.ndarray  # per month, scaled
    quantum_nodes: np.ndarray  # bool per city
    quantum_sector: int  # -1 when the world has no quantum sector
    # reference levels fixed at the start, so responses are relative to 2020's world
    ref_knowledge: np.ndarray  # sectors: mean own-district knowledge mass per district
    ref_mass: np.ndarray  # sectors
    ref_firms_per_cell: float
    market0: np.ndarray  # sectors: output at the start (the market's size)

    @property
    def n_cities(self) -> int:
        return len(self.cities)

    @property
    def n_districts(self) -> int:
        return len(self.districts)

    @property
    def n_sectors(self) -> int:
        return len(self.sectors)

    def month_label(self, step: int) -> str:
        m = self.start_month + step
        return f"{m // 12:04d}-{m % 12 + 1:02d}"


def district_minutes(setting: Setting, city_minutes: np.ndarray) -> np.ndarray:
    """Travel time between districts: the cities' time, the city's own time inside it, 0 within."""
    dc = setting.district_city
    t = city_minutes[np.ix_(dc, dc)].copy()
    same_city = dc[:, None] == dc[None, :]
    t[same_city] = np.broadcast_to(setting.city_intra_minutes[dc][:, None], t.shape)[same_city]
    np.fill_diagonal(t, 0.0)
    return t


def build_setting(s: Scenario, ref: dict[str, np.ndarray] | None = None) -> Setting:
    """Index and vectorise a scenario. ``ref`` holds reference levels measured on the start."""
    cities = list(s.cities)
    districts = list(s.districts)
    sectors = list(s.sectors)
    ci = {c: i for i, c in enumerate(cities)}
    di = {d: i for i, d in enumerate(districts)}
    si = {k: i for i, k in enumerate(sectors)}
    scale = s.scale
    order = [s.travel_time.cities.index(c) for c in cities]
    minutes = np.asarray(s.travel_time.minutes, dtype=float)[np.ix_(order, order)]
    rel_order = [s.relatedness.sectors.index(k) for k in sectors]
    relatedness = np.asarray(s.relatedness.values, dtype=float)[np.ix_(rel_order, rel_order)]
    cs = [s.cities[c] for c in cities]
    ks = [s.sectors[k] for k in sectors]
    rs = list(s.research.values())
    research_district = np.array([di[r.district] for r in rs], dtype=np.int32)
    quantum_nodes = np.zeros(len(cities), bool)
    for r in rs:
        if r.quantum_network:
            quantum_nodes[ci[s.districts[r.district].city]] = True
    ref = ref or {}
    zeros_k = np.zeros(len(sectors))
    return Setting(
        scenario=s,
        params=s.parameters,
        cities=cities,
        districts=districts,
        sectors=sectors,
        start_month=int(s.start[:4]) * 12 + int(s.start[5:7]) - 1,
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
        district_city=np.array([ci[s.districts[d].city] for d in districts], dtype=np.int32),
        sector_revenue_per_worker=np.array([k.revenue_per_worker for k in ks], dtype=float),
        sector_rd_intensity=np.array([k.rd_intensity for k in ks], dtype=float),
        sector_entry_capital=np.array([k.entry_capital for k in ks], dtype=float),
        sector_hardware=np.array([k.hardware_heavy for k in ks]),
        sector_demand_growth=np.log1p(np.array([k.demand_growth for k in ks])) / 12.0,
        relatedness=relatedness,
        research_district=research_district,
        research_sector=np.array([si[r.sector] for r in rs], dtype=np.int32),
        research_staff=np.array([r.researchers for r in rs], dtype=float) * scale,
        research_productivity=np.log(np.maximum([r.productivity for r in rs], 1e-9))
        if rs
        else np.zeros(0),
        research_graduates=np.array([r.graduates_per_year for r in rs], dtype=float) * scale / 12,
        quantum_nodes=quantum_nodes,
        quantum_sector=si.get("quantum", -1),
        ref_knowledge=ref.get("knowledge", zeros_k),
        ref_mass=ref.get("mass", zeros_k),
        ref_firms_per_cell=float(ref.get("firms_per_cell", np.ones(1))[0]),
        market0=ref.get("market", zeros_k),
    )
