"""A firm's month: revenue, costs, government support, cash, and hiring or firing.

Revenue   Y_i = y_s · exp(a_i) · D[d,s] · p_s · x[c,s] · m(age_i) · (E_i - R_i)
  y_s revenue per worker of the sector, a_i log productivity, D the density multiplier
  (``knowledge``), p_s the sector's price, x[c,s] the share of inputs available (export
  controls), m(age) = 1 - exp(-(age+1)/τ) the ramp-up of a young firm, E_i employees, R_i the
  hires still ramping up to full output (R ← min(R·exp(-1/τ_h) + hires, E) each month, τ_h
  ``hire_ramp_months``; 0 when τ_h is 0): a hire is paid from the first month, so a firm that
  grows fast spends ahead of its revenue.
Price     p_ms moves a share α a month (in logs) toward the clearing price (Q_ms / M_ms(t))^(-η),
  M_ms(t) the market's size (:func:`market_size`: logistic growth toward a ceiling, cut by
  demand shocks): output beyond what the market takes lowers its price (η, α assumptions).
Costs     wages w_c·E + rent r_d·m²·E + other (share of wages) + real R&D (``rd``); the
  founders of a startup no fund has backed, while it is younger than ``founder_pay_months``,
  forgo a share ``founder_pay_cut`` of their wage (:func:`founders_forgo`; 0 in the shipped world).
Support   R&D tax expenditure + subsidies (split equally among the young, i.e. under 36 months
  old and private, firms of the targeted city and sector).
Cash      cash ← cash + Y - costs + support.
Headcount Δln E = (E/10)^(-β/2)·[h·clip(margin) + r·clip(ln(cash/(costs·T)))] + σ·(E/10)^(-β)·z,
  z ~ N(0,1): profits and unspent runway are turned into hires; both parts shrink with size,
  the idiosyncratic shock as in Stanley et al. (1996) (a large firm is a portfolio of units whose
  fortunes partly cancel), the systematic part more gently (small firms grow faster, Evans 1987).
  A VC-backed firm (a round within ``stale_months``) spends ahead of revenue instead of keeping
  a runway: its runway term is replaced by (E/10)^(-β/2)·k·clip(ln(E*/E), -1, 1), E* the team its
  plan pays for (:func:`planned_team`), so a round turns into hires, and R&D with them (``rd``:
  R&D is a share of the wage bill); Kortum & Lerner (2000), Davila, Foster & Gupta (2003). When
  its next round is late its burn falls with its cash (``funding.plan_budget``) and it cuts
  toward the smaller team.
  Hires come out of the job seekers of the city and of the cities within commuting reach by
  high-speed rail (``talent.match_hires``), at most a share of each pool a month (VC-backed firms' offers are served first, the other
  firms of a city share the rest at one fill rate); layoffs go back to
  the firm's city, so engineers are conserved. Hires also need office space: where a
  district's lettable space is full, its firms get only the share of their wanted hires it has
  room for (``rents.space_for_hires``).
"""

from __future__ import annotations

import numpy as np

from helix.world import fused, kernels
from helix.world.mechanisms.funding import plan_budget
from helix.world.mechanisms.rd import RdSpending
from helix.world.mechanisms.rents import (
    district_space_share,
    space_for_hires,
    space_per_employee,
)
from helix.world.mechanisms.talent import match_hires
from helix.world.setting import Inputs, Levers, Setting
from helix.world.state import STAGE_PUBLIC, World

YOUNG_MONTHS = 36
"""Firms younger than this (and not listed) share the subsidies of their city and sector."""


def market_size(setting: Setting, step: int, demand: np.ndarray) -> np.ndarray:
    """Each market's size per sector at ``step`` (markets x sectors, real output a month).

    Logistic diffusion toward a ceiling K = c·Q₀ (Griliches 1957; Bass 1969), started at the
    sector's observed growth g: M(t) = Q₀·c / (1 + (c - 1)·exp(-r·t)), r = g / (1 - 1/c), so
    that M grows at g at first and slows as it fills; with no ceiling (c = inf) or g <= 0,
    M(t) = Q₀·exp(g·t). ``demand`` is this month's demand shocks (1: none).
    """
    g = setting.sector_demand_growth
    c = np.broadcast_to(setting.sector_market_ceiling, g.shape)
    t = float(step)
    capped = np.isfinite(c) & (g > 0)
    c_safe = np.where(capped, np.maximum(c, 1.0 + 1e-9), 2.0)  # a ceiling of 1: no growth
    r = g / (1.0 - 1.0 / c_safe)
    logistic = c_safe / (1.0 + (c_safe - 1.0) * np.exp(-r * t))
    return setting.market0 * np.where(capped, logistic, np.exp(g * t)) * demand


