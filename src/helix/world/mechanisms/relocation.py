"""Firms squeezed by rent move to cheaper districts or corridor cities; small ones first.

A firm whose rent exceeds ``burden_threshold`` of its costs moves with a monthly probability
ρ·min(1, (E_small/E)^½): a startup below ``small_firm_employees`` at the full rate ρ, a large
firm, with more to move, more slowly (assumption). It picks a district d' ≠ d in China with
probability

    ∝ (r_d'/r_d)^(-ε) · exp(-δ_r·t[d,d']) · 1[v_d' > 0] · 1[t[d,d'] ≤ t_max]

(cheaper and nearer is better; only districts with vacant space within reach take it). This is the report's
"rents tripled, pushing out smaller startups"; the alternative, exit for lack of cash, is in
``exits``. Engineers move with their firm.
"""

from __future__ import annotations

import numpy as np

from helix.world.setting import Levers, Setting, district_minutes
from helix.world.state import World


def destination_choice(setting: Setting, world: World, levers: Levers) -> np.ndarray:
    """Row-stochastic matrix: chance of moving from district d to d'."""
    p = setting.params.rents
    rent = world.offices.rent_per_m2
    t = district_minutes(setting, levers.city_minutes)
    china = setting.city_china[setting.district_city]
    open_space = world.offices.vacancy > 0
    weight = (rent[None, :] / rent[:, None]) ** (-p.relocation_rent_elasticity)
    weight *= np.exp(-p.relocation_decay_per_minute * t)
    weight *= (china[None, :] & open_space[None, :] & (t <= p.relocation_max_minutes)).astype(float)
    np.fill_diagonal(weight, 0.0)
    total = weight.sum(axis=1, keepdims=True)
    return np.where(total > 0, weight / np.maximum(total, 1e-300), 0.0)


def relocate_firms(
    setting: Setting, world: World, levers: Levers, rng: np.random.Generator
) -> None:
    """Move this month's rent-burdened firms (small ones at the full rate)."""
    p = setting.params.rents
    f = world.firms
    n = f.n
    choice = destination_choice(setting, world, levers)
    burden = f.view("rent_paid") / np.maximum(f.view("costs"), 1.0)
    d = f.view("district")
    can_move = choice.sum(axis=1)[d] > 0
    size_brake = np.minimum(
        1.0, np.sqrt(p.small_firm_employees / np.maximum(f.view("employees"), 1.0))
    )
    movers = np.flatnonzero(
        f.view("alive")
        & (burden > p.burden_threshold)
        & can_move
        & (rng.random(n) < p.relocation_rate * size_brake)
    )
    nc = setting.n_cities
    if len(movers) == 0:
        return
    cumulative = np.cumsum(choice[d[movers]], axis=1)
    u = rng.random(len(movers))[:, None] * cumulative[:, -1:]
    target = np.minimum((cumulative < u).sum(axis=1), setting.n_districts - 1)
    origin_city = f.city[movers].copy()
    new_city = setting.district_city[target]
    f.district[movers] = target
    f.city[movers] = new_city
    world.record("relocated", movers, target.astype(float))
    world.flows.relocations_in = np.bincount(new_city, minlength=nc).astype(float)
    world.flows.relocations_out = np.bincount(origin_city, minlength=nc).astype(float)
