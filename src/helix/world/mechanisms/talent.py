"""Talent: graduates, foreign arrivals, moves between cities, going abroad and coming back.

Each city holds a pool of engineers looking for work (the employed are counted in the firms).
Appeal of a city:  U_c = ln w_c - α·ln r_c + A_c + θ·ln(1 + openings_c/pool_c)
(real wage with housing share α, amenity A, job opportunity), the indirect utility that drives
migration in Krugman (1991) and Fujita, Krugman & Venables (1999).

- Domestic moves: flow c→c' = μ·pool_c·max(0, U_c' - U_c)·exp(-δ_m·t_cc'), Chinese cities only;
  a city loses at most 20% of its pool to moves in a month.
- Graduates G_c join the pool; the top share of them goes abroad (to the global hub) with the logit
  share  s_c = 1/(1 + exp(-(logit s₀ + β·(U_hub - U_c))))  (T7 reads this share).
- Returnees: each month a share min(ρ·exp(β·(U_c - U_hub)), 0.5) of the city's diaspora comes home
  (Filatotchev et al. 2011 on returnee entrepreneurs' spillovers).
- Foreign engineers: F_c·v_c a month, v_c the visa policy's multiplier.
- Attrition: a share of the pool leaves tech work.
- Wages (spatial equilibrium, Rosen 1979; Roback 1982; Moretti 2011) answer labour demand and move
  toward an anchor set by productivity and the cost of living, an error-correction wage:

      Δln w = κ·clip(ln(demand/(f·pool)), ±1) + κ_a·(ln w* - ln w)   a month,
      w* = w₀ · (y/y₀)^π · (R/R₀)^α

  y the revenue per employee of the city's firms (y₀ at the start), π the pass-through of
  productivity to pay (π = 1: a constant labour share, the start's w₀/y₀), R the city's rent
  (stock-weighted, R₀ the same stock at starting rents) and α the housing share of the real wage
  (the α of the appeal), so where rents rise wages compensate and engineers' real wage, hence
  the appeal, is kept. Where productivity grows, wages and rents rise together. Tightness alone
  can hold a wage at most κ/κ_a (in logs) off its anchor, so no wage collapses or explodes
  unless productivity or rents do.
Moves between cities and to and from abroad conserve engineers.
"""

from __future__ import annotations

import numpy as np

from helix.world import kernels
from helix.world.mechanisms.research import graduates as research_graduates
from helix.world.mechanisms.research import research_pull
from helix.world.setting import Inputs, Levers, Setting
from helix.world.state import Firms, World


def city_rent(setting: Setting, world: World) -> np.ndarray:
    """Office-stock-weighted mean rent per city (yuan/m²/month)."""
    o = world.offices
    dc = setting.district_city
    weight = np.bincount(dc, weights=o.stock_m2, minlength=setting.n_cities)
    total = np.bincount(dc, weights=o.stock_m2 * o.rent_per_m2, minlength=setting.n_cities)
    return total / np.maximum(weight, 1e-12)


def city_rent_ratio(setting: Setting, world: World) -> np.ndarray:
    """Each city's rent over its starting rents, on today's office stock (the cost-of-living index)."""
    o = world.offices
    dc = setting.district_city
    now = np.bincount(dc, weights=o.stock_m2 * o.rent_per_m2, minlength=setting.n_cities)
    then = np.bincount(dc, weights=o.stock_m2 * o.rent_start, minlength=setting.n_cities)
    return np.where(then > 0, now / np.maximum(then, 1e-300), 1.0)


def revenue_per_employee(setting: Inputs, firms: Firms) -> np.ndarray:
    """Last month's revenue per employee of each city's living firms (yuan/month; 0: no firm)."""
    revenue, staff = kernels.group_sums(
        firms.view("city"),
        setting.n_cities,
        firms.view("revenue"),
        firms.view("employees"),
        where=firms.view("alive"),
    )
    return np.where(staff > 0, revenue / np.maximum(staff, 1e-300), 0.0)


def wage_anchor(setting: Setting, world: World) -> np.ndarray:
    """The wage productivity and the cost of living call for: w₀·(y/y₀)^π·(R/R₀)^α (yuan/month).

    A city without firms now or at the start keeps its own wage as anchor on the productivity
    side (nothing to pass through).
    """
    p = setting.params.talent
    t = world.talent
    y = revenue_per_employee(setting, world.firms)
    y0 = t.revenue_per_employee_start
    productivity = np.where((y > 0) & (y0 > 0), np.maximum(y, 1e-300) / np.maximum(y0, 1e-300), 1.0)
    return (
        setting.city_wage0
        * productivity**p.productivity_pass_through
        * city_rent_ratio(setting, world) ** p.housing_share
    )


