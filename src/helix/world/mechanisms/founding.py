"""Founding: start-ups from talent and spillovers (Nelson-Winter entry; SKIN start-ups).

Expected entrants per month in district d, sector s of city c:

    λ[d,s] = φ · L_c · w_d / n_s · (S[d,s]/S_ref,s)^γ · exp(π·m[c,s]) · (k[c,s]/k_s)^(-η) · (r_d/r_d,0)^(-ρ)

L_c the city's engineers (job seekers plus employed: founders come from both, as spin-offs in
SKIN), w_d the district's share of its city, S the reachable knowledge (``knowledge``) against a
reference S_ref = S₀^(1-w)·S̄(t)^w (:func:`spillover_reference`: S₀ fixed at the start, S̄(t)
this month's mean over the sector's districts, w ``spillover_peer_weight``), m the sector's
current margin in the city (entry rises with profits, Nelson & Winter 1982), and k/k_s the share of the sector's entry capital k_s left to the
founders: shared labs cover a share of it for hardware-heavy sectors (quantum, chips, biotech) while places are free
(assumption: the report's ¥100M equipment budgets, one place per ``slot_cost_yuan``); founders
also shun districts whose rent has risen (r_d/r_d,0, elasticity ρ an assumption).
Entrants ~ Poisson(λ), scaled down where the founding teams would take more than a tenth of
the city's pool in the month; each takes a founding team out of the pool, starts at the
reachable mean practice q[d,s] plus noise, with founders' own money and stage 0 (bootstrapped).
Each entrant's origin (a corporate spin-out, a returnee's or another job seeker's firm) is drawn
in proportion to who the city's engineers are; researchers' spin-offs are ``research``'s.
"""

from __future__ import annotations

import numpy as np

from helix.world.setting import Levers, Setting
from helix.world.state import ORIGIN_CODE, World


def lab_places(setting: Setting, world: World, levers: Levers) -> np.ndarray:
    """Free places in shared labs per city."""
    f = world.firms
    holding = f.view("alive") & (f.view("lab_until") > world.step)
    used = np.bincount(f.view("city")[holding], minlength=setting.n_cities)
    return np.maximum(levers.lab_slots - used, 0.0)


