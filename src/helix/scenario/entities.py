"""The world's entities in a scenario: sectors, cities, districts, travel times, relatedness and
research institutions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from helix.scenario.measures import check_month
from helix.world.parameters.base import P, Strict


class Sector(Strict):
    label: str = Field(description="Human-readable name of the sector.")
    hardware_heavy: bool = Field(
        False,
        description="Needs lab equipment to start (quantum, chips, biotech): shared labs help.",
    )
    revenue_per_worker: float = P(
        60_000.0,
        0,
        1e7,
        "yuan/employee/month",
        "Monthly revenue of one employee at productivity 1 (assumption, China tech orders).",
    )
    rd_intensity: float = P(
        0.12,
        0,
        1,
        "share of revenue",
        "R&D spending over revenue before tax incentives (assumption, sector norms).",
    )
    entry_capital: float = P(
        2e6,
        0,
        1e10,
        "yuan",
        "Equipment a founding team needs (assumption); a shared-lab place saves part of it.",
    )
    demand_growth: float = P(
        0.05,
        -0.5,
        1.0,
        "1/year",
        "Growth of the sector's market in China at the start, which lifts the price of its "
        "output (assumption).",
    )
    demand_growth_abroad: float | None = P(
        None,
        -0.5,
        1.0,
        "1/year",
        "Growth of the sector's market abroad (the non-Chinese cities' market) at the start "
        "(default: demand_growth).",
    )
    market_ceiling: float = P(
        1e4,
        1.0,
        1e4,
        "multiple of the starting market",
        "Size the sector's markets grow toward, logistically (Griliches 1957, Bass 1969), as a "
        "multiple of their size at the start (assumption); the default 1e4 never binds within a "
        "run: growth at demand_growth throughout.",
    )


class City(Strict):
    lat: float = P(0.0, -90, 90, "degrees", "Latitude, for maps.")
    lon: float = P(0.0, -180, 180, "degrees", "Longitude, for maps.")
    role: Literal["core", "corridor", "rival", "global"] = Field(
        description="core: the city the world is about; corridor: cities linked to it; rival: a "
        "domestic competitor; global: the global hub talent can leave for."
    )
    china: bool = Field(
        True, description="Inside China: subject to export controls and China's VC market."
    )
    population_millions: float = P(1.0, 0, 100, "million people", "Resident population.")
    firms: int = P(1000, 0, 10_000_000, "firms", "Tech firms at the start (at scale 1).")
    sector_mix: dict[str, float] = Field(
        description="Share of the city's starting firms per sector (normalised)."
    )
    engineers: float = P(
        1e5, 0, 1e8, "people", "Tech workforce at the start (employed plus job seekers), scale 1."
    )
    graduates_per_year: float = P(
        1e4, 0, 1e7, "people/year", "STEM graduates entering the talent pool each year, scale 1."
    )
    foreign_per_year: float = P(
        500, 0, 1e6, "people/year", "Foreign engineers arriving each year without visa policy."
    )
    wage: float = P(20_000, 0, 1e6, "yuan/month", "Engineer wage at the start (PPP yuan).")
    amenity: float = P(
        0.0, -3, 3, "log utility", "Quality of life not in wages or rents (assumption)."
    )
    funds: int = P(0, 0, 100_000, "funds", "VC funds headquartered here at the start.")
    fund_capital_usd: float = P(
        0.0, 0, 1e13, "USD", "Dry powder of the city's funds at the start, scale 1."
    )
    fundraising_usd_per_year: float = P(
        0.0, 0, 1e13, "USD/year", "New money raised by the city's funds each year, scale 1."
    )
    intra_city_minutes: float = P(
        40.0, 0, 600, "minutes", "Typical travel time between two districts of the city."
    )


class District(Strict):
    city: str = Field(description="City the district belongs to.")
    firm_share: float = P(1.0, 0, None, "weight", "Weight of the district in its city's firms.")
    office_stock_m2: float = P(1e6, 0, 1e10, "m²", "Office and lab space at the start, scale 1.")
    rent_per_m2: float = P(150.0, 0, 1e5, "yuan/m²/month", "Office rent at the start.")
    other_demand_m2: float = P(
        5e5, 0, 1e10, "m²", "Office space occupied by non-tech tenants at the start, scale 1."
    )
    buildable_m2: float = P(
        1e6, 0, 1e10, "m²", "Space that can still be built on the district's land, scale 1."
    )


class TravelTime(Strict):
    cities: list[str] = Field(description="Order of the rows and columns of the matrix.")
    minutes: list[list[float]] = Field(
        description="Door-to-door travel time between city centres (minutes), symmetric."
    )
    sources: list[str] = Field(default_factory=list, description="Where the times come from.")


class Relatedness(Strict):
    sectors: list[str] = Field(description="Order of the rows and columns.")
    values: list[list[float]] = Field(
        description="How much of sector j's knowledge a firm of sector i can use (1 on the diagonal)."
    )


class Research(Strict):
    district: str = Field(description="District the institution sits in.")
    sector: str = Field(description="Sector whose knowledge it produces.")
    researchers: float = P(1000, 0, 1e7, "people", "Research staff, scale 1.")
    productivity: float = P(
        1.5, 0, 100, "relative", "Knowledge per researcher relative to an average firm employee."
    )
    graduates_per_year: float = P(
        0,
        0,
        1e6,
        "people/year",
        "PhDs and postdocs it adds to the city's talent pool at its starting staff (the flow "
        "grows and shrinks with its staff).",
    )
    budget_yuan: float | None = P(
        None,
        0,
        1e13,
        "yuan/year",
        "Government budget, scale 1 (default: what pays its starting staff at the city's wage "
        "with research.overhead_per_wage).",
    )
    start: str | None = Field(
        None, description="First month it exists, YYYY-MM (default: the start of the run)."
    )

    _check_start = field_validator("start")(check_month)


class Network(Strict):
    """A special knowledge network (e.g. an urban quantum network): one sector's spillovers
    reach further between the cities of its member research institutions."""

    sector: str = Field(description="Sector whose spillovers the network carries.")
    members: list[str] = Field(description="Research institutions that are its nodes.")
    reach: float | None = P(
        None,
        1,
        100,
        "ratio",
        "Reach multiplier between node cities (default: knowledge.quantum_network_reach).",
    )