def match_hires(
    setting: Setting, world: World, levers: Levers, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hires per city, and people taken out of each city's pool, with cross-city commuting.

    A city's firms look for engineers in every pool in proportion to  k[c,c']·pool_c'  with
    k = exp(-δ_c·t[c,c']) (high-speed rail turns the corridor into one labour market: Zheng &
    Kahn 2013); a pool gives at most ``max_hire_share`` of itself a month, and its engineers take
    the best-paid offers first (cities in order of wage).
    """
    p = setting.params.talent
    pool = np.maximum(world.talent.pool, 0.0)
    reach = np.exp(-p.commute_decay_per_minute * levers.city_minutes)
    reach *= setting.city_china[:, None] == setting.city_china[None, :]
    weight = reach * pool[None, :]  # asking city x pool city
    asks = demand[:, None] * weight / np.maximum(weight.sum(axis=1, keepdims=True), 1e-300)
    # Each pool serves the best-paying asking cities first, up to its monthly cap.
    cap = p.max_hire_share * pool
    order = np.argsort(-world.talent.wage, kind="stable")
    ranked = asks[order]
    served_before = np.cumsum(ranked, axis=0) - ranked
    granted = np.empty_like(asks)
    granted[order] = np.clip(cap[None, :] - served_before, 0.0, ranked)
    return granted.sum(axis=1), granted.sum(axis=0)


def appeal(setting: Setting, world: World) -> np.ndarray:
    p = setting.params.talent
    t = world.talent
    opportunity = np.log1p(np.maximum(t.openings, 0.0) / np.maximum(t.pool, 1.0))
    return (
        np.log(t.wage)
        - p.housing_share * np.log(np.maximum(city_rent(setting, world), 1e-9))
        + setting.city_amenity
        + p.opportunity_weight * opportunity
    )


def move_talent(setting: Setting, world: World, levers: Levers) -> None:
    """Apply one month of talent flows and wage changes (deterministic in expectation)."""
    p = setting.params.talent
    t = world.talent
    china = setting.city_china
    hub = np.flatnonzero(setting.city_global)
    u = appeal(setting, world)
    u_hub = u[hub].max() if len(hub) else u.max()

    minutes = levers.city_minutes
    gain = np.maximum(u[None, :] - u[:, None], 0.0) * np.exp(
        -p.migration_decay_per_minute * minutes
    )
    gain *= china[:, None] & china[None, :]
    np.fill_diagonal(gain, 0.0)
    share = p.migration_rate * gain
    out_share = share.sum(axis=1)
    share *= np.where(out_share > 0.2, 0.2 / np.maximum(out_share, 1e-12), 1.0)[:, None]
    # population controls (``policy``: Beijing's cap) let fewer migrants settle in their city
    share *= levers.inflow_multiplier[None, :]
    moves = share * np.maximum(t.pool, 0.0)[:, None]
    migrants_out = moves.sum(axis=1)
    migrants_in = moves.sum(axis=0)

    graduates = setting.city_graduates + research_graduates(setting, world)
    logit0 = np.log(p.abroad_base_share / max(1.0 - p.abroad_base_share, 1e-12))
    # Research at home holds top graduates back: labs that do more give them work worth staying
    # for (``research.graduate_retention``).
    logit = logit0 + p.abroad_elasticity * (u_hub - u) - research_pull(setting, world)
    abroad_share = np.where(china, 1.0 / (1.0 + np.exp(-logit)), 0.0)
    abroad = p.top_graduate_share * graduates * abroad_share
    returnees = np.where(
        china,
        np.minimum(p.return_rate * np.exp(p.abroad_elasticity * (u - u_hub)), 0.5) * t.diaspora,
        0.0,
    )
    to_hub = abroad.sum() - returnees.sum()
    foreign = setting.city_foreign * levers.foreign_multiplier

    t.pool += graduates - abroad + returnees + foreign + migrants_in - migrants_out
    if len(hub):
        hub_pool = t.pool[hub]
        t.pool[hub] = np.maximum(hub_pool + to_hub / len(hub), 0.0)
    t.diaspora += abroad - returnees
    t.pool *= 1.0 - p.attrition

    demand = world.flows.hiring_demand
    tightness = np.log(np.maximum(demand, 1e-9) / np.maximum(p.job_finding_rate * t.pool, 1e-9))
    # Error correction: tightness moves pay in the short run, productivity and rents set where it
    # returns to (Blanchard & Katz 1992: local wages return to their relative level in years).
    anchor_gap = np.log(wage_anchor(setting, world) / t.wage)
    t.wage *= np.exp(
        p.wage_response * np.clip(tightness, -1.0, 1.0) + p.wage_anchor_speed * anchor_gap
    )

    flows = world.flows
    flows.graduates = graduates
    flows.abroad = abroad
    flows.returnees = returnees
    flows.foreign_inflow = foreign
    # The global hub takes in the graduates who go abroad and gives back the returnees, so
    # across all cities inflows minus outflows are the foreign arrivals.
    hub_in, hub_out = np.zeros(setting.n_cities), np.zeros(setting.n_cities)
    if len(hub):
        hub_in[hub] = abroad.sum() / len(hub)
        hub_out[hub] = returnees.sum() / len(hub)
    flows.talent_inflow = migrants_in + returnees + foreign + hub_in
    flows.talent_outflow = migrants_out + abroad + hub_out
    flows.top_graduate_abroad_share = abroad_share
