"""Firms weigh what a move saves in rent against what it costs them; small ones move most.

Each month the firms whose office lease ends (a share 1/L, L = ``lease_months``) compare staying
with every Chinese district d' within ``relocation_max_minutes`` of theirs that has space to let
and is cheaper per desk (districts of their own city included; a move here answers rent: where
new firms start, drawn by spillovers, is ``founding``'s business, and a firm moving to dearer,
denser space is left out, an assumption). Over one lease, the value of moving from d to d' is

    V = L·[E·(c_d - c_d') - Y·(1 - k)] - μ·C·(E/E_small)^γ,
    k = (D[d',s]/D[d,s]) · (T_c'/T_c)^{ε_T} · (I_c'/I_c)^{ε_I}

with c = r·s(r) the rent of one employee's space (``rents.space_per_employee``), E employees, Y
last month's revenue, C last month's costs, D the density multiplier of the district and sector
(``knowledge``: what spillovers add to revenue), T the talent within commuting reach of the city
(the pools as ``talent.match_hires`` weighs them) and I the venture money within reach (funds'
dry powder weighted as ``funding`` weighs distance and home bias). A move costs μ months of costs
at E_small employees, more than proportionally more for larger firms (γ > 0: Brouwer, Mariotti &
van Ommeren 2004 find relocation falls with size). The firm moves to the district of highest V if
V > 0. Small and young firms are the most sensitive: little revenue is at stake in the density
and access they lose, and their move costs little, while the rent saved per employee is the same.
A destination takes movers only up to the space it can let (``rents.room_m2``); when more ask,
each is let in with the same chance. This is the report's "rents tripled, pushing out smaller
startups" to cheaper districts and corridor cities; the alternative, exit for lack of cash, is in
``exits``. Engineers move with their firm.
"""

from __future__ import annotations

import numpy as np

from helix.world import fused
from helix.world.mechanisms.knowledge import density_multiplier
from helix.world.mechanisms.rents import room_m2, space_per_employee
from helix.world.setting import Levers, Setting, district_minutes
from helix.world.state import World


def access(setting: Setting, world: World, levers: Levers) -> tuple[np.ndarray, np.ndarray]:
    """Talent (people) and venture money (USD) within reach of each city.

    T_c = Σ_c' pool_c'·exp(-δ·t[c,c']) over the cities of the same country (``talent``'s hiring
    reach); I_c = Σ_f dry powder_f·(t[home_f,c] + t_min)^(-ε)·bias, bias the home bias in the
    fund's own city and the cross-border factor abroad (``funding``'s weights).
    """
    minutes = levers.city_minutes
    same_country = setting.city_china[:, None] == setting.city_china[None, :]
    commute = np.exp(-setting.params.talent.commute_decay_per_minute * minutes) * same_country
    talent = commute @ np.maximum(world.talent.pool, 0.0)
    p = setting.params.funding
    funds = world.funds
    home = funds.home
    nc = setting.n_cities
    distance = (minutes[home] + p.min_minutes) ** (-p.distance_elasticity)
    bias = np.where(np.arange(nc)[None, :] == home[:, None], p.home_bias, 1.0)
    border = np.where(
        setting.city_china[home][:, None] != setting.city_china[None, :], p.cross_border_factor, 1.0
    )
    investors = np.maximum(funds.dry_powder_usd, 0.0) @ (distance * bias * border)
    return talent, investors


