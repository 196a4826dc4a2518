"""Researchers' spin-offs (after ``founding``).

Institution j's researchers found
Poisson(λ_j) firms a month,

    λ_j = σ/12 · R_j · (K_j / (R_j·e^{a_j}))^ε · T_c · exp(π_m·margin[c,s_j])

σ the spin-off rate per researcher-year (AUTM), the second factor its output per researcher over
its starting level (Shane 2004: spin-offs follow inventions), T_c the city's tech-transfer rules
(``tech_transfer`` policies: researchers may hold equity and take leave) and the last factor the
sector's profitability in the city (as for other founders). A spin-off starts in the
institution's district and sector, with ``spinoff_team`` of its researchers, at the local
practice plus a share of the institution's knowledge advantage (star scientists: Zucker, Darby &
Brewer 1998), and its origin (``spin-off`` and the institution) is recorded.
"""

from __future__ import annotations

import numpy as np

from helix.world.mechanisms.research import institution_city
from helix.world.setting import Levers, Setting
from helix.world.state import ORIGIN_CODE, World


def spin_off_firms(
    setting: Setting, world: World, levers: Levers, rng: np.random.Generator
) -> None:
    """Draw this month's researchers' spin-offs and add them to the firm table."""
    p = setting.params.research
    inst = world.institutions
    if len(inst.researchers) == 0:
        return
    city = institution_city(setting)
    sector = setting.research_sector
    productivity = np.exp(setting.research_productivity)
    per_researcher = inst.knowledge / np.maximum(inst.researchers * productivity, 1e-9)
    margin = world.flows.margin[city, sector]
    rate = (
        p.spinoffs_per_researcher
        / 12.0
        * inst.researchers
        * np.maximum(per_researcher, 0.0) ** p.output_elasticity
        * levers.spinoff_multiplier[city]
        * np.exp(setting.params.founding.profit_elasticity * np.clip(margin, -1.0, 1.0))
    )
    counts = rng.poisson(rate)
    counts = np.minimum(counts, np.floor(inst.researchers / p.spinoff_team)).astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        return
    which = np.repeat(np.arange(len(counts)), counts)
    district = setting.research_district[which]
    firm_sector = sector[which]
    firm_city = city[which]
    founding = setting.params.founding
    # The institution's productivity is relative to an average firm employee's, so its log is
    # the advantage a spin-off's founders carry a share of.
    edge = p.spinoff_edge * np.maximum(setting.research_productivity[which], 0.0)
    start = (
        world.practice[district, firm_sector]
        + edge
        + founding.entrant_sd * rng.standard_normal(total)
    )
    cash = founding.founder_cash_months * p.spinoff_team * world.talent.wage[firm_city]
    f = world.firms
    rows = f.add(
        total,
        district=district,
        city=firm_city,
        sector=firm_sector,
        born=world.step,
        employees=p.spinoff_team,
        cash=cash,
        productivity=start,
        origin=ORIGIN_CODE["spin-off"],
        institution=(which + 1).astype(np.int16),
    )
    inst.researchers -= counts * p.spinoff_team
    world.record("founded", np.arange(rows.start, rows.stop), cash)
    nc, ns = setting.n_cities, setting.n_sectors
    spun = np.bincount(firm_city * ns + firm_sector, minlength=nc * ns).reshape(nc, ns)
    world.flows.spinoffs = spun.astype(float)
    world.flows.births = world.flows.births + spun
