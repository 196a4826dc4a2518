"""What a world is: the pydantic schema of a scenario.

Every parameter carries its unit, bounds and a one-line meaning (``P``). The defaults here are the
literature's values (their source is in the meaning) or marked assumptions; the shipped world
(``defaults/shanghai-delta.toml``) overrides only what was tuned to the report. docs/model.md
explains each in context.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def P(default: Any, lo: float | None, hi: float | None, unit: str, meaning: str) -> Any:  # noqa: N802
    """A parameter: default, inclusive bounds, unit and a one-line meaning (with its source)."""
    return Field(
        default,
        ge=lo,
        le=hi,
        description=meaning,
        json_schema_extra={"unit": unit},
    )


def month_index(month: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` string, for ordering and differences."""
    m = MONTH_PATTERN.match(month)
    if m is None:
        raise ValueError(f"{month!r} is not a month of the form YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_label(index: int) -> str:
    """The ``YYYY-MM`` string of a month index made by :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


Month = str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _check_month(value: str | None) -> str | None:
    if value is not None:
        month_index(value)
    return value


# ---------------------------------------------------------------------------------- the world


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
        "Growth of the sector's market, which lifts the price of its output (assumption).",
    )


class City(Strict):
    lat: float = P(0.0, -90, 90, "degrees", "Latitude, for maps.")
    lon: float = P(0.0, -180, 180, "degrees", "Longitude, for maps.")
    role: Literal["core", "corridor", "rival", "global"] = Field(
        description="core: Shanghai; corridor: the 1+8 cities; rival: Beijing; global: Silicon Valley."
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
        0, 0, 1e6, "people/year", "PhDs and postdocs it adds to the city's talent pool."
    )
    quantum_network: bool = Field(
        False,
        description="Node of the urban-scale quantum network: extends quantum spillover reach.",
    )


class Policy(Strict):
    kind: Literal[
        "visa",
        "rd_tax_break",
        "shared_labs",
        "subsidy",
        "guidance_fund",
        "rent_cap",
        "rail",
        "support_withdrawal",
    ] = Field(description="Which lever.")
    cities: list[str] = Field(description="Cities it applies to (for rail: the linked cities).")
    sectors: list[str] = Field(default_factory=list, description="Sectors it targets (empty: all).")
    start: Month = Field(description="First month in force, YYYY-MM.")
    end: Month | None = Field(None, description="Last month in force, YYYY-MM (open if absent).")
    value: float = P(
        0.0,
        0,
        100,
        "depends on kind",
        "visa: multiplier on foreign inflow; rd_tax_break: extra deduction rate on R&D (rates of "
        "several policies in force add up); "
        "rent_cap: max rent growth per year; rail: travel-time multiplier; others unused.",
    )
    budget_yuan: float = P(
        0.0,
        0,
        1e14,
        "yuan",
        "shared_labs: equipment budget; subsidy: grants per year; guidance_fund: capital "
        "committed to the state fund at start; others: programme budget.",
    )

    reach: Literal["home", "national"] = Field(
        "home",
        description="guidance_fund: invest only in its own city (home) or in every Chinese city "
        "by deal flow and quality (national, e.g. the National IC Industry Investment Fund).",
    )

    _check_start = field_validator("start", "end")(_check_month)


class Shock(Strict):
    kind: Literal["export_control", "vc_downturn"] = Field(description="What hits.")
    cities: list[str] = Field(default_factory=list, description="Cities hit (empty: all in China).")
    sectors: list[str] = Field(default_factory=list, description="Sectors hit (empty: all).")
    start: Month = Field(description="First month of the shock, YYYY-MM.")
    end: Month | None = Field(None, description="Last month (vc_downturn), YYYY-MM.")
    severity: float = P(
        0.3,
        0,
        1,
        "share",
        "export_control: share of imported inputs lost; vc_downturn: fall in VC deployment.",
    )

    _check_start = field_validator("start", "end")(_check_month)


class Target(Strict):
    indicator: str = Field(description="Indicator in the store, e.g. output, unicorns, rent.")
    statistic: Literal[
        "cagr", "level", "ratio", "growth", "city_ratio", "recovery_months", "change"
    ]
    city: str = Field(description="City the indicator is read for.")
    other_city: str | None = Field(None, description="city_ratio: the city in the denominator.")
    sector: str | None = Field(None, description="Restrict to one sector.")
    start: Month = Field(description="First month or year of the comparison (YYYY-MM).")
    end: Month = Field(description="Second month or year of the comparison (YYYY-MM).")
    observed: float = Field(description="The report's value.")
    tolerance: float = Field(description="Accepted distance from observed (> 0).")
    comparison: Literal["within", "at_most", "falls", "crosses"] = Field(
        "within", description="How simulated and observed are compared."
    )
    source: str = Field("", description="Where the observed value comes from.")

    _check_months = field_validator("start", "end")(_check_month)

    @field_validator("tolerance")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("tolerance must be above 0")
        return v


# ------------------------------------------------------------------------------ the parameters


class Knowledge(Strict):
    decay_per_minute: float = P(
        0.0024,
        0,
        0.1,
        "1/minute",
        "Spillover decay exp(-δ·t); Keller 2002 halves at ~1,200 km ≈ 290 min at HSR speed.",
    )
    same_city_premium: float = P(
        5.0,
        1,
        50,
        "ratio",
        "Extra reach inside a metro area (Jaffe, Trajtenberg & Henderson 1993: 5-10x).",
    )
    same_district_premium: float = P(
        2.0, 1, 50, "ratio", "Extra reach inside one district, within ~5 km (assumption)."
    )
    density_gain_per_doubling: float = P(
        0.06,
        0,
        0.5,
        "share",
        "Productivity gain per doubling of reachable density (Ciccone & Hall 1996).",
    )
    innovation_rate: float = P(
        1.5,
        0,
        100,
        "1/month per R&D share",
        "Monthly chance of an innovation draw per unit of real R&D intensity (Nelson & Winter 1982).",
    )
    innovation_sd: float = P(
        0.08,
        0,
        2,
        "log productivity",
        "Spread of an incremental innovation draw (Nelson & Winter).",
    )
    radical_share: float = P(
        0.05,
        0,
        1,
        "share",
        "Share of innovation draws that are radical (SKIN, Gilbert et al. 2001).",
    )
    radical_sd: float = P(
        0.35, 0, 5, "log productivity", "Spread of a radical innovation draw (assumption)."
    )
    imitation_rate: float = P(
        0.04, 0, 1, "1/month", "Monthly imitation intensity at the reference reachable density."
    )
    imitation_density_elasticity: float = P(
        0.5, 0, 3, "elasticity", "Imitation response to reachable density (Ciccone & Hall spirit)."
    )
    imitation_speed: float = P(
        0.3, 0, 1, "share", "Share of the gap to the reachable mean practice closed by imitating."
    )
    obsolescence: float = P(
        0.004, 0, 0.1, "1/month", "Fall of productivity without innovation (assumption)."
    )
    shock_imitation: float = P(
        5.0,
        0,
        100,
        "per unit input gap",
        "Extra imitation in a sector cut off from imported inputs: reverse engineering (assumption).",
    )
    quantum_network_reach: float = P(
        3.0, 1, 100, "ratio", "Reach multiplier between quantum-network nodes (assumption)."
    )


class Founding(Strict):
    founders_per_engineer: float = P(
        0.0004, 0, 0.1, "1/month", "Monthly founding rate per engineer at reference conditions."
    )
    spillover_elasticity: float = P(
        0.5,
        0,
        3,
        "elasticity",
        "Founding response to reachable knowledge (assumption, SKIN start-ups).",
    )
    profit_elasticity: float = P(
        1.0, 0, 10, "per unit margin", "Founding response to the sector's margin (Nelson & Winter)."
    )
    entry_cost_elasticity: float = P(
        0.3, 0, 3, "elasticity", "Founding response to entry capital (assumption)."
    )
    rent_elasticity: float = P(
        1.0,
        0,
        5,
        "elasticity",
        "Founding response to a district's rent over its start (assumption).",
    )
    team_size: float = P(3.0, 1, 100, "people", "Founders and first hires of a new firm.")
    entrant_sd: float = P(
        0.25, 0, 3, "log productivity", "Spread of entrants' productivity around local practice."
    )
    founder_cash_months: float = P(
        9.0, 0, 120, "months", "Months of team wages founders bring as their own money."
    )


class Growth(Strict):
    hiring_response: float = P(
        0.05, 0, 1, "1/month per unit margin", "Monthly headcount growth per unit of profit margin."
    )
    shock_sd: float = P(
        0.05, 0, 1, "log/month", "Idiosyncratic monthly growth shock of a 10-person firm."
    )
    size_exponent: float = P(
        0.2, 0, 1, "elasticity", "Shock spread falls as size^-β (Stanley et al. 1996: β≈0.15-0.2)."
    )
    m2_per_employee: float = P(10.0, 1, 100, "m²", "Office space per employee (assumption).")
    other_costs: float = P(
        0.25, 0, 2, "share of wages", "Non-wage, non-rent operating costs (assumption)."
    )
    price_elasticity: float = P(
        0.5, 0, 5, "elasticity", "Fall of a sector's output price as its output grows (assumption)."
    )
    price_adjustment: float = P(
        0.1, 0, 1, "1/month", "Share of the gap to the demand-clearing price closed each month."
    )
    maturity_months: float = P(
        24, 0, 240, "months", "Time constant of a new firm's ramp-up to full revenue (assumption)."
    )
    runway_months: float = P(
        18, 1, 120, "months", "Cash runway a firm aims for; more cash than that is spent on hiring."
    )
    runway_response: float = P(
        0.04, 0, 1, "1/month", "Monthly headcount growth per log of runway over its aim."
    )


class Exits(Strict):
    loss_months: int = P(
        18,
        1,
        240,
        "months",
        "Consecutive loss months after which a firm with under 3 months of costs in cash exits (Nelson-Winter).",
    )
    ipo_rate: float = P(
        0.02, 0, 1, "1/month", "Monthly IPO chance of a late-stage firm above the IPO valuation."
    )
    ipo_valuation_usd: float = P(
        5e8,
        0,
        1e13,
        "USD",
        "Valuation above which a late-stage firm can list (STAR market orders).",
    )
    acquisition_rate: float = P(
        0.002,
        0,
        1,
        "1/month",
        "Monthly chance that a VC-backed firm is acquired by its sector's leader.",
    )


class Funding(Strict):
    deploy_share: float = P(
        0.03,
        0,
        1,
        "1/month",
        "Share of dry powder invested each month (~3-year investment period).",
    )
    distance_elasticity: float = P(
        0.3, 0, 3, "elasticity", "Deal probability ~ travel time^-0.3 (Sorenson & Stuart 2001)."
    )
    home_bias: float = P(2.0, 1, 50, "ratio", "Extra weight of a fund's home city (assumption).")
    cross_border_factor: float = P(
        0.1,
        0,
        1,
        "ratio",
        "Weight of a deal across China's border relative to at home (assumption).",
    )
    min_minutes: float = P(
        15, 1, 600, "minutes", "Travel time below which distance no longer deters a deal."
    )
    quality_elasticity: float = P(
        1.0, 0, 5, "elasticity", "How strongly funds follow a cell's pipeline quality (assumption)."
    )
    dilution_by_stage: list[float] = Field(
        [0.22, 0.2, 0.15, 0.12, 0.1],
        description="Share of the firm sold in a seed, A, B, C, D+ round "
        "(Kaplan & Strömberg 2003; Carta dilution medians, ~20% early to ~10% late).",
    )
    step_mean: float = P(
        0.15, -2, 2, "log per year", "Mean log valuation change per year (Cochrane 2005)."
    )
    step_sd: float = P(
        0.9, 0, 5, "log per sqrt(year)", "Spread of log valuation change (Cochrane 2005: ~0.9-1.0)."
    )
    quality_loading: float = P(
        1.5,
        0,
        20,
        "per log productivity",
        "Valuation response to productivity gained since last round.",
    )
    traction_loading: float = P(
        0.5,
        0,
        5,
        "per log revenue",
        "Valuation response to revenue growth since the last round (revenue multiples; assumption).",
    )
    seed_valuation_usd: float = P(
        6e6, 0, 1e10, "USD", "Post-money valuation after a seed round (assumption)."
    )
    months_between_rounds: int = P(
        15, 1, 120, "months", "Minimum months before a firm raises again (Bergemann, Hege & Peng)."
    )
    months_between_pitches: int = P(
        6, 1, 120, "months", "Months a turned-down firm waits before pitching again (assumption)."
    )
    stale_months: int = P(
        36,
        1,
        600,
        "months",
        "Months without a new round after which investors write a VC-backed firm off: it runs on "
        "its own revenue and pitches no more (the living dead, Ruhnka, Feldman & Dean 1992; two "
        "18-month runways).",
    )
    hurdle: float = P(
        0.0, -5, 5, "log", "Least surprise (quality plus due-diligence noise) a fund invests in."
    )

    expiry: float = P(
        0.01,
        0,
        1,
        "1/month",
        "Share of uninvested capital returned to investors each month as funds age (assumption).",
    )
    performance_elasticity: float = P(
        0.5,
        0,
        3,
        "elasticity",
        "Response of a city's fundraising to its funds' value created over the past year against "
        "the first year (Gompers & Lerner 1998; Kaplan & Schoar 2005: flows follow performance).",
    )
    fundraise_return_share: float = P(
        0.5, 0, 5, "share", "Share of exit proceeds recycled into new funds of the same city."
    )
    usd_yuan: float = P(7.0, 1, 20, "yuan/USD", "Exchange rate (2020-2025 average ≈ 6.9).")


class Rents(Strict):
    vacancy_response: float = P(
        2.0,
        0,
        20,
        "1/year per unit vacancy gap",
        "Rent change per point of vacancy below natural: ~2%/yr (Wheaton & Torto 1988).",
    )
    natural_vacancy: float = P(0.12, 0, 0.9, "share", "Vacancy at which rents are stable.")
    construction_response: float = P(
        0.08, 0, 2, "1/year", "New building per year when rents are twice the replacement cost."
    )
    construction_lag_months: int = P(
        30,
        1,
        240,
        "months",
        "From start to delivery of office buildings (DiPasquale & Wheaton 1992).",
    )
    space_elasticity: float = P(
        0.4,
        0,
        3,
        "elasticity",
        "Fall of office space per employee as rent rises above its starting level (assumption; "
        "the demand curve of DiPasquale & Wheaton 1992).",
    )
    other_demand_growth: float = P(
        0.02, -0.5, 0.5, "1/year", "Growth of non-tech office demand (assumption)."
    )
    depreciation: float = P(0.01, 0, 0.2, "1/year", "Office stock removed each year.")
    small_firm_employees: float = P(
        30,
        1,
        10_000,
        "people",
        "Firms below this headcount move at the full relocation rate, larger ones more slowly.",
    )
    burden_threshold: float = P(
        0.12, 0, 1, "share of costs", "Rent share of costs above which a firm looks to move."
    )
    relocation_rate: float = P(
        0.05,
        0,
        1,
        "1/month",
        "Monthly chance that a burdened firm of up to small_firm_employees moves.",
    )
    relocation_rent_elasticity: float = P(
        2.0, 0, 20, "elasticity", "Preference for cheap districts when relocating."
    )
    relocation_max_minutes: float = P(
        150, 0, 2000, "minutes", "Farthest a firm moves to escape rent (assumption)."
    )
    relocation_decay_per_minute: float = P(
        0.02, 0, 1, "1/minute", "Preference for nearby districts when relocating."
    )
    max_monthly_change: float = P(0.08, 0, 1, "share", "Cap on one month's rent change.")


class Talent(Strict):
    attrition: float = P(
        0.002, 0, 0.1, "1/month", "Engineers leaving tech work each month (retirement, other jobs)."
    )
    migration_rate: float = P(
        0.01,
        0,
        1,
        "1/month per unit utility gap",
        "Moves between cities (Fujita-Krugman-Venables).",
    )
    migration_decay_per_minute: float = P(
        0.006, 0, 1, "1/minute", "Friction of distance on migration (assumption)."
    )
    housing_share: float = P(0.3, 0, 1, "share", "Weight of rent in the real wage (assumption).")
    opportunity_weight: float = P(
        0.5, 0, 10, "log utility", "Weight of job openings per seeker in a city's appeal."
    )
    wage_response: float = P(
        0.01, 0, 1, "1/month", "Wage change per log of hiring demand over normal job finding."
    )
    job_finding_rate: float = P(
        0.25, 0.01, 1, "1/month", "Share of job seekers hired in a month of a balanced market."
    )
    commute_decay_per_minute: float = P(
        0.03,
        0,
        1,
        "1/minute",
        "Fall of hiring from another city's pool with rail time (Zheng & Kahn 2013; assumption).",
    )
    max_hire_share: float = P(
        0.5, 0.01, 1, "share", "Most of a city's job seekers firms can hire in one month."
    )
    top_graduate_share: float = P(
        0.1, 0, 1, "share", "Share of graduates counted as top graduates."
    )
    abroad_base_share: float = P(
        0.25, 0, 1, "share", "Share of top graduates going abroad when home and abroad are equal."
    )
    abroad_elasticity: float = P(
        1.5, 0, 20, "per log utility", "Response of going abroad to the utility gap (logit)."
    )
    return_rate: float = P(
        0.002, 0, 1, "1/month", "Monthly chance that an engineer abroad returns, at equal appeal."
    )


class Rd(Strict):
    real_elasticity: float = P(
        1.1, 0, 5, "elasticity", "Real R&D response to its user cost (Chen et al. 2021)."
    )
    reported_elasticity: float = P(
        2.0, 0, 5, "elasticity", "Reported R&D response, incl. relabelling (Chen et al. 2021)."
    )
    corporate_tax_rate: float = P(0.25, 0, 1, "share", "China's corporate income tax rate.")


class Labs(Strict):
    slot_cost_yuan: float = P(
        5e6, 1, 1e10, "yuan", "Equipment budget that hosts one hardware startup (assumption)."
    )
    entry_discount: float = P(
        0.6, 0, 1, "share", "Share of entry capital a lab slot saves (assumption)."
    )
    tenancy_months: int = P(36, 1, 240, "months", "How long a startup keeps its lab slot.")


class Disputes(Strict):
    rate: float = P(
        0.02, 0, 10, "disputes per imitation", "Disputes per imitation at reference crowding."
    )
    crowding_elasticity: float = P(
        1.0, 0, 5, "elasticity", "Dispute response to same-sector firms per district (assumption)."
    )
    cost_yuan: float = P(5e5, 0, 1e9, "yuan", "Legal cost of a dispute to the imitator.")
    filing_lag_months: int = P(
        12,
        0,
        120,
        "months",
        "From an imitation to the dispute being filed (detection and preparation; assumption).",
    )
    loss_share: float = P(
        0.5,
        0,
        1,
        "share",
        "Share of the imitated gain an imitator loses in a dispute (assumption).",
    )


class Chips(Strict):
    learning_rate: float = P(
        0.2, 0, 0.9, "share", "Cost fall per doubling of cumulative output (Irwin & Klenow 1994)."
    )
    state_push: float = P(
        2.0, 0, 100, "ratio", "Extra domestic substitute output bought by the state during a shock."
    )
    substitute_start: float = P(
        2.0,
        0.01,
        1000,
        "months of output",
        "Domestic substitutes' cumulative output when the shock hits (assumption).",
    )


class Initial(Strict):
    stage_shares: list[float] = Field(
        [0.55, 0.2, 0.12, 0.07, 0.045, 0.015],
        description="Share of starting firms bootstrapped, seed, A, B, C+, listed (assumption).",
    )
    stage_valuation_usd: list[float] = Field(
        [2e6, 6e6, 30e6, 120e6, 400e6, 1e9],
        description="Median valuation by stage at the start (USD; orders of Chinese VC data).",
    )
    valuation_sd: float = P(0.9, 0, 5, "log", "Spread of starting valuations within a stage.")
    employees_log_mean: float = P(2.5, 0, 10, "log people", "Mean log headcount at the start.")
    employees_log_sd: float = P(1.1, 0, 5, "log people", "Spread of log headcount at the start.")
    productivity_sd: float = P(0.35, 0, 3, "log", "Spread of log productivity at the start.")
    max_age_months: int = P(120, 1, 1200, "months", "Oldest starting firm's age.")
    cash_months: float = P(12, 0, 240, "months", "Cash in hand at the start, in months of costs.")
    diaspora_years: float = P(
        10, 0, 100, "years", "Years of top graduates abroad making up the starting diaspora."
    )


class Parameters(Strict):
    initial: Initial = Field(default_factory=Initial)
    knowledge: Knowledge = Field(default_factory=Knowledge)
    founding: Founding = Field(default_factory=Founding)
    growth: Growth = Field(default_factory=Growth)
    exits: Exits = Field(default_factory=Exits)
    funding: Funding = Field(default_factory=Funding)
    rents: Rents = Field(default_factory=Rents)
    talent: Talent = Field(default_factory=Talent)
    rd: Rd = Field(default_factory=Rd)
    labs: Labs = Field(default_factory=Labs)
    disputes: Disputes = Field(default_factory=Disputes)
    chips: Chips = Field(default_factory=Chips)


class CalibratedParameter(Strict):
    low: float = Field(description="Lower bound of the search.")
    high: float = Field(description="Upper bound of the search.")


class Scenario(Strict):
    """A whole world: geography, sectors, agents at the start, policies, shocks, parameters."""

    name: str = Field(description="Short name, stored with every run.")
    description: str = Field("", description="What this world is.")
    start: Month = Field("2020-01", description="First simulated month.")
    end: Month = Field("2035-12", description="Last simulated month.")
    present: Month | None = Field(
        None,
        description="The present of the world's source (the month its figures describe), shown "
        "beside the first and last years in summaries; none if the world has no such month.",
    )
    seed: int = P(0, 0, 2**63 - 1, "", "Seed of the run's random stream.")
    scale: float = P(1.0, 1e-4, 1e4, "ratio", "Multiplies agent counts and extensive quantities.")
    sectors: dict[str, Sector]
    cities: dict[str, City]
    districts: dict[str, District]
    travel_time: TravelTime
    relatedness: Relatedness
    research: dict[str, Research] = Field(default_factory=dict)
    policies: dict[str, Policy] = Field(default_factory=dict)
    shocks: dict[str, Shock] = Field(default_factory=dict)
    parameters: Parameters = Field(default_factory=Parameters)
    targets: dict[str, Target] = Field(default_factory=dict)
    calibration: dict[str, CalibratedParameter] = Field(
        default_factory=dict,
        description="Parameters (dotted paths) left free for calibration, with search bounds.",
    )

    _check_months = field_validator("start", "end", "present")(_check_month)

    @property
    def focus_city(self) -> str:
        """The city the world is about (role "core"), else its first city."""
        roles = {name: city.role for name, city in self.cities.items()}
        return next((c for c, role in roles.items() if role == "core"), next(iter(roles)))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        from helix.scenario.consistency import check_world

        check_world(self)
        return self

    @property
    def months(self) -> int:
        return month_index(self.end) - month_index(self.start) + 1

    def month_of(self, month: str) -> int:
        """Step index of a ``YYYY-MM`` month within this run."""
        return month_index(month) - month_index(self.start)
