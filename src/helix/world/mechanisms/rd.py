"""R&D spending and the R&D tax break (Chen, Liu, Suárez Serrato & Xu 2021, the InnoCom study).

A firm's R&D over its wage bill is  ρ_s·u^(-ε),  where u is the after-tax price of R&D relative
to other spending: with an extra deduction d on top of the ordinary one, a yuan of R&D costs
1 - τ(1 + d) after tax against 1 - τ for other spending, so u = 1 - d·τ/(1 - τ) (τ the corporate
tax rate; the report's "50% tax breaks for R&D spending" are d = 0.5 in Shanghai, on top of the
national super-deduction in every Chinese city). Real R&D responds with
ε_real ≈ 1.1; reported R&D with ε_rep ≈ 2, the gap being relabelling of other spending as R&D
(Chen et al. 2021). The tax expenditure is d·τ·(reported R&D); the relabelled part buys no
knowledge but is government support all the same, which feeds the dependence indicator.
Assumption: the deduction is worth its full value to loss-making firms too (carried forward).
A VC-backed firm also spends ahead of revenue: what its plan allows above its running costs
(``funding.plan_budget``, with revenue counted only up to the running costs), and its hires
have not yet absorbed, is spent all the same: a share
``plan_share`` on R&D (equipment, compute, contract research: Kortum & Lerner 2000 on venture
money and innovation), the rest on other things (marketing, contractors) that buy no knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helix.world import fused, kernels
from helix.world.mechanisms.funding import plan_budget
from helix.world.setting import Levers, Setting
from helix.world.state import STAGE_PUBLIC, World


@dataclass(frozen=True)
class RdSpending:
    real: np.ndarray  # yuan this month, per firm
    reported: np.ndarray
    tax_expenditure: np.ndarray
    real_intensity: np.ndarray  # real R&D over wage bill
    other_ahead: np.ndarray  # yuan this month: a VC-backed firm's plan spent on other things


def rd_spending(setting: Setting, levers: Levers, world: World) -> RdSpending:
    """R&D per firm under the tax break in force."""
    p = setting.params.rd
    f = world.firms
    c, s = f.view("city"), f.view("sector")
    # Every quantity but the wage bill is one value per (city, sector): computed per cell, then
    # handed to the firms.
    deduction_cs = levers.rd_extra_deduction
    user_cost = 1.0 - deduction_cs * p.corporate_tax_rate / (1.0 - p.corporate_tax_rate)
    base = setting.sector_rd_intensity[None, :]
    real_cs = base * user_cost ** (-p.real_elasticity)
    reported_cs = base * user_cost ** (-p.reported_elasticity)
    if fused.ready():  # the same numbers in one pass, without firm-sized temporaries
        return _rd_compiled(setting, world, real_cs, reported_cs, deduction_cs)
    real_intensity = kernels.take2(real_cs, c, s)
    reported_intensity = kernels.take2(reported_cs, c, s)
    deduction = kernels.take2(deduction_cs, c, s)
    wage_bill = np.where(
        f.view("alive"), f.view("employees") * kernels.take(world.talent.wage, c), 0.0
    )
    # A VC-backed firm spends a share of what its plan allows above last month's costs on R&D
    # ahead of revenue (equipment, compute, contract research), the rest on hires (operations).
    # Revenue pays for the plan only up to the running costs, as for its team (§7.7): revenue
    # beyond them is profit, kept as cash, not spent ahead.
    other = 1.0 + setting.params.growth.other_costs
    running = wage_bill * (other + real_intensity) + f.view("rent_paid")  # costs but this R&D
    budget, backed = plan_budget(setting, world, np.minimum(f.view("revenue"), running))
    unspent = np.where(backed, np.maximum(budget - running, 0.0), 0.0)
    ahead = p.plan_share * unspent
    real = real_intensity * wage_bill + ahead
    reported = reported_intensity * wage_bill + ahead
    return RdSpending(
        real=real,
        reported=reported,
        tax_expenditure=deduction * p.corporate_tax_rate * reported,
        real_intensity=real / np.maximum(wage_bill, 1.0),
        other_ahead=unspent - ahead,
    )


def _rd_compiled(
    setting: Setting,
    world: World,
    real_intensity_cs: np.ndarray,
    reported_intensity_cs: np.ndarray,
    deduction_cs: np.ndarray,
) -> RdSpending:
    """:func:`rd_spending` per firm as one compiled pass (:mod:`helix.world.fused`), given its
    intensities and deduction per (city, sector)."""
    p = setting.params.rd
    fund = setting.params.funding
    f = world.firms
    n = f.n
    out = RdSpending(np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n))
    table = np.ascontiguousarray
    fused.rd_spending(
        world.step,
        f.view("alive"),
        f.view("city"),
        f.view("sector"),
        f.view("stage"),
        f.view("last_round"),
        f.view("cash"),
        f.view("planned_burn"),
        f.view("employees"),
        f.view("revenue"),
        f.view("rent_paid"),
        table(world.talent.wage),
        table(np.broadcast_to(real_intensity_cs, deduction_cs.shape)),
        table(np.broadcast_to(reported_intensity_cs, deduction_cs.shape)),
        table(deduction_cs),
        1.0 + setting.params.growth.other_costs,
        float(p.plan_share),
        float(p.corporate_tax_rate),
        float(fund.cut_runway_months),
        float(fund.stale_months),
        STAGE_PUBLIC,
        out.real,
        out.reported,
        out.tax_expenditure,
        out.real_intensity,
        out.other_ahead,
    )
    return out
