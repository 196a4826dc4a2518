"""Government levers in force in a month, from the scenario's dated policies and shocks.

Each policy is active from its ``start`` to its ``end`` month (inclusive). Levers combine as:
visa multipliers multiply; extra R&D deduction rates in force add up (a city's break on top
of the national one);
lab budgets and subsidy budgets add up; a rent cap takes the tightest; rail multipliers
multiply on the linked city pairs; ``research_budget`` multipliers on the government budgets
of a city's research institutions multiply, as do ``tech_transfer`` multipliers on its
researchers' spin-off rate; ``support_withdrawal`` switches off tax breaks, labs and
subsidies in its cities (the "over-reliance on government support" question of the report).
``guidance_fund`` policies are state venture funds (built with the funds, see ``funding``); a
withdrawal also stops them investing. Shocks: ``vc_downturn`` scales VC appetite for its
cities' firms (every Chinese city when none is named) in its sectors (all when none is named)
by (1 - severity): funds place less money
there, and funds at home in a hit city deploy less in all. ``demand_shock`` cuts the market of
its sectors (all when none is named) by (1 - severity) in the markets its cities sell in (China's
for a Chinese city, the market abroad for the others; every market when none is named), from its
start to its end: prices fall there (``operations.sector_price``). ``population_control``
multiplies the engineers migrating into its cities from other Chinese cities by its value
(Beijing's 2017 master plan capping its population; ``talent.move_talent``).

The levers of every month are computed once, from the setting's dated :class:`Measure` records,
when the setting is built (:func:`lever_schedule`); a month reads its row (:func:`levers`).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from helix.world.setting import MARKETS, Inputs, Levers, Measure, Setting

__all__ = ["Levers", "Measure", "lever_schedule", "levers"]


def levers(setting: Setting, step: int) -> Levers:
    """The levers in force at ``step`` (computed once per run by :func:`lever_schedule`)."""
    return setting.levers.at(step)


def lever_schedule(inputs: Inputs) -> Levers:
    """The levers of every step of the run, stacked along a leading step axis."""
    months = [_levers_at(inputs, step) for step in range(inputs.steps)]
    return Levers(
        **{f.name: np.stack([getattr(m, f.name) for m in months]) for f in fields(Levers)}
    )


def _levers_at(setting: Inputs, step: int) -> Levers:
    """The levers in force at ``step``."""
    nc, ns, _nd = setting.n_cities, setting.n_sectors, setting.n_districts
    foreign = np.ones(nc)
    deduction = np.zeros((nc, ns))
    slots = np.zeros(nc)
    subsidy = np.zeros((nc, ns))
    cap = np.full(nc, np.inf)
    minutes = setting.city_minutes.copy()
    withdrawn = np.zeros(nc, bool)
    inflow = np.ones(nc)
    research_budget = np.ones(len(setting.research_district))
    spinoffs = np.ones(nc)
    research_city = setting.district_city[setting.research_district]
    active = [p for p in setting.policies if p.active(step)]
    for p in active:
        if p.kind == "support_withdrawal":
            withdrawn[list(p.cities)] = True
    for p in active:
        rows = np.array(p.cities, dtype=int)
        cols = np.array(p.sectors, dtype=int) if p.sectors else np.arange(ns)
        if p.kind == "visa":
            foreign[rows] *= p.value
        elif p.kind == "rd_tax_break":
            deduction[np.ix_(rows, cols)] += p.value
        elif p.kind == "shared_labs":
            slots[rows] += (
                p.budget_yuan * setting.scale / setting.params.labs.slot_cost_yuan / len(rows)
            )
        elif p.kind == "subsidy":
            subsidy[np.ix_(rows, cols)] += (
                p.budget_yuan * setting.scale / 12 / (len(rows) * len(cols))
            )
        elif p.kind == "rent_cap":
            cap[rows] = np.minimum(cap[rows], np.log1p(p.value) / 12)
        elif p.kind == "population_control":
            inflow[rows] *= p.value
        elif p.kind == "research_budget":
            hit = np.isin(research_city, rows)
            if p.sectors:
                hit &= np.isin(setting.research_sector, cols)
            research_budget[hit] *= p.value
        elif p.kind == "tech_transfer":
            spinoffs[rows] *= p.value
        elif p.kind == "rail":
            pair = np.ix_(rows, rows)
            off_diagonal = ~np.eye(len(rows), dtype=bool)
            minutes[pair] = np.where(off_diagonal, minutes[pair] * p.value, minutes[pair])
    deduction[withdrawn] = 0.0
    slots[withdrawn] = 0.0
    subsidy[withdrawn] = 0.0
    sentiment = np.ones((nc, ns))
    for shock in setting.shocks:
        if shock.kind == "vc_downturn" and shock.active(step):
            hit_cities = (
                list(shock.cities) if shock.cities else list(np.flatnonzero(setting.city_china))
            )
            hit_sectors = list(shock.sectors) if shock.sectors else list(range(ns))
            sentiment[np.ix_(hit_cities, hit_sectors)] *= 1.0 - shock.severity
    demand = np.ones((len(MARKETS), ns))
    for shock in setting.shocks:
        if shock.kind == "demand_shock" and shock.active(step):
            # the markets its cities sell in (China's, abroad); every market when none is named
            hit_markets = (
                np.unique(setting.city_market[list(shock.cities)])
                if shock.cities
                else np.arange(len(MARKETS))
            )
            hit_sectors = list(shock.sectors) if shock.sectors else list(range(ns))
            demand[np.ix_(hit_markets, hit_sectors)] *= 1.0 - shock.severity
    return Levers(
        foreign_multiplier=foreign,
        rd_extra_deduction=deduction,
        lab_slots=slots,
        subsidy_per_month=subsidy,
        rent_cap_per_month=cap[setting.district_city],
        city_minutes=minutes,
        vc_sentiment=sentiment,
        withdrawn=withdrawn,
        demand=demand,
        inflow_multiplier=inflow,
        research_budget=research_budget,
        spinoff_multiplier=spinoffs,
    )