def sector_price(setting: Setting, world: World, demand: np.ndarray) -> np.ndarray:
    """Output price per market and sector from last month's real output against the market.

    Output beyond what the market takes lowers the price (p → (Q/M)^(-η)), so once a market
    saturates, more output earns less, and the wages and rents a firm pays weigh on its margin.
    """
    g = setting.params.growth
    market = market_size(setting, world.step, demand)
    ratio = np.maximum(world.output_last, 1e-12) / np.maximum(market, 1e-12)
    clearing = np.where(setting.market0 > 0, ratio ** (-g.price_elasticity), 1.0)
    return world.price ** (1.0 - g.price_adjustment) * clearing**g.price_adjustment


def real_output(setting: Inputs, world: World, density: np.ndarray) -> np.ndarray:
    """Monthly output per firm at constant prices (yuan of the start)."""
    g = setting.params.growth
    f = world.firms
    c, d, s = f.view("city"), f.view("district"), f.view("sector")
    age = world.step - f.view("born")
    maturity = -np.expm1(-(age + 1.0) / max(g.maturity_months, 1e-9))
    staff = f.view("employees")
    if g.hire_ramp_months > 0.0:  # without a ramp no one is ramping: spare the pass
        staff = staff - f.view("ramping")
    out = (
        kernels.take(setting.sector_revenue_per_worker, s)
        * np.exp(f.view("productivity"))
        * kernels.take2(density, d, s)
        * kernels.take2(world.chips.availability, c, s)
        * maturity
        * staff
    )
    return np.where(f.view("alive"), out, 0.0)


def planned_team(setting: Setting, world: World, revenue: np.ndarray) -> np.ndarray:
    """Headcount a VC-backed firm's plan pays for this month; 0 for the other firms.

    E* = B / c: the plan's budget (``funding.plan_budget``) at the firm's running cost per
    employee c = w·(1 + other costs) + rent per employee (R&D, which follows the team, aside).
    """
    f = world.firms
    emp = np.maximum(f.view("employees"), 1.0)
    wage = kernels.take(world.talent.wage, f.view("city"))
    per_employee = wage * (1.0 + setting.params.growth.other_costs) + f.view("rent_paid") / emp
    # Revenue pays for the plan's team only up to the team it already has: revenue beyond its
    # running costs is profit, which grows a firm through its margin like any other firm's;
    # otherwise a firm whose revenue per head exceeds its cost per head would plan an ever larger
    # team with every hire (the plan (Y + b)/c runs away with Y).
    budget, _ = plan_budget(setting, world, np.minimum(revenue, per_employee * emp))
    return budget / np.maximum(per_employee, 1.0)


def founders_forgo(
    setting: Setting, world: World, age: np.ndarray, emp: np.ndarray, wage: np.ndarray
) -> np.ndarray:
    """Pay the founders of a young startup no fund has backed forgo this month (yuan).

    A bootstrapped team pays its founders less than the market while its revenue ramps up
    (Hamilton 2000: founders earn less than employees); once a fund backs the firm, or past
    ``founder_pay_months``, the whole team is paid the market wage.
    """
    p = setting.params.founding
    if p.founder_pay_cut <= 0.0:
        return np.zeros_like(emp)
    bootstrapped = (world.firms.view("stage") == 0) & (age < p.founder_pay_months)
    founders = np.minimum(emp, p.team_size)
    return np.where(bootstrapped, p.founder_pay_cut * founders * wage, 0.0)


