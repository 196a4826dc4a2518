"""Government levers in force in a month, from the scenario's dated policies and shocks.

Each policy is active from its ``start`` to its ``end`` month (inclusive). Levers combine as:
visa multipliers multiply; extra R&D deduction rates in force add up (a city's break on top
of the national one);
lab budgets and subsidy budgets add up; a rent cap takes the tightest; rail multipliers
multiply on the linked city pairs; ``support_withdrawal`` switches off tax breaks, labs and
subsidies in its cities (the "over-reliance on government support" question of the report).
``guidance_fund`` policies are state venture funds (built with the funds, see ``funding``); a
withdrawal also stops them investing. Shocks: ``vc_downturn`` scales VC appetite for its
cities' firms (every Chinese city when none is named) in its sectors (all when none is named)
by (1 - severity): funds place less money
there, and funds at home in a hit city deploy less in all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helix.scenario.schema import month_index
from helix.world.setting import Setting


@dataclass(frozen=True)
class Levers:
    foreign_multiplier: np.ndarray  # cities
    rd_extra_deduction: np.ndarray  # cities x sectors
    lab_slots: np.ndarray  # cities: hardware-startup places in shared labs
    subsidy_per_month: np.ndarray  # cities x sectors, yuan
    rent_cap_per_month: np.ndarray  # districts: max log rent rise per month (inf: none)
    city_minutes: np.ndarray  # cities x cities, with rail policies applied
    vc_sentiment: np.ndarray  # cities x sectors: 1 normally, lower in a VC downturn there
    withdrawn: np.ndarray  # cities where government support has been withdrawn

    def key(self) -> bytes:
        """Identity of the travel times, to reuse spillover kernels while they do not change."""
        return self.city_minutes.tobytes()


def _active(start: str, end: str | None, month: int) -> bool:
    return month_index(start) <= month and (end is None or month <= month_index(end))


def levers(setting: Setting, step: int) -> Levers:
    """The levers in force at ``step``."""
    s = setting.scenario
    month = setting.start_month + step
    nc, ns, _nd = setting.n_cities, setting.n_sectors, setting.n_districts
    ci = {c: i for i, c in enumerate(setting.cities)}
    si = {k: i for i, k in enumerate(setting.sectors)}
    foreign = np.ones(nc)
    deduction = np.zeros((nc, ns))
    slots = np.zeros(nc)
    subsidy = np.zeros((nc, ns))
    cap = np.full(nc, np.inf)
    minutes = setting.city_minutes.copy()
    withdrawn = np.zeros(nc, bool)
    active = [p for p in s.policies.values() if _active(p.start, p.end, month)]
    for p in active:
        if p.kind == "support_withdrawal":
            withdrawn[[ci[c] for c in p.cities]] = True
    for p in active:
        rows = np.array([ci[c] for c in p.cities], dtype=int)
        cols = np.array([si[k] for k in p.sectors], dtype=int) if p.sectors else np.arange(ns)
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
        elif p.kind == "rail":
            pair = np.ix_(rows, rows)
            off_diagonal = ~np.eye(len(rows), dtype=bool)
            minutes[pair] = np.where(off_diagonal, minutes[pair] * p.value, minutes[pair])
    deduction[withdrawn] = 0.0
    slots[withdrawn] = 0.0
    subsidy[withdrawn] = 0.0
    sentiment = np.ones((nc, ns))
    for shock in s.shocks.values():
        if shock.kind == "vc_downturn" and _active(shock.start, shock.end, month):
            hit_cities = (
                [ci[c] for c in shock.cities]
                if shock.cities
                else list(np.flatnonzero(setting.city_china))
            )
            hit_sectors = [si[k] for k in shock.sectors] if shock.sectors else list(range(ns))
            sentiment[np.ix_(hit_cities, hit_sectors)] *= 1.0 - shock.severity
    return Levers(
        foreign_multiplier=foreign,
        rd_extra_deduction=deduction,
        lab_slots=slots,
        subsidy_per_month=subsidy,
        rent_cap_per_month=cap[setting.district_city],
        city_minutes=minutes,
        vc_sentiment=sentiment,
        withdrawn=withdrawn,
    )