def founders_origin(
    world: World,
    engineers: np.ndarray,
    employed: np.ndarray,
    city: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Where each entrant's founders come from, in proportion to who the city's engineers are:
    employees leaving a firm (corporate spin-outs), returnees (this month's returnees over a
    year, as a share of the job seekers) or other job seekers (graduates and engineers between
    jobs)."""
    corporate = employed / np.maximum(engineers, 1e-12)
    pool = np.maximum(world.talent.pool, 1e-12)
    returnee = (1.0 - corporate) * np.minimum(12.0 * world.flows.returnees / pool, 1.0)
    u = rng.random(len(city))
    return np.select(
        [u < corporate[city], u < (corporate + returnee)[city]],
        [ORIGIN_CODE["corporate"], ORIGIN_CODE["returnee"]],
        ORIGIN_CODE["graduate"],
    ).astype(np.int8)


def spillover_reference(setting: Setting, spillover: np.ndarray) -> np.ndarray:
    """Per sector, the knowledge level a district's reachable knowledge is read against.

    ref = ref₀^(1-w) · mean_t^w, ref₀ the start's reference and mean_t this month's mean over the
    districts where the sector has any: with w = 0 (the start) founding grows with the stock of
    knowledge as the economy grows, with w = 1 it only places entry where knowledge is dense.
    """
    w = setting.params.founding.spillover_peer_weight
    start = np.maximum(setting.ref_knowledge, 1e-12)
    if w <= 0.0:  # the start's reference alone: spare the month's mean
        return start
    present = spillover > 0
    month = np.maximum(
        np.where(present, spillover, 0.0).sum(axis=0) / np.maximum(present.sum(axis=0), 1), 1e-12
    )
    return start ** (1.0 - w) * month**w


def found_firms(setting: Setting, world: World, levers: Levers, rng: np.random.Generator) -> None:
    """Draw this month's entrants and add them to the firm table."""
    p = setting.params.founding
    labs = setting.params.labs
    nd, ns = setting.n_districts, setting.n_sectors
    dc = setting.district_city
    f = world.firms
    alive = f.view("alive")
    employed = np.bincount(
        f.view("city")[alive], weights=f.view("employees")[alive], minlength=setting.n_cities
    )
    engineers = np.maximum(world.talent.pool, 0.0) + employed

    share = setting.district_firm_share
    share = share / np.maximum(np.bincount(dc, weights=share)[dc], 1e-12)
    spill = world.spillover / spillover_reference(setting, world.spillover)[None, :]
    margin = world.flows.margin[dc]

    o = world.offices
    rent_factor = (o.rent_per_m2 / o.rent_start) ** (-p.rent_elasticity)
    free = lab_places(setting, world, levers)
    base = p.founders_per_engineer * (engineers[dc] * share)[:, None] / ns
    hardware_rate = base * setting.sector_hardware[None, :]
    expected_hw = np.bincount(dc, weights=hardware_rate.sum(axis=1), minlength=setting.n_cities)
    coverage = np.minimum(1.0, free / np.maximum(expected_hw, 1e-12))
    cost_factor = np.where(
        setting.sector_hardware[None, :],
        1.0 - labs.entry_discount * coverage[dc][:, None],
        1.0,
    )
    rate = (
        base
        * np.maximum(spill, 0.0) ** p.spillover_elasticity
        * np.exp(p.profit_elasticity * np.clip(margin, -1.0, 1.0))
        * np.maximum(cost_factor, 1e-3) ** (-p.entry_cost_elasticity)
        * rent_factor[:, None]
    )
    counts = rng.poisson(rate).ravel()
    # Founding teams come out of the pool; a city cannot lose more than a tenth of it a month.
    team_need = np.bincount(
        np.repeat(dc, ns), weights=counts * p.team_size, minlength=len(engineers)
    )
    room = 0.1 * np.maximum(world.talent.pool, 0.0)
    keep = np.where(team_need > room, room / np.maximum(team_need, 1e-12), 1.0)
    counts = np.floor(counts * np.repeat(keep[dc], ns)).astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        return
    cells = np.repeat(np.arange(nd * ns), counts)
    district, sector = cells // ns, cells % ns
    city = dc[district]
    wage = world.talent.wage[city]
    productivity = world.practice[district, sector] + p.entrant_sd * rng.standard_normal(total)
    cash = p.founder_cash_months * p.team_size * wage

    # Lab places go to the month's hardware entrants of each city in order until none is left.
    hardware = setting.sector_hardware[sector]
    rank = np.zeros(total)
    if hardware.any():
        idx = np.flatnonzero(hardware)
        by_city = np.argsort(city[idx], kind="stable")
        ordered = city[idx][by_city]
        rank[idx[by_city]] = np.arange(len(idx)) - np.searchsorted(ordered, ordered, side="left")
    gets_lab = hardware & (rank < free[city])
    lab_value = np.where(gets_lab, labs.entry_discount * setting.sector_entry_capital[sector], 0.0)
    origin = founders_origin(world, engineers, employed, city, rng)
    rows = f.add(
        total,
        district=district,
        city=city,
        sector=sector,
        born=world.step,
        employees=p.team_size,
        cash=cash,
        productivity=productivity,
        lab_until=np.where(gets_lab, world.step + labs.tenancy_months, 0),
        support=lab_value,
        origin=origin,
    )
    world.talent.pool -= np.bincount(city, minlength=setting.n_cities) * p.team_size
    world.record("founded", np.arange(rows.start, rows.stop), cash)
    world.flows.births = np.bincount(city * ns + sector, minlength=setting.n_cities * ns).reshape(
        setting.n_cities, ns
    )
    world.flows.lab_support = np.bincount(city, weights=lab_value, minlength=setting.n_cities)
