"""Parameter groups of the markets firms meet: venture funding, offices, talent, shared labs and
imported inputs.
"""

from __future__ import annotations

from pydantic import Field

from helix.world.parameters.base import P, Strict


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
        0.15,
        -2,
        2,
        "log per year",
        "Mean log change a year of a VC-backed firm's value (Cochrane 2005: ~15% a year, the "
        "selection-corrected value process of all VC-backed firms, not observed round steps).",
    )
    step_sd: float = P(
        0.9,
        0,
        5,
        "log per sqrt(year)",
        "Spread a year of a VC-backed firm's value from its own luck, which funds do not select "
        "on (Cochrane 2005: ~89% a year, selection-corrected; observed round steps are wider).",
    )
    diligence_sd: float = P(
        0.45,
        0,
        5,
        "log",
        "Spread of a fund's error in reading a candidate's milestones at due diligence (the "
        "noise in the deal decision, apart from the value's own luck; assumption).",
    )
    seed_diligence_sd: float = P(
        1.0,
        0,
        5,
        "log",
        "Spread of a seed investor's error in reading a startup that has no product or revenue "
        "yet: a bet on a team and a plan, read with about twice the later rounds' error "
        "(Kaplan & Strömberg 2004: risks of the team and the market weigh most at the earliest "
        "stage; Ewens, Nanda & Rhodes-Kropf 2018: early-stage investors learn by funding; "
        "the factor two is an assumption).",
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
    round_runway_months: float = P(
        21,
        6,
        48,
        "months",
        "Months of planned burn a round is sized for (Carta, State of Private Markets: median "
        "time between seed, A and B rounds ~18-24 months).",
    )
    cut_runway_months: float = P(
        12,
        1,
        48,
        "months",
        "Runway below which a VC-backed firm whose next round has not come stops spending at its "
        "planned burn and stretches its remaining cash over this many months, cutting its team to "
        "what that pays for (patient capital and bridge financing: Puri & Zarutskie 2012; the "
        "rule and its value are an assumption).",
    )
    planned_team_by_stage: list[float] = Field(
        [10.0, 30.0, 80.0, 200.0, 500.0],
        description="Headcount a seed, A, B, C, D+ round plans to pay for (people; with the "
        "city's cost per employee and round_runway_months this gives round sizes of ~$1-2M seed, "
        "~$5M A, ~$12M B, ~$30M C, ~$80M D+ in Shanghai, the orders of ITjuzi/Zero2IPO medians "
        "for Chinese tech rounds 2018-2022; assumption).",
    )
    max_dilution: float = P(
        0.4,
        0.05,
        0.9,
        "share",
        "Largest share of the firm a round may sell; a plan worth more is cut to it (Kaplan & "
        "Strömberg 2003: investors rarely take more than ~40% in one round).",
    )
    supply_elasticity: float = P(
        0.15,
        0,
        1,
        "elasticity",
        "Response of pre-money valuations to the money a cell's funds offer over the money its "
        "fundable deals ask for (Gompers & Lerner 2000: doubling inflows raises valuations "
        "7-21%, an elasticity of ~0.1-0.3).",
    )
    guidance_paid_in_years: float = P(
        5.0,
        0,
        20,
        "years",
        "Years over which a guidance fund receives its committed capital, in equal monthly "
        "instalments (0: all at once). Chinese government guidance funds call their capital in "
        "tranches over their 5-year investment period (Zero2IPO; Pan, Deng & Li 2022; assumption).",
    )
    state_certification: float = P(
        1.0,
        0,
        10,
        "per unit state share",
        "Crowding in: slope at zero of private funds' offers to a city and sector in the state's "
        "share of the money offered there (a state co-investment certifies deals and fills gaps: "
        "Brander, Du & Hellmann 2015, Lerner 2009; with crowd_out_share 0.5, private money rises "
        "by up to 12.5% at a state share of a quarter; the value is an assumption).",
    )
    crowd_out_share: float = P(
        0.5,
        0.05,
        1,
        "share",
        "State share of a cell's offered money above which private funds offer less than "
        "without the state (crowding out: Brander, Du & Hellmann 2015 find large government "
        "VC shares go with less private VC; assumption for the value).",
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
        "Headcount at which a move costs moving_cost_months of the firm's costs; smaller firms "
        "pay less, larger more (Brouwer, Mariotti & van Ommeren 2004: relocation falls with size).",
    )
    lease_months: float = P(
        36,
        1,
        240,
        "months",
        "Length of an office lease: a firm weighs a move when its lease ends, 1/lease_months of "
        "firms a month, and values a move's saving over one lease (Chinese office leases run 2-3 "
        "years, JLL 2019; assumption).",
    )
    moving_cost_months: float = P(
        1.0,
        0,
        24,
        "months of costs",
        "Cost of a move (fit-out, disruption) for a firm of small_firm_employees, in months of "
        "its costs (assumption).",
    )
    moving_cost_size_exponent: float = P(
        0.5,
        0,
        3,
        "elasticity",
        "Rise of a move's cost, in months of costs, with headcount: (E/E_small)^γ; larger firms "
        "move less (Brouwer, Mariotti & van Ommeren 2004; assumption for the value).",
    )
    talent_access_elasticity: float = P(
        0.1,
        0,
        2,
        "elasticity",
        "Fall of a firm's revenue prospects per log of the talent pool within commuting reach "
        "lost by moving city (thick labour markets: Moretti 2011; assumption for the value).",
    )
    investor_access_elasticity: float = P(
        0.1,
        0,
        2,
        "elasticity",
        "Fall of a firm's revenue prospects per log of venture money within reach lost by "
        "moving city (Sorenson & Stuart 2001; Bernstein, Giroud & Townsend 2016; assumption "
        "for the value).",
    )
    relocation_max_minutes: float = P(
        150, 0, 2000, "minutes", "Farthest a firm moves to escape rent (assumption)."
    )
    frictional_vacancy: float = P(
        0.03,
        0,
        0.5,
        "share",
        "Share of office stock that cannot be let at any moment (between tenants, being "
        "refitted): below it firms find no room to grow (assumption; structural vacancy in "
        "Wheaton & Torto 1988 is well above it).",
    )
    conversion_rate: float = P(
        0.03,
        0,
        1,
        "1/year per log rent gap",
        "Rental office space landlords convert or withdraw each year per log point a rent cap "
        "holds rents below the market's: a cap holding rents ~half below market for 7 years "
        "removes ~15% of rental space, as rent control did in San Francisco (Diamond, McQuade "
        "& Qian 2019).",
    )
    reservation_rent_share: float = P(
        0.5,
        0,
        1,
        "share of starting rent",
        "Lowest rent landlords let at, as a share of the starting (replacement-cost) rent: "
        "below it they hold space empty (operating costs and the option to wait, Grenadier "
        "1995; value an assumption).",
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
    wage_anchor_speed: float = P(
        0.02,
        0,
        1,
        "1/month",
        "Share of the log gap to the productivity and cost-of-living wage closed each month "
        "(half-life ~3 years; Blanchard & Katz 1992: local wages return to their relative level "
        "over several years; assumption for the value).",
    )
    productivity_pass_through: float = P(
        0.5,
        0,
        1,
        "elasticity",
        "Elasticity of a city's wage anchor to its firms' revenue per employee: firm-level rent "
        "sharing 0.05-0.15 (Card, Cardoso, Heining & Kline 2018), economy-wide pass-through "
        "0.7-1 (Stansbury & Summers 2017); a city between them (assumption).",
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


class Labs(Strict):
    slot_cost_yuan: float = P(
        5e6, 1, 1e10, "yuan", "Equipment budget that hosts one hardware startup (assumption)."
    )
    entry_discount: float = P(
        0.6, 0, 1, "share", "Share of entry capital a lab slot saves (assumption)."
    )
    tenancy_months: int = P(36, 1, 240, "months", "How long a startup keeps its lab slot.")


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
