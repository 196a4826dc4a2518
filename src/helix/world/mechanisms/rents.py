"""The office market of each district (DiPasquale & Wheaton 1992; Wheaton & Torto 1988).

Demand for space is the firms' headcount times m² per employee, which falls as rent rises above
its starting level, s = s₀·(r/r₀)^(-ε) (the downward-sloping demand of the DiPasquale-Wheaton
space market), plus other tenants (growing at their own rate). With stock S and demand Q, vacancy is v = max(0, 1 - Q/S) (tenants squeezed in beyond
the stock leave no space vacant). Rents adjust to the gap from the natural vacancy v* (Wheaton & Torto 1988: about
2% a year per point of excess vacancy):

    Δln r = clip(λ·(v* - v)/12, ±c)    and no more than a rent cap in force allows.

Construction starts when rents exceed their replacement level (taken as the starting rent):
starts = κ/12 · S · max(0, r/r₀ - 1), limited by the land left to build on, and are delivered
after a lag (the construction quadrant of DiPasquale-Wheaton); stock depreciates.
"""

from __future__ import annotations

import numpy as np

from helix.world.setting import Levers, Setting
from helix.world.state import World


def space_per_employee(setting: Setting, world: World) -> np.ndarray:
    """m² per employee in each district: firms economise on space as rent rises."""
    o = world.offices
    ratio = np.maximum(o.rent_per_m2 / o.rent_start, 1.0)
    return setting.params.growth.m2_per_employee * ratio ** (-setting.params.rents.space_elasticity)


def tech_demand_m2(setting: Setting, world: World) -> np.ndarray:
    f = world.firms
    alive = f.view("alive")
    staff = np.bincount(
        f.view("district")[alive], weights=f.view("employees")[alive], minlength=setting.n_districts
    )
    return staff * space_per_employee(setting, world)


def clear_office_market(setting: Setting, world: World, levers: Levers) -> None:
    """One month of the office market: rents, construction, deliveries."""
    p = setting.params.rents
    o = world.offices
    o.other_demand_m2 *= (1.0 + p.other_demand_growth) ** (1.0 / 12.0)
    demand = tech_demand_m2(setting, world) + o.other_demand_m2
    vacancy = np.maximum(1.0 - demand / np.maximum(o.stock_m2, 1e-9), 0.0)
    change = np.clip(
        p.vacancy_response * (p.natural_vacancy - vacancy) / 12.0,
        -p.max_monthly_change,
        p.max_monthly_change,
    )
    change = np.minimum(change, levers.rent_cap_per_month)
    o.rent_per_m2 *= np.exp(change)
    o.vacancy = vacancy

    delivered = o.pipeline_m2[:, 0].copy()
    o.pipeline_m2[:, :-1] = o.pipeline_m2[:, 1:]
    starts = (
        p.construction_response
        / 12.0
        * o.stock_m2
        * np.maximum(o.rent_per_m2 / o.rent_start - 1, 0)
    )
    starts = np.minimum(starts, o.buildable_m2)
    o.buildable_m2 -= starts
    o.pipeline_m2[:, -1] = starts
    o.stock_m2 = o.stock_m2 * (1.0 - p.depreciation) ** (1.0 / 12.0) + delivered
