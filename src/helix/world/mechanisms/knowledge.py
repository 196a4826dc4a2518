"""Knowledge spillovers pooled per (district, sector), decaying with travel time.

Each district d and sector s holds a knowledge mass K[d,s] = Σ_i E_i·exp(a_i) over its firms
(employees E, log productivity a) plus its research institutions' knowledge (``research``: what they spend, at their
productivity) and staff,
and an employee mass N[d,s]. What a firm in (d, s) can reach is

    S = W · K · Rᵀ,    M = W · N · Rᵀ,    W[d,d'] = exp(-δ·t[d,d']) · π_city^[same city] · π_district^[d=d']

with t the travel time in minutes (rail timetables between cities, the city's own time between
its districts), δ from Keller (2002: spillovers halve at ~1,200 km, ≈ 290 minutes of high-speed
rail), the same-metro premium π_city of Jaffe, Trajtenberg & Henderson (1993: local citations 5-10x
more likely), and R the sector relatedness matrix. A world's special networks (``[networks]``, e.g. an urban
quantum network) multiply W between their node cities by their reach, for their sector.

From these the firm sees (i) the reachable practice  q[d,s] = log(S/M)  (the employee-weighted
mean productivity it can learn from: a mean, not the best firm) and (ii) a density productivity multiplier
(M/M_ref)^log2(1+g) with g = 6% per doubling of density (Ciccone & Hall 1996).
Cost: O(firms) for the pools and O(D²·S) for the products; no pairwise work over firms.
"""

from __future__ import annotations

import numpy as np

from helix.world import kernels
from helix.world.setting import Inputs, Setting, district_minutes
from helix.world.state import World

Kernels = tuple[np.ndarray, tuple[np.ndarray, ...]]
"""The reach matrix W, and W for each of the world's special networks (in its order)."""


def spillover_kernels(setting: Inputs, city_minutes: np.ndarray) -> Kernels:
    """The reach matrix W (districts x districts), and W for each special network's sector."""
    k = setting.params.knowledge
    t = district_minutes(setting, city_minutes)
    dc = setting.district_city
    same_city = dc[:, None] == dc[None, :]
    w = np.exp(-k.decay_per_minute * t)
    w *= np.where(same_city, k.same_city_premium, 1.0)
    w *= np.where(np.eye(len(dc), dtype=bool), k.same_district_premium, 1.0)
    networks = []
    for network in setting.networks:
        nodes = network.nodes[dc]
        linked = nodes[:, None] & nodes[None, :] & ~same_city
        networks.append(np.where(linked, w * network.reach, w))
    return w, tuple(networks)


def pools(setting: Inputs, world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knowledge mass, employee mass and firm counts per (district, sector)."""
    f = world.firms
    nd, ns = setting.n_districts, setting.n_sectors
    alive = f.view("alive")
    cell = f.view("district") * ns + f.view("sector")
    emp = np.where(alive, f.view("employees"), 0.0)
    mass, know, count = kernels.group_sums(
        cell, nd * ns, emp, emp * np.exp(f.view("productivity")), alive
    )
    inst = world.institutions
    if len(inst.researchers):
        rcell = setting.research_district * ns + setting.research_sector
        mass += np.bincount(rcell, weights=inst.researchers, minlength=nd * ns)
        know += np.bincount(rcell, weights=inst.knowledge, minlength=nd * ns)
    shape = (nd, ns)
    return know.reshape(shape), mass.reshape(shape), count.reshape(shape)


def reach(setting: Inputs, kernels: Kernels, values: np.ndarray) -> np.ndarray:
    """W · values · Rᵀ, with each special network's sector column through its own kernel."""
    w, networks = kernels
    out = w @ values @ setting.relatedness.T
    for network, w_network in zip(setting.networks, networks, strict=True):
        q = network.sector
        out[:, q] = w_network @ values @ setting.relatedness[q]
    return out


def update_spillovers(setting: Setting, world: World, kernels: Kernels) -> None:
    """Refresh the world's reachable knowledge, employee mass and best practice."""
    know, mass, count = pools(setting, world)
    world.flows.firm_count = count
    world.spillover = reach(setting, kernels, know)
    world.reach_mass = reach(setting, kernels, mass)
    world.practice = np.log(
        np.maximum(world.spillover, 1e-12) / np.maximum(world.reach_mass, 1e-12)
    )


def density_multiplier(setting: Setting, world: World) -> np.ndarray:
    """Productivity multiplier per (district, sector) from reachable density (Ciccone & Hall)."""
    return density_against(setting, world.reach_mass, setting.ref_mass)


def density_against(setting: Inputs, reach_mass: np.ndarray, ref_mass: np.ndarray) -> np.ndarray:
    """The density multiplier of ``reach_mass`` against the reference ``ref_mass``."""
    g = setting.params.knowledge.density_gain_per_doubling
    ref = np.maximum(ref_mass, 1e-12)
    ratio = np.maximum(reach_mass, 1e-12) / ref[None, :]
    return ratio ** np.log2(1.0 + g)
