"""The fixed stage of a run: index maps and per-city, per-district, per-sector arrays.

:class:`Inputs` is what a world is made of, compiled from a scenario by the scenario layer
(``helix.scenario.compile``): names, arrays, and the dated policies and shocks as
:class:`Measure` records in the world's indices. :class:`Setting` adds what is measured on the
starting agents (reference levels, the market's size) and what the measures mean per step (the
levers, the export controls); it is built once, by ``build.initial_world``, and frozen.
Mechanisms read the setting and never the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from helix.world.calendar import month_label
from helix.world.parameters import Parameters

# Sector markets: firms in Chinese cities sell in China's market, the others abroad; each market
# has its own size, growth and price per sector (``mechanisms.operations.sector_price``).
MARKETS: tuple[str, ...] = ("china", "abroad")


@dataclass(frozen=True)
class Measure:
    """A dated policy or shock in the world's indices (the scenario's ``[policies]``, ``[shocks]``).

    Steps count from the run's first month; ``last_step`` ``None`` is open-ended.
    """

    kind: str
    cities: tuple[int, ...]  # empty for a shock: every Chinese city (demand_shock: every market)
    sectors: tuple[int, ...]  # empty: every sector
    first_step: int
    last_step: int | None
    value: float = 0.0
    budget_yuan: float = 0.0
    severity: float = 0.0
    national: bool = False  # guidance_fund: invests in every Chinese city, not only at home

    def active(self, step: int) -> bool:
        return self.first_step <= step and (self.last_step is None or step <= self.last_step)


@dataclass(frozen=True)
class Network:
    """A special knowledge network: between its node cities, one sector's reach is multiplied."""

    name: str
    sector: int
    nodes: np.ndarray  # bool per city
    reach: float  # multiplier on the reach between node cities (in different cities)


@dataclass(frozen=True)
class Inputs:
    """A world as compiled from its scenario: fixed for the run."""

    name: str
    seed: int
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
    sector_demand_growth: np.ndarray  # markets x sectors: initial growth, per month (log)
    sector_market_ceiling: np.ndarray  # sectors: market ceiling / starting market
    relatedness: np.ndarray  # sectors x sectors
    # research institutions (as extra knowledge mass and talent)
    research_district: np.ndarray
    research_sector: np.ndarray
    research_staff: np.ndarray  # at the start (or at its opening), scaled
    research_productivity: np.ndarray
    research_graduates: np.ndarray  # per month at the starting staff, scaled
    research_names: list[str]
    research_budget_yuan: np.ndarray  # government budget per month, scaled
    research_first_step: np.ndarray  # step from which the institution exists
    networks: tuple[Network, ...]
    # the starting agents (unscaled where the build scales them)
    city_firms: tuple[int, ...]  # starting firms, scaled and rounded
    city_sector_mix: np.ndarray  # cities x sectors: shares of the starting firms
    city_funds: tuple[int, ...]  # private VC funds
    city_fund_capital_usd: tuple[float, ...]  # their dry powder at the start, unscaled
    city_engineers: np.ndarray  # unscaled
    district_firm_share: np.ndarray  # share of its city's firms
    district_office_stock_m2: np.ndarray  # unscaled
    district_rent_per_m2: np.ndarray
    district_other_demand_m2: np.ndarray  # unscaled
    district_buildable_m2: np.ndarray  # unscaled
    # dated policies and shocks, in the scenario's order
    policies: tuple[Measure, ...]
    shocks: tuple[Measure, ...]

    @property
    def n_cities(self) -> int:
        return len(self.cities)

    @property
    def n_districts(self) -> int:
        return len(self.districts)

    @property
    def n_sectors(self) -> int:
        return len(self.sectors)

    @property
    def city_market(self) -> np.ndarray:
        """The market each city sells in: 0 China's, 1 the market abroad (``MARKETS``)."""
        return np.where(self.city_china, 0, 1).astype(np.int32)

    def month_label(self, step: int) -> str:
        return month_label(self.start_month + step)


@dataclass(frozen=True)
class Levers:
    """The government's levers in force (``mechanisms.policy``); in the setting, every array has
    a leading step axis, and :meth:`at` gives one month's."""

    foreign_multiplier: np.ndarray  # cities
    rd_extra_deduction: np.ndarray  # cities x sectors
    lab_slots: np.ndarray  # cities: hardware-startup places in shared labs
    subsidy_per_month: np.ndarray  # cities x sectors, yuan
    rent_cap_per_month: np.ndarray  # districts: max log rent rise per month (inf: none)
    city_minutes: np.ndarray  # cities x cities, with rail policies applied
    vc_sentiment: np.ndarray  # cities x sectors: 1 normally, lower in a VC downturn there
    withdrawn: np.ndarray  # cities where government support has been withdrawn
    demand: np.ndarray  # markets x sectors: 1 normally, 1 - severity under a demand shock
    inflow_multiplier: np.ndarray  # cities: multiplier on engineers migrating in from China
    research_budget: np.ndarray  # institutions: multiplier on the government budget
    spinoff_multiplier: np.ndarray  # cities: tech-transfer rules on researchers' spin-offs

    def at(self, step: int) -> Levers:
        """The levers of month ``step`` (views into the schedule)."""
        return Levers(**{f.name: getattr(self, f.name)[step] for f in fields(self)})

    def key(self) -> bytes:
        """Identity of the travel times, to reuse spillover kernels while they do not change."""
        return self.city_minutes.tobytes()


@dataclass(frozen=True)
class ExportControl:
    """An export control in arrays: from ``start`` (a step), ``severity`` of the inputs of the
    hit sectors in the hit cities is lost."""

    start: int
    cities: np.ndarray  # bool per city
    sectors: np.ndarray  # bool per sector
    severity: float


@dataclass(frozen=True)
class Setting(Inputs):
    """Inputs plus what is fixed on the starting agents and what the measures do per step."""

    # reference levels fixed at the start, so responses are relative to the first month's world
    ref_knowledge: np.ndarray  # sectors: mean own-district knowledge mass per district
    ref_mass: np.ndarray  # sectors
    ref_firms_per_cell: float
    market0: np.ndarray  # markets x sectors: output at the start (the market's size)
    ref_research_access: float  # median access of a (district, sector) to research at the start
    levers: Levers  # the government's levers, each array with a leading step axis
    export_controls: tuple[ExportControl, ...]


def district_minutes(setting: Inputs, city_minutes: np.ndarray) -> np.ndarray:
    """Travel time between districts: the cities' time, the city's own time inside it, 0 within."""
    dc = setting.district_city
    t = city_minutes[np.ix_(dc, dc)].copy()
    same_city = dc[:, None] == dc[None, :]
    t[same_city] = np.broadcast_to(setting.city_intra_minutes[dc][:, None], t.shape)[same_city]
    np.fill_diagonal(t, 0.0)
    return t
