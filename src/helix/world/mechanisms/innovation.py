"""Innovation and imitation: how firms' productivity moves (Nelson & Winter 1982; SKIN).

Each month a firm with real R&D intensity ρ (R&D over wage bill, see ``rd``) makes an
innovation draw with probability 1 - exp(-λ_inn·ρ). The draw is incremental, a ~ N(0, σ_inc),
or with probability ``radical_share`` radical, N(0, σ_rad) (SKIN's incremental vs radical
research, Gilbert, Pyka & Ahrweiler 2001); as in Nelson-Winter the firm keeps the better of its
old and new technique: a ← a + max(0, draw).

It imitates with probability 1 - exp(-λ_imi·(1 + ξ·g)·(M/M_ref)^η), rising with the reachable
density of its sector (``knowledge``) and with g, the share of imported inputs an export control
has cut its sector off from (reverse engineering to replace them, ξ an assumption), and then
closes a share κ of its gap to the reachable practice q[d,s] (``knowledge``):
a ← a + κ·max(0, q - a). Techniques age: a ← a - ω each month (obsolescence).
Returns the imitators and their gains, from which IP disputes arise.
"""

from __future__ import annotations

import numpy as np

from helix.world import fused, kernels
from helix.world.setting import Setting
from helix.world.state import World


def innovate_and_imitate(
    setting: Setting, world: World, rd_real_intensity: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Update productivity in place; return (imitator rows, their productivity gains)."""
    k = setting.params.knowledge
    f = world.firms
    n = f.n
    alive = f.view("alive")
    a = f.view("productivity")
    d, s = f.view("district"), f.view("sector")

    if fused.ready():  # the same numbers in one pass (``helix.world.fused``)
        return _compiled(setting, world, rd_real_intensity, rng)
    tries = rng.random(n) < -np.expm1(-k.innovation_rate * rd_real_intensity)
    radical = rng.random(n) < k.radical_share
    draw = rng.standard_normal(n) * np.where(radical, k.radical_sd, k.innovation_sd)
    a += np.where(tries & alive, np.maximum(draw, 0.0), 0.0)

    p_imitate = kernels.take2(_imitation_chance(setting, world), d, s)
    gap = np.maximum(kernels.take2(world.practice, d, s) - a, 0.0)
    imitates = (rng.random(n) < p_imitate) & alive & (gap > 0)
    rows = np.flatnonzero(imitates)
    gain = k.imitation_speed * gap[rows]
    a[rows] += gain
    a -= k.obsolescence
    return rows, gain


def _imitation_chance(setting: Setting, world: World) -> np.ndarray:
    """The chance to imitate, one value per (district, sector)."""
    k = setting.params.knowledge
    density = world.reach_mass / np.maximum(setting.ref_mass, 1e-12)[None, :]
    cut_off = 1.0 - world.chips.availability[setting.district_city]
    intensity = k.imitation_rate * (1.0 + k.shock_imitation * cut_off)
    return -np.expm1(-intensity * density**k.imitation_density_elasticity)


def _compiled(
    setting: Setting, world: World, rd_real_intensity: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`innovate_and_imitate` as two compiled passes (bit-identical): the same draws, in
    the same order, without the firm-sized temporaries of the arithmetic."""
    k = setting.params.knowledge
    f = world.firms
    n = f.n
    alive, productivity = f.view("alive"), f.view("productivity")
    no_innovation = np.expm1(-k.innovation_rate * rd_real_intensity)
    u_try, u_radical = rng.random(n), rng.random(n)
    fused.innovate(
        alive,
        productivity,
        no_innovation,
        u_try,
        u_radical,
        rng.standard_normal(n),
        float(k.radical_share),
        float(k.radical_sd),
        float(k.innovation_sd),
    )
    del no_innovation, u_try, u_radical
    gain = rng.random(n)
    fused.imitate(
        alive,
        f.view("district"),
        f.view("sector"),
        productivity,
        gain,
        _imitation_chance(setting, world),
        np.ascontiguousarray(world.practice),
        float(k.imitation_speed),
        float(k.obsolescence),
    )
    rows = np.flatnonzero(~np.isnan(gain))
    return rows, gain[rows]
