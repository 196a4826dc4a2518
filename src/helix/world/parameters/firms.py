"""Parameter groups of the firms' own mechanisms: knowledge, founding, growth, R&D, disputes,
exits, and the draw of the starting firms.
"""

from __future__ import annotations

from pydantic import Field

from helix.world.parameters.base import P, Strict


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
    spillover_peer_weight: float = P(
        0.0,
        0,
        1,
        "share",
        "What the reachable knowledge of the founding rate is read against, in logs: 0 its "
        "level at the start (entry grows with the stock of knowledge, without bound), 1 this "
        "month's mean over the districts of its sector (knowledge decides where entry goes, not "
        "how much: the cross-section of Audretsch & Keilbach 2007); the value is an assumption.",
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
    founder_pay_cut: float = P(
        0.0,
        0,
        1,
        "share of a wage",
        "Share of the market wage the founding team of a startup no fund has backed forgoes"
        " while young (founders earn less than employees: Hamilton 2000; the value is an"
        " assumption, 0 in the shipped world, docs/calibration.md).",
    )
    founder_pay_months: float = P(
        24.0,
        0,
        240,
        "months",
        "Age until which the founders of a startup no fund has backed take the cut pay.",
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
    hire_ramp_months: float = P(
        0.0,
        0,
        60,
        "months",
        "Time constant of a new hire's ramp-up to full output: a hire is paid from the first "
        "month and brings in revenue as the share 1 - exp(-t/this) of a settled employee's, so "
        "a firm that grows fast spends ahead of its revenue (Oxford Economics 2014: about 28 "
        "weeks for a new employee to reach full productivity; the value is an assumption); 0: at "
        "once.",
    )
    runway_months: float = P(
        18, 1, 120, "months", "Cash runway a firm aims for; more cash than that is spent on hiring."
    )
    runway_response: float = P(
        0.04, 0, 1, "1/month", "Monthly headcount growth per log of runway over its aim."
    )
    plan_hiring_speed: float = P(
        0.15,
        0,
        1,
        "1/month",
        "Share of the log gap to its planned team a VC-backed firm closes a month (spending "
        "ahead of revenue: Kortum & Lerner 2000; Davila, Foster & Gupta 2003: headcount jumps "
        "after a round; the speed is an assumption).",
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
    distress_sale_share: float = P(
        0.3,
        0,
        1,
        "share",
        "Share of VC-backed firms out of cash that are sold to their sector's leader for little "
        "instead of shutting down (acqui-hires; Hall & Woodward 2010: about half of VC-backed "
        "exits return nothing to founders; assumption for the split).",
    )
    distress_price_share: float = P(
        0.05,
        0,
        1,
        "share",
        "Price of a distress sale as a share of the last post-money valuation (assumption).",
    )


class Rd(Strict):
    real_elasticity: float = P(
        1.1, 0, 5, "elasticity", "Real R&D response to its user cost (Chen et al. 2021)."
    )
    reported_elasticity: float = P(
        2.0, 0, 5, "elasticity", "Reported R&D response, incl. relabelling (Chen et al. 2021)."
    )
    corporate_tax_rate: float = P(0.25, 0, 1, "share", "China's corporate income tax rate.")
    plan_share: float = P(
        0.5,
        0,
        1,
        "share",
        "Share of a VC-backed firm's planned spending above its running costs that goes to R&D "
        "(equipment, compute, contract research), the rest to marketing and contractors "
        "(Kortum & Lerner 2000 on venture money and innovation; the split is an assumption).",
    )


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