def move_values(
    setting: Setting, world: World, levers: Levers, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Value over one lease of moving each firm of ``rows`` to each district (yuan; -inf where it
    cannot go), and the rent of one employee's space in each district (yuan/month)."""
    p = setting.params.rents
    f = world.firms
    d, s, c = f.district[rows], f.sector[rows], f.city[rows]
    dc = setting.district_city
    emp = np.maximum(f.employees[rows], 1.0)

    t = district_minutes(setting, levers.city_minutes)
    china = setting.city_china[dc]
    open_space = room_m2(setting, world) > 0
    possible = (china & open_space)[None, :] & (t[d] <= p.relocation_max_minutes)
    possible &= np.arange(setting.n_districts)[None, :] != d[:, None]

    desk_rent = space_per_employee(setting, world) * world.offices.rent_per_m2
    saving = emp[:, None] * (desk_rent[d][:, None] - desk_rent[None, :])
    possible &= saving > 0  # a move answers rent: only to cheaper space
    density = density_multiplier(setting, world)
    talent, investors = access(setting, world, levers)
    talent_ratio = np.maximum(talent[dc], 1e-9)[None, :] / np.maximum(talent[c], 1e-9)[:, None]
    money_ratio = np.maximum(investors[dc], 1e-9)[None, :] / np.maximum(investors[c], 1e-9)[:, None]
    kept = (
        density[:, s].T
        / np.maximum(density[d, s], 1e-12)[:, None]
        * talent_ratio**p.talent_access_elasticity
        * money_ratio**p.investor_access_elasticity
    )
    lost = np.maximum(f.revenue[rows], 0.0)[:, None] * (1.0 - kept)
    moving_cost = _moving_cost(setting, world, rows, emp)
    value = p.lease_months * (saving - lost) - moving_cost[:, None]
    return np.where(possible, value, -np.inf), desk_rent


def _moving_cost(setting: Setting, world: World, rows: np.ndarray, staff: np.ndarray) -> np.ndarray:
    """What moving costs each firm of ``rows`` (yuan): months of its costs, more than in
    proportion for a small firm; ``staff`` is its headcount, at least 1."""
    p = setting.params.rents
    return (
        p.moving_cost_months
        * np.maximum(world.firms.costs[rows], 0.0)
        * (staff / p.small_firm_employees) ** p.moving_cost_size_exponent
    )


def relocate_firms(
    setting: Setting, world: World, levers: Levers, rng: np.random.Generator
) -> None:
    """Move this month's firms whose lease ends and for whom a move pays."""
    p = setting.params.rents
    f = world.firms
    nc, nd = setting.n_cities, setting.n_districts
    looking = np.flatnonzero(f.view("alive") & (rng.random(f.n) < 1.0 / p.lease_months))
    if len(looking) == 0:
        return
    if fused.ready():  # the same choices without the firms x districts matrices
        best, gains = _best_moves_compiled(setting, world, levers, looking)
    else:
        value, _ = move_values(setting, world, levers, looking)
        best = np.argmax(value, axis=1)
        gains = value[np.arange(len(looking)), best] > 0
    movers, target = looking[gains], best[gains]
    if len(movers) == 0:
        return
    # Destinations let in movers up to the space they have; the same chance for each asker.
    need = f.employees[movers] * space_per_employee(setting, world)[target]
    asked = np.bincount(target, weights=need, minlength=nd)
    room = room_m2(setting, world)
    let_in = np.where(asked > room, room / np.maximum(asked, 1e-300), 1.0)
    admitted = rng.random(len(movers)) < let_in[target]
    movers, target = movers[admitted], target[admitted]
    if len(movers) == 0:
        return
    # Logged before the move: the event's city is where the firm left, its amount where it went.
    world.record("relocated", movers, target.astype(float))
    origin_city = f.city[movers].copy()
    new_city = setting.district_city[target]
    f.district[movers] = target
    f.city[movers] = new_city
    across = origin_city != new_city
    flows = world.flows
    flows.relocations_in = np.bincount(new_city[across], minlength=nc).astype(float)
    flows.relocations_out = np.bincount(origin_city[across], minlength=nc).astype(float)
    flows.relocations_within = np.bincount(origin_city[~across], minlength=nc).astype(float)


def _best_moves_compiled(
    setting: Setting, world: World, levers: Levers, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each firm of ``rows``'s best district by :func:`move_values` and whether the move pays,
    in one compiled pass (the same choices; the access ratios' powers per (city, district))."""
    p = setting.params.rents
    f = world.firms
    dc = setting.district_city
    emp = np.maximum(f.employees[rows], 1.0)
    talent, investors = access(setting, world, levers)
    talent_ratio = np.maximum(talent[dc], 1e-9)[None, :] / np.maximum(talent, 1e-9)[:, None]
    money_ratio = np.maximum(investors[dc], 1e-9)[None, :] / np.maximum(investors, 1e-9)[:, None]
    moving_cost = _moving_cost(setting, world, rows, emp)
    best = np.empty(len(rows), np.int64)
    pays = np.empty(len(rows), np.bool_)
    fused.best_moves(
        f.district[rows],
        f.sector[rows],
        f.city[rows],
        emp,
        np.maximum(f.revenue[rows], 0.0),
        moving_cost,
        setting.city_china[dc] & (room_m2(setting, world) > 0),
        district_minutes(setting, levers.city_minutes),
        float(p.relocation_max_minutes),
        space_per_employee(setting, world) * world.offices.rent_per_m2,
        np.ascontiguousarray(density_multiplier(setting, world)),
        talent_ratio**p.talent_access_elasticity,
        money_ratio**p.investor_access_elasticity,
        float(p.lease_months),
        best,
        pays,
    )
    return best, pays