def operate(
    setting: Setting,
    world: World,
    levers: Levers,
    rd: RdSpending,
    density: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Book this month's revenue, costs and support; hire and fire; update the sector prices.

    Runs the compiled passes of :mod:`helix.world.fused` (the same numbers, a few firm-sized
    temporaries instead of a few dozen) once they are compiled (``fused.ready``), else this
    module's NumPy code.
    """
    if fused.ready():
        _operate_compiled(setting, world, levers, rd, density, rng)
    else:
        _operate_numpy(setting, world, levers, rd, density, rng)


def _maturity_by_age(setting: Inputs, age: np.ndarray) -> tuple[np.ndarray, int]:
    """m(age) for every age from the youngest firm's to the oldest's, and the youngest age.

    The same expression as :func:`real_output` evaluates per firm, once per age.
    """
    g = setting.params.growth
    first, last = (int(age.min()), int(age.max())) if len(age) else (0, 0)
    ages = np.arange(first, last + 1, dtype=age.dtype if len(age) else np.int64)
    return -np.expm1(-(ages + 1.0) / max(g.maturity_months, 1e-9)), first


def _operate_compiled(
    setting: Setting,
    world: World,
    levers: Levers,
    rd: RdSpending,
    density: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """:func:`_operate_numpy` as compiled passes over the firms (bit-identical)."""
    g = setting.params.growth
    p = setting.params
    f = world.firms
    n = f.n
    alive = f.view("alive")
    c, d, s = f.view("city"), f.view("district"), f.view("sector")
    emp = f.view("employees")
    born, stage = f.view("born"), f.view("stage")
    nc, ns = setting.n_cities, setting.n_sectors
    ramped = g.hire_ramp_months > 0.0

    world.price = sector_price(setting, world, levers.demand)
    eligible, staff = fused.census(
        alive,
        c,
        d,
        s,
        born,
        stage,
        emp,
        world.step,
        ns,
        nc * ns,
        setting.n_districts,
        STAGE_PUBLIC,
        YOUNG_MONTHS,
    )
    per_firm = levers.subsidy_per_month.ravel() / np.maximum(eligible, 1.0)
    maturity, first_age = _maturity_by_age(setting, world.step - born)
    wage = np.ascontiguousarray(world.talent.wage)
    wage_and_other = 1.0 + g.other_costs
    founding = p.founding
    margin = np.empty(n)
    runway = np.empty(n)
    cell_sums = np.zeros((nc * ns, 7))
    fused.books(
        world.step,
        alive,
        c,
        d,
        s,
        born,
        stage,
        emp,
        f.view("ramping"),
        ramped,
        np.exp(f.view("productivity")),
        maturity,
        first_age,
        setting.sector_revenue_per_worker,
        np.ascontiguousarray(density),
        np.ascontiguousarray(world.chips.availability),
        np.ascontiguousarray(world.price[setting.city_market]),
        wage,
        space_per_employee(setting, world) * world.offices.rent_per_m2,
        wage_and_other,
        float(founding.founder_pay_cut),
        float(founding.founder_pay_months),
        float(founding.team_size),
        rd.real,
        rd.other_ahead,
        rd.reported,
        rd.tax_expenditure,
        per_firm,
        STAGE_PUBLIC,
        YOUNG_MONTHS,
        float(g.runway_months),
        f.view("cash"),
        f.view("support"),
        f.view("revenue"),
        f.view("costs"),
        f.view("rent_paid"),
        f.view("loss_months"),
        margin,
        runway,
        cell_sums,
    )
    np.log(runway, out=runway)

    backed = np.empty(n, np.bool_)
    plan_gap = np.empty(n)
    size_factor = np.empty(n)
    fund = p.funding
    fused.plans(
        world.step,
        alive,
        c,
        stage,
        f.view("last_round"),
        f.view("cash"),
        f.view("planned_burn"),
        emp,
        f.view("revenue"),
        f.view("rent_paid"),
        wage,
        wage_and_other,
        float(fund.cut_runway_months),
        float(fund.stale_months),
        STAGE_PUBLIC,
        backed,
        plan_gap,
        size_factor,
    )
    np.log(plan_gap, out=plan_gap)
    size_factor **= -g.size_exponent  # in place, by the path ``x ** y`` takes
    change = margin  # the margins are read once, then the buffer holds each firm's change
    fused.growth_rates(
        margin,
        runway,
        plan_gap,
        size_factor,
        rng.standard_normal(n),
        backed,
        float(g.hiring_response),
        float(g.runway_response),
        float(g.plan_hiring_speed),
        float(g.shock_sd),
        change,
    )
    del runway, plan_gap, size_factor
    np.expm1(change, out=change)
    wished = fused.wishes(alive, d, emp, change, setting.n_districts)
    share = district_space_share(setting, world, wished, staff)
    wanted = np.empty(n)
    demand, backed_demand, short = fused.wanted_hires(c, d, change, backed, share, nc, wanted)
    hired, taken = match_hires(setting, world, levers, demand)
    fill_backed, fill_other = _fill_rates(demand, backed_demand, hired)
    ramp_decay = float(np.exp(-1.0 / g.hire_ramp_months)) if ramped else 1.0
    fired = fused.hire_and_fire(
        c,
        emp,
        f.view("ramping"),
        ramped,
        ramp_decay,
        change,
        wanted,
        backed,
        fill_backed,
        fill_other,
        nc,
    )
    world.talent.pool += fired - taken
    world.talent.openings = demand - hired

    flows = world.flows
    flows.hiring_demand = demand
    flows.hires_short_of_space = short
    sums = cell_sums.T.copy()
    _book_flows(setting, world, sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6])


def _fill_rates(
    demand: np.ndarray, backed_demand: np.ndarray, hired: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Share of their wanted hires that VC-backed firms and the others get, per city.

    VC-backed firms' offers are served first (they bid with equity and the promise of the next
    round: Sorenson, Dahl, Canales & Burton 2021 find VC-backed startups pay more than other
    startups; assumption for the strict priority), the rest share what is left at one rate.
    """
    fill_backed = np.minimum(hired / np.maximum(backed_demand, 1e-12), 1.0)
    left = np.maximum(hired - fill_backed * backed_demand, 0.0)
    other_demand = demand - backed_demand
    fill_other = np.minimum(left / np.maximum(other_demand, 1e-12), 1.0)
    return fill_backed, fill_other


def _book_flows(
    setting: Setting,
    world: World,
    sector_revenue: np.ndarray,
    real_output_cs: np.ndarray,
    rd_real_cs: np.ndarray,
    subsidies_cs: np.ndarray,
    rd_reported_cs: np.ndarray,
    tax_expenditure_cs: np.ndarray,
    sector_profit: np.ndarray,
) -> None:
    """The month's sums per (city, sector) into the flows; last month's output per market."""
    nc, ns = setting.n_cities, setting.n_sectors
    flows = world.flows
    flows.output = sector_revenue.reshape(nc, ns)
    flows.real_output = real_output_cs.reshape(nc, ns)
    market_output = np.zeros_like(world.output_last)
    np.add.at(market_output, setting.city_market, flows.real_output)
    world.output_last = market_output
    flows.rd_real = rd_real_cs.reshape(nc, ns)
    flows.rd_reported = rd_reported_cs.reshape(nc, ns)
    flows.tax_expenditure = tax_expenditure_cs.reshape(nc, ns)
    flows.subsidies = subsidies_cs.reshape(nc, ns)
    flows.margin = (sector_profit / np.maximum(sector_revenue, 1.0)).reshape(nc, ns)


def _operate_numpy(
    setting: Setting,
    world: World,
    levers: Levers,
    rd: RdSpending,
    density: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """:func:`operate` in NumPy: the reference the compiled passes reproduce bit for bit."""
    g = setting.params.growth
    f = world.firms
    n = f.n
    alive = f.view("alive")
    c, d, s = f.view("city"), f.view("district"), f.view("sector")
    emp = f.view("employees")
    age = world.step - f.view("born")

    world.price = sector_price(setting, world, levers.demand)
    output = real_output(setting, world, density)
    revenue = output * kernels.take2(world.price[setting.city_market], c, s)
    wage = kernels.take(world.talent.wage, c)
    wages = emp * wage
    rent = emp * kernels.take(space_per_employee(setting, world) * world.offices.rent_per_m2, d)
    # Forgone founders' pay lowers the wage bill only: the other costs are the firm's, not pay.
    payroll = wages * (1.0 + g.other_costs) - founders_forgo(setting, world, age, emp, wage)
    costs = np.where(alive, payroll + rent + rd.real + rd.other_ahead, 0.0)

    nc, ns = setting.n_cities, setting.n_sectors
    cell = c * ns + s
    young = alive & (age < YOUNG_MONTHS) & (f.view("stage") < STAGE_PUBLIC)
    (eligible,) = kernels.group_sums(cell, nc * ns, young)
    per_firm = levers.subsidy_per_month.ravel() / np.maximum(eligible, 1.0)
    subsidy = np.where(young, kernels.take(per_firm, cell), 0.0)
    support = np.where(alive, rd.tax_expenditure + subsidy, 0.0)

    profit = revenue - costs + support
    f.cash[:n] += np.where(alive, profit, 0.0)
    f.support[:n] += support
    f.revenue[:n] = revenue
    f.costs[:n] = costs
    f.rent_paid[:n] = rent
    f.loss_months[:n] = np.where(profit < 0, f.view("loss_months") + 1, 0)

    margin = np.clip(profit / np.maximum(np.maximum(revenue, costs), 1.0), -1.0, 1.0)
    runway = np.log(np.maximum(f.view("cash"), 1.0) / np.maximum(costs * g.runway_months, 1.0))
    planned = planned_team(setting, world, revenue)
    backed = planned > 0
    # On plan a firm hires toward its planned team; once its burn is cut (``plan_budget``) it
    # lays off toward the smaller team at the same speed.
    plan_gap_clipped = np.clip(np.log(np.maximum(planned, 1.0) / np.maximum(emp, 1.0)), -1.0, 1.0)
    # Larger firms are portfolios of units whose fortunes partly cancel: both the systematic and
    # the idiosyncratic part of growth shrink with size (Stanley et al. 1996). A VC-backed firm
    # hires toward the team its cash pays for until its next round (no cuts on the plan: it bets
    # on the round, until its runway is short); the others answer to their runway over its aim.
    size_factor = (np.maximum(emp, 1.0) / 10.0) ** (-g.size_exponent)
    growth = (
        np.sqrt(size_factor)
        * (
            g.hiring_response * margin
            + np.where(backed, 0.0, g.runway_response * np.clip(runway, -1.0, 1.0))
        )
        + np.where(backed, np.sqrt(size_factor) * g.plan_hiring_speed * plan_gap_clipped, 0.0)
        + size_factor * g.shock_sd * rng.standard_normal(n)
    )
    change = np.where(alive, emp * np.expm1(growth), 0.0)
    # Hires need desks: where a district's lettable space is full, its firms grow less.
    wish = np.maximum(change, 0.0)
    wanted = wish * space_for_hires(setting, world, wish)
    demand, backed_demand = kernels.group_sums(c, nc, wanted, np.where(backed, wanted, 0.0))
    hired, taken = match_hires(setting, world, levers, demand)
    fill_backed, fill_other = _fill_rates(demand, backed_demand, hired)
    hires = wanted * np.where(backed, kernels.take(fill_backed, c), kernels.take(fill_other, c))
    layoffs = np.minimum(np.maximum(-change, 0.0), np.maximum(emp - 1.0, 0.0))
    f.employees[:n] = emp + hires - layoffs
    if g.hire_ramp_months > 0.0:
        # Last in, first out: layoffs take the newest hires, the ones not yet at full output.
        settling = f.view("ramping") * np.exp(-1.0 / g.hire_ramp_months) + hires
        f.ramping[:n] = np.minimum(settling, f.view("employees"))

    (fired,) = kernels.group_sums(c, nc, layoffs)
    world.talent.pool += fired - taken
    world.talent.openings = demand - hired

    flows = world.flows
    flows.hiring_demand = demand
    flows.hires_short_of_space = kernels.group_sums(c, nc, wish - wanted)[0]
    # Sums per (city, sector), one pass per group of series; living firms only in the second.
    sector_revenue, real_output_cs, rd_real_cs, subsidies_cs = kernels.group_sums(
        cell, nc * ns, revenue, output, rd.real, subsidy
    )
    rd_reported_cs, tax_expenditure_cs, sector_profit = kernels.group_sums(
        cell, nc * ns, rd.reported, rd.tax_expenditure, profit, where=alive
    )
    _book_flows(
        setting,
        world,
        sector_revenue,
        real_output_cs,
        rd_real_cs,
        subsidies_cs,
        rd_reported_cs,
        tax_expenditure_cs,
        sector_profit,
    )
