"""The office market of each district (DiPasquale & Wheaton 1992; Wheaton & Torto 1988).

Demand for space is the firms' headcount times m² per employee, which falls as rent rises above
its starting level, s = s₀·(r/r₀)^(-ε) (the downward-sloping demand of the DiPasquale-Wheaton
space market), plus other tenants (growing at their own rate). With stock S and demand Q, vacancy
is v = max(0, 1 - Q/S) (tenants squeezed in beyond the stock leave no space vacant). The market
rent r̂ adjusts to the gap from the natural vacancy v* (Wheaton & Torto 1988: about 2% a year per
point of excess vacancy), and the rent charged r follows it unless a cap holds it down:

    Δln r̂ = clip(λ·(v* - v)/12, ±c),    r ← min(r·exp(min(Δln r̂, cap)), r̂),

neither below the landlords' reservation rent φ·r₀ (a share of the starting, replacement-cost
rent: below it a landlord holds space empty, waiting for better tenants; Grenadier 1995).

Construction starts when the rent landlords may charge exceeds its replacement level (the
starting rent): starts = κ/12 · S · max(0, r/r₀ - 1), limited by the land left to build on, and
are delivered after a lag (the construction quadrant of DiPasquale-Wheaton); stock depreciates.
Under a binding cap landlords also convert rental space to other uses, a share
χ/12·ln(r̂/r) of the stock a month (Diamond, McQuade & Qian 2019: landlords under San Francisco's
rent control cut their rental supply by 15%): a cap lowers rents and what gets built or kept.

Space rations hiring (:func:`space_for_hires`): a share v_f of the stock can never be let
(between tenants, refitting), so a district's firms can add at most S·(1 - v_f) - Q m² of
tenants in a month; when the hires they want need more, every firm of the district gets the
same share of its wish. This is where a shortage of space costs output.
"""

from __future__ import annotations

import numpy as np

from helix.world import kernels
from helix.world.setting import Levers, Setting
from helix.world.state import World


def space_per_employee(setting: Setting, world: World) -> np.ndarray:
    """m² per employee in each district: firms economise on space as rent rises."""
    o = world.offices
    ratio = np.maximum(o.rent_per_m2 / o.rent_start, 1.0)
    return setting.params.growth.m2_per_employee * ratio ** (-setting.params.rents.space_elasticity)


def tech_demand_m2(setting: Setting, world: World) -> np.ndarray:
    """m² the living firms' staff occupy in each district."""
    f = world.firms
    (staff,) = kernels.group_sums(
        f.view("district"), setting.n_districts, f.view("employees"), where=f.view("alive")
    )
    return staff * space_per_employee(setting, world)


def room_m2(setting: Setting, world: World, staff: np.ndarray | None = None) -> np.ndarray:
    """Space each district can still let to new tenants (m²): the stock less what cannot be let
    (``frictional_vacancy``) less what tech and other tenants occupy.

    ``staff`` is the living firms' staff per district when the caller has summed it already.
    """
    o = world.offices
    tech = (
        tech_demand_m2(setting, world)
        if staff is None
        else staff * space_per_employee(setting, world)
    )
    occupied = tech + o.other_demand_m2
    lettable = o.stock_m2 * (1.0 - setting.params.rents.frictional_vacancy)
    return np.maximum(lettable - occupied, 0.0)


def space_for_hires(setting: Setting, world: World, wanted: np.ndarray) -> np.ndarray:
    """Share of each firm's wanted hires (people, one per firm row) its district has room for.

    All firms of a district get the same share: min(1, room / (Σ wanted · m² per employee)).
    """
    d = world.firms.view("district")
    wished = np.bincount(d, weights=wanted, minlength=setting.n_districts)
    return kernels.take(district_space_share(setting, world, wished), d)


def district_space_share(
    setting: Setting, world: World, wished: np.ndarray, staff: np.ndarray | None = None
) -> np.ndarray:
    """Share of the hires wished for in each district (people) that its free space can seat.

    ``staff`` as in :func:`room_m2`.
    """
    asked_m2 = wished * space_per_employee(setting, world)
    room = room_m2(setting, world, staff)
    return np.where(asked_m2 > room, room / np.maximum(asked_m2, 1e-300), 1.0)


def clear_office_market(setting: Setting, world: World, levers: Levers) -> None:
    """One month of the office market: rents, conversions under a cap, construction, deliveries."""
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
    # Landlords keep space empty rather than let it below their reservation rent.
    floor = p.reservation_rent_share * o.rent_start
    o.rent_market = np.maximum(o.rent_market * np.exp(change), floor)
    # The rent charged follows the market's change up to the cap, and never exceeds the market.
    o.rent_per_m2 = np.minimum(
        np.maximum(o.rent_per_m2 * np.exp(np.minimum(change, levers.rent_cap_per_month)), floor),
        o.rent_market,
    )
    o.vacancy = vacancy

    # Landlords convert rental space in proportion to how far the cap holds rents below market.
    cap_gap = np.log(o.rent_market / o.rent_per_m2)
    withdrawn = np.minimum(p.conversion_rate / 12.0 * cap_gap, 0.5) * o.stock_m2

    delivered = o.pipeline_m2[:, 0].copy()
    o.pipeline_m2[:, :-1] = o.pipeline_m2[:, 1:]
    # Developers build for the rent they may charge (the capped one), not the market's.
    starts = (
        p.construction_response
        / 12.0
        * o.stock_m2
        * np.maximum(o.rent_per_m2 / o.rent_start - 1, 0)
    )
    starts = np.minimum(starts, o.buildable_m2)
    o.buildable_m2 -= starts
    o.pipeline_m2[:, -1] = starts
    o.stock_m2 = o.stock_m2 * (1.0 - p.depreciation) ** (1.0 / 12.0) - withdrawn + delivered

    nc, dc = setting.n_cities, setting.district_city
    world.flows.office_starts = np.bincount(dc, weights=starts, minlength=nc)
    world.flows.office_withdrawn = np.bincount(dc, weights=withdrawn, minlength=nc)
