"""Contract research between firms and research institutions (after ``rd``).

A firm in district d and sector s has access
A[d,s] = Σ_j K_j·ρ[s,s_j]·exp(-δ·t[d,d_j]) to research (ρ the sectors' relatedness, t the
travel time with rail policies applied). It contracts the share κ·A/(A + A_ref) of its real R&D
to the institutions in proportion to their terms in A (A_ref the median access of the starting
world), a tenant of a shared lab the full share κ (the labs are where firms and researchers
meet). The money leaves the firm's R&D for the institutions' budgets next month, and buys
(1 + π) times the innovation of an in-house yuan (Cohen, Nelson & Walsh 2002).
"""

from __future__ import annotations

import numpy as np

from helix.world import kernels
from helix.world.mechanisms.research import institution_city
from helix.world.setting import Inputs, Levers, Setting, district_minutes
from helix.world.state import World


def _access_terms(setting: Inputs, knowledge: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """K_j·ρ[s,s_j]·exp(-δ·t[d,d_j]) as districts x sectors x institutions."""
    delta = setting.params.research.contract_decay_per_minute
    t = district_minutes(setting, minutes)[:, setting.research_district]  # districts x inst.
    near = np.exp(-delta * t) * knowledge[None, :]
    related = setting.relatedness[:, setting.research_sector]  # sectors x institutions
    return near[:, None, :] * related[None, :, :]


def reference_access(setting: Inputs, knowledge: np.ndarray) -> float:
    """The median positive access to research of the starting world's cells."""
    if len(knowledge) == 0:
        return 1.0
    access = _access_terms(setting, knowledge, setting.city_minutes).sum(axis=2)
    positive = access[access > 0]
    return float(np.median(positive)) if len(positive) else 1.0


def contract_research(
    setting: Setting, world: World, levers: Levers, rd_real: np.ndarray
) -> np.ndarray:
    """Book this month's research contracts; return each firm's R&D productivity multiplier."""
    p = setting.params.research
    f = world.firms
    inst = world.institutions
    n = f.n
    ns = setting.n_sectors
    if len(inst.researchers) == 0 or p.contract_share == 0:
        inst.contract_income_yuan = np.zeros(len(inst.researchers))
        return np.ones(n)
    terms = _access_terms(setting, inst.knowledge, levers.city_minutes)
    access = terms.sum(axis=2)  # districts x sectors
    cell_share = p.contract_share * access / (access + setting.ref_research_access)
    d, s = f.view("district"), f.view("sector")
    share = kernels.take2(cell_share, d, s)
    in_lab = f.view("lab_until") > world.step
    share = np.where(in_lab, p.contract_share, share)
    share = np.where(f.view("alive"), share, 0.0)
    contracted = share * rd_real
    (paid,) = kernels.group_sums(d * ns + s, setting.n_districts * ns, contracted)
    weights = terms / np.maximum(access, 1e-300)[:, :, None]
    inst.contract_income_yuan = np.einsum("ds,dsj->j", paid.reshape(-1, ns), weights)
    world.flows.research_contracts = np.bincount(
        institution_city(setting), weights=inst.contract_income_yuan, minlength=setting.n_cities
    )
    return 1.0 + p.contract_premium * share
