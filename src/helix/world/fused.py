"""Compiled passes of a firm's month, each bit-identical to its mechanism's NumPy code.

A mechanism written in NumPy makes a firm-sized temporary for nearly every operator: a month of
``operations.operate`` allocated about 25 of them at once (benchmarks/RESULTS.md, "Memory"). The
kernels here do a phase's arithmetic in one pass over the firm rows, write the firm columns in
place and add the per-group sums as they go. Which formula each computes is documented where
the mechanism calls it; this module only says how.

Three rules keep the results bit-identical to the NumPy code, so that ``HELIX_NUMBA=0`` (which
runs that code) changes no number:

- the transcendental functions (exp, expm1, log, power) stay NumPy's, on one temporary each,
  between the passes: NumPy's vectorised versions and numba's (libm's) differ in the last bit;
- each expression is evaluated in the NumPy code's order (``a * b * c`` is ``(a * b) * c``), and
  ``np.maximum``/``np.minimum`` are written as NumPy defines them (``a >= b ? a : b``);
- a sum per group adds the rows in row order, as ``np.bincount`` does; a row outside a masked
  sum is skipped, which gives the same bits as adding +0.0 (a sum that starts at +0.0 is never
  -0.0).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from helix.world import kernels
from helix.world.kernel_cache import Compiled
from helix.world.kernels import CACHE


@njit(cache=CACHE, error_model="numpy")
def _max(a, b):  # pragma: no cover - compiled
    return a if a >= b else b


@njit(cache=CACHE, error_model="numpy")
def _min(a, b):  # pragma: no cover - compiled
    return a if a <= b else b


@njit(cache=CACHE, error_model="numpy")
def _clip1(a):  # pragma: no cover - compiled
    return _min(_max(a, -1.0), 1.0)


@njit(cache=CACHE, error_model="numpy")
def census(
    alive,
    city,
    district,
    sector,
    born,
    stage,
    employees,
    step,
    n_sectors,
    n_cells,
    n_districts,
    public_stage,
    young_months,
):  # pragma: no cover - compiled
    """Young private firms per (city, sector) cell, and the staff of living firms per district."""
    young = np.zeros(n_cells)
    staff = np.zeros(n_districts)
    for i in range(len(alive)):
        if not alive[i]:
            continue
        staff[district[i]] += employees[i]
        if step - born[i] < young_months and stage[i] < public_stage:
            young[city[i] * n_sectors + sector[i]] += 1.0
    return young, staff


@njit(cache=CACHE, error_model="numpy")
def books(
    step,
    alive,
    city,
    district,
    sector,
    born,
    stage,
    employees,
    ramping,
    ramped,
    exp_productivity,
    maturity,
    first_age,
    revenue_per_worker,
    density,
    availability,
    price,
    wage,
    rent_per_employee,
    wage_and_other,
    forgo_cut,
    forgo_months,
    team_size,
    rd_real,
    rd_other_ahead,
    rd_reported,
    rd_tax,
    subsidy_per_firm,
    public_stage,
    young_months,
    runway_months,
    cash,
    support_total,
    revenue_out,
    costs_out,
    rent_out,
    loss_months,
    margin,
    runway,
    cell_sums,
):  # pragma: no cover - compiled
    """Revenue, costs, support and cash of every firm (``operate``'s books), in one pass.

    Writes the firm columns (cash, support, revenue, costs, rent paid, months of loss), each
    firm's margin and the ratio whose log is its runway term, and adds per cell: revenue, real
    output, real R&D, subsidies (all rows), reported R&D, tax expenditure, profit (living rows)
    into ``cell_sums`` columns 0-6.
    """
    n_sectors = density.shape[1]
    for i in range(len(alive)):
        c = city[i]
        d = district[i]
        s = sector[i]
        a = alive[i]
        age = step - born[i]
        emp = employees[i]
        staff = emp - ramping[i] if ramped else emp
        output = (
            revenue_per_worker[s]
            * exp_productivity[i]
            * density[d, s]
            * availability[c, s]
            * maturity[age - first_age]
            * staff
        )
        if not a:
            output = 0.0
        revenue = output * price[c, s]
        w = wage[c]
        rent = emp * rent_per_employee[d]
        forgo = 0.0
        if forgo_cut > 0.0 and stage[i] == 0 and age < forgo_months:
            forgo = forgo_cut * _min(emp, team_size) * w
        payroll = emp * w * wage_and_other - forgo
        costs = payroll + rent + rd_real[i] + rd_other_ahead[i] if a else 0.0
        cell = c * n_sectors + s
        young = a and age < young_months and stage[i] < public_stage
        subsidy = subsidy_per_firm[cell] if young else 0.0
        support = rd_tax[i] + subsidy if a else 0.0
        profit = revenue - costs + support
        cash[i] = cash[i] + (profit if a else 0.0)
        support_total[i] = support_total[i] + support
        revenue_out[i] = revenue
        costs_out[i] = costs
        rent_out[i] = rent
        loss_months[i] = loss_months[i] + 1 if profit < 0 else 0
        margin[i] = _clip1(profit / _max(_max(revenue, costs), 1.0))
        runway[i] = _max(cash[i], 1.0) / _max(costs * runway_months, 1.0)
        cell_sums[cell, 0] += revenue
        cell_sums[cell, 1] += output
        cell_sums[cell, 2] += rd_real[i]
        cell_sums[cell, 3] += subsidy
        if a:
            cell_sums[cell, 4] += rd_reported[i]
            cell_sums[cell, 5] += rd_tax[i]
            cell_sums[cell, 6] += profit


@njit(cache=CACHE, error_model="numpy")
def _plan_budget(
    revenue,
    alive,
    stage,
    since_round,
    cash,
    planned_burn,
    cut_runway_months,
    stale_months,
    public_stage,
):  # pragma: no cover - compiled
    """A firm's ``funding.plan_budget`` (0 off plan), and whether it is on a plan."""
    burn = _min(planned_burn, _max(cash, 0.0) / cut_runway_months)
    on_plan = (
        alive and stage >= 1 and stage < public_stage and since_round < stale_months and cash > 0
    )
    return (revenue + burn if on_plan else 0.0), on_plan


@njit(cache=CACHE, error_model="numpy")
def rd_spending(
    step,
    alive,
    city,
    sector,
    stage,
    last_round,
    cash,
    planned_burn,
    employees,
    revenue,
    rent_paid,
    wage,
    real_intensity_cs,
    reported_intensity_cs,
    deduction_cs,
    wage_and_other,
    plan_share,
    corporate_tax_rate,
    cut_runway_months,
    stale_months,
    public_stage,
    real,
    reported,
    tax_expenditure,
    real_intensity,
    other_ahead,
):  # pragma: no cover - compiled
    """Each firm's R&D this month (``rd.rd_spending``) in one pass, into the five arrays."""
    for i in range(len(alive)):
        c = city[i]
        s = sector[i]
        intensity = real_intensity_cs[c, s]
        wage_bill = employees[i] * wage[c] if alive[i] else 0.0
        running = wage_bill * (wage_and_other + intensity) + rent_paid[i]
        budget, on_plan = _plan_budget(
            _min(revenue[i], running),
            alive[i],
            stage[i],
            step - last_round[i],
            cash[i],
            planned_burn[i],
            cut_runway_months,
            stale_months,
            public_stage,
        )
        unspent = _max(budget - running, 0.0) if on_plan else 0.0
        ahead = plan_share * unspent
        spent = intensity * wage_bill + ahead
        told = reported_intensity_cs[c, s] * wage_bill + ahead
        real[i] = spent
        reported[i] = told
        tax_expenditure[i] = deduction_cs[c, s] * corporate_tax_rate * told
        real_intensity[i] = spent / _max(wage_bill, 1.0)
        other_ahead[i] = unspent - ahead


@njit(cache=CACHE, error_model="numpy")
def plans(
    step,
    alive,
    city,
    stage,
    last_round,
    cash,
    planned_burn,
    employees,
    revenue,
    rent_paid,
    wage,
    wage_and_other,
    cut_runway_months,
    stale_months,
    public_stage,
    backed,
    plan_gap,
    size_base,
):  # pragma: no cover - compiled
    """Which firms hire on a VC plan, the ratio whose log is their plan gap, and size / 10.

    The team a VC-backed firm's plan pays for (``operations.planned_team`` with
    ``funding.plan_budget``), in one pass.
    """
    for i in range(len(alive)):
        emp = _max(employees[i], 1.0)
        per_employee = wage[city[i]] * wage_and_other + rent_paid[i] / emp
        budget, _ = _plan_budget(
            _min(revenue[i], per_employee * emp),
            alive[i],
            stage[i],
            step - last_round[i],
            cash[i],
            planned_burn[i],
            cut_runway_months,
            stale_months,
            public_stage,
        )
        planned = budget / _max(per_employee, 1.0)
        backed[i] = planned > 0
        plan_gap[i] = _max(planned, 1.0) / emp
        size_base[i] = emp / 10.0


@njit(cache=CACHE, error_model="numpy")
def growth_rates(
    margin,
    runway,
    plan_gap,
    size_factor,
    shocks,
    backed,
    hiring_response,
    runway_response,
    plan_hiring_speed,
    shock_sd,
    out,
):  # pragma: no cover - compiled
    """Each firm's log change of headcount wished for this month (before desks and hiring)."""
    for i in range(len(margin)):
        root = np.sqrt(size_factor[i])
        b = backed[i]
        systematic = hiring_response * margin[i] + (
            0.0 if b else runway_response * _clip1(runway[i])
        )
        plan = root * plan_hiring_speed * _clip1(plan_gap[i]) if b else 0.0
        out[i] = root * systematic + plan + size_factor[i] * shock_sd * shocks[i]


@njit(cache=CACHE, error_model="numpy")
def wishes(alive, district, employees, change, n_districts):  # pragma: no cover - compiled
    """Turn expm1(growth) into each firm's change of headcount in place; wished hires per district."""
    wished = np.zeros(n_districts)
    for i in range(len(alive)):
        delta = employees[i] * change[i] if alive[i] else 0.0
        change[i] = delta
        wished[district[i]] += _max(delta, 0.0)
    return wished


@njit(cache=CACHE, error_model="numpy")
def wanted_hires(
    city, district, change, backed, space_share, n_cities, wanted
):  # pragma: no cover - compiled
    """Hires each firm wants that its district has desks for; demand, VC-backed demand and
    hires short of space per city."""
    demand = np.zeros(n_cities)
    backed_demand = np.zeros(n_cities)
    short = np.zeros(n_cities)
    for i in range(len(city)):
        wish = _max(change[i], 0.0)
        w = wish * space_share[district[i]]
        wanted[i] = w
        c = city[i]
        demand[c] += w
        backed_demand[c] += w if backed[i] else 0.0
        short[c] += wish - w
    return demand, backed_demand, short


@njit(cache=CACHE, error_model="numpy")
def hire_and_fire(
    city,
    employees,
    ramping,
    ramped,
    ramp_decay,
    change,
    wanted,
    backed,
    fill_backed,
    fill_other,
    n_cities,
):  # pragma: no cover - compiled
    """New headcounts (and hires still ramping up), and layoffs per city."""
    fired = np.zeros(n_cities)
    for i in range(len(city)):
        c = city[i]
        emp = employees[i]
        hires = wanted[i] * (fill_backed[c] if backed[i] else fill_other[c])
        layoffs = _min(_max(-change[i], 0.0), _max(emp - 1.0, 0.0))
        now = emp + hires - layoffs
        employees[i] = now
        if ramped:
            ramping[i] = _min(ramping[i] * ramp_decay + hires, now)
        fired[c] += layoffs
    return fired


@njit(cache=CACHE, error_model="numpy")
def innovate(
    alive,
    productivity,
    no_innovation,
    u_try,
    u_radical,
    z,
    radical_share,
    radical_sd,
    innovation_sd,
):  # pragma: no cover - compiled
    """A month's innovation draws kept where they improve the technique (``innovation``).

    ``no_innovation`` is expm1(-λ·ρ) per firm (the chance to innovate is its negative); the
    uniform and normal draws are the mechanism's, drawn in its order.
    """
    for i in range(len(alive)):
        draw = z[i] * (radical_sd if u_radical[i] < radical_share else innovation_sd)
        tries = u_try[i] < -no_innovation[i]
        productivity[i] = productivity[i] + (_max(draw, 0.0) if tries and alive[i] else 0.0)


@njit(cache=CACHE, error_model="numpy")
def imitate(
    alive,
    district,
    sector,
    productivity,
    u_imitate,
    p_imitate,
    practice,
    imitation_speed,
    obsolescence,
):  # pragma: no cover - compiled
    """A month's imitation and obsolescence (``innovation``), in place.

    ``u_imitate`` holds the month's uniform draws and is overwritten with each imitator's gain
    (NaN for the other firms).
    """
    for i in range(len(alive)):
        d = district[i]
        s = sector[i]
        q = productivity[i]
        gap = _max(practice[d, s] - q, 0.0)
        if u_imitate[i] < p_imitate[d, s] and alive[i] and gap > 0:
            gain = imitation_speed * gap
            u_imitate[i] = gain
            q = q + gain
        else:
            u_imitate[i] = np.nan
        productivity[i] = q - obsolescence


# --- funding (``funding.invest``) ------------------------------------------------------------


@njit(cache=CACHE, error_model="numpy")
def pitching(
    step,
    alive,
    stage,
    last_round,
    born,
    last_pitch,
    public_stage,
    months_between_rounds,
    months_between_pitches,
    stale_months,
):  # pragma: no cover - compiled
    """Rows of the firms that pitch to funds this month (``invest``'s candidates), ascending."""
    rows = np.empty(len(alive), np.int64)
    found = 0
    for i in range(len(alive)):
        st = stage[i]
        since = step - (last_round[i] if st > 0 else born[i])
        if (
            alive[i]
            and st < public_stage
            and since >= months_between_rounds
            and step - last_pitch[i] >= months_between_pitches
            and (st == 0 or since < stale_months)
        ):
            rows[found] = i
            found += 1
    return rows[:found].copy()


@njit(cache=CACHE, error_model="numpy")
def traction_ratios(
    rows, employees, ramping, employees_at_round, revenue, revenue_at_round, now, then
):  # pragma: no cover - compiled
    """Revenue per settled head now and at the last round (``invest``'s traction, before log1p)."""
    for j in range(len(rows)):
        r = rows[j]
        now[j] = revenue[r] / _max(employees[r] - ramping[r], 1.0)
        then[j] = revenue_at_round[r] / _max(employees_at_round[r], 1.0)


@njit(cache=CACHE, error_model="numpy")
def readings(
    step,
    rows,
    stage,
    last_round,
    born,
    productivity,
    practice,
    district,
    sector,
    productivity_at_round,
    reading_error,
    last_pitch,
    log_now,
    log_then,
    fresh,
    never,
    quality_loading,
    traction_loading,
    seed_diligence_sd,
    diligence_sd,
    first,
    milestones,
    surprise,
    error,
):  # pragma: no cover - compiled
    """Each pitching firm's milestones, the fund's reading of them (surprise) and its error.

    Writes a first pitch's story into ``reading_error`` (it sticks until the seed round).
    """
    for j in range(len(rows)):
        r = rows[j]
        seed = stage[r] == 0
        first[j] = seed
        a = productivity[r]
        quality = a - practice[district[r], sector[r]] if seed else a - productivity_at_round[r]
        traction = 0.0 if seed else log_now[j] - log_then[j]
        m = quality_loading * quality + traction_loading * _min(_max(traction, -3.0), 3.0)
        last = reading_error[r]
        story = seed_diligence_sd * fresh[j] if seed and last_pitch[r] == never else last
        err = story if seed else diligence_sd * fresh[j]
        if seed:
            reading_error[r] = story
        milestones[j] = m
        surprise[j] = m + (story if seed else err - last)
        error[j] = err


@njit(cache=CACHE, error_model="numpy")
def asks(
    step,
    rows,
    first,
    stage,
    last_round,
    born,
    milestones,
    surprise,
    quality_weight,
    luck,
    expected,
    valuation,
    last_pitch,
    employees,
    costs,
    revenue,
    city,
    sector,
    wage,
    wage_and_other,
    team_by_stage,
    seed_pre_money,
    step_mean,
    step_sd,
    round_runway_months,
    usd_yuan,
    hurdle,
    n_sectors,
    n_cells,
    value_step,
    previous,
    plan_usd,
    fundable,
):  # pragma: no cover - compiled
    """Each pitching firm's log value step, last value and the money its plan asks for; per
    (city, sector) cell: fundable deals, candidates, their summed quality weights and the
    fundable plans' asks (``invest``'s pipeline, in row order)."""
    deal_flow = np.zeros(n_cells)
    count = np.zeros(n_cells, np.int64)
    quality = np.zeros(n_cells)
    ask = np.zeros(n_cells)
    for j in range(len(rows)):
        r = rows[j]
        seed = first[j]
        since = step - (last_round[r] if stage[r] > 0 else born[r])
        years = 1.0 if seed else since / 12.0
        drift = step_sd * np.sqrt(years) * luck[j]
        value_step[j] = 0.0 if seed else step_mean * years + milestones[j] - expected + drift
        previous[j] = seed_pre_money if seed else valuation[r]
        last_pitch[r] = step
        c = city[r]
        team = team_by_stage[_min(stage[r], 4)]
        emp = _max(employees[r], 1.0)
        per_employee = costs[r] / emp if costs[r] > 0 else wage[c] * wage_and_other
        usd = (
            round_runway_months * _max(_max(team, emp) * per_employee - revenue[r], 0.0) / usd_yuan
        )
        plan_usd[j] = usd
        ok = surprise[j] >= hurdle and usd > 0
        fundable[j] = ok
        cell = c * n_sectors + sector[r]
        deal_flow[cell] += 1.0 if ok else 0.0
        count[cell] += 1
        quality[cell] += quality_weight[j]
        ask[cell] += usd * (1.0 if ok else 0.0)
    return deal_flow, count, quality, ask


@njit(cache=CACHE, error_model="numpy")
def prices(
    rows,
    city,
    sector,
    n_sectors,
    previous,
    growth,
    supply_factor,
    plan_usd,
    fundable,
    budget,
    dilution_ratio,
    own_weight,
    pre_money,
    raise_usd,
    dilution,
    affordable,
):  # pragma: no cover - compiled
    """Each pitching firm's pre-money value (``growth`` is exp of its value step), the round it
    would raise and the share it would sell, and whether its cell's money could pay for it."""
    for j in range(len(rows)):
        r = rows[j]
        cell = city[r] * n_sectors + sector[r]
        pre = previous[j] * growth[j] * supply_factor[cell]
        money = _min(plan_usd[j], dilution_ratio * pre)
        total = pre + money
        pre_money[j] = pre
        raise_usd[j] = money
        dilution[j] = money / total if total > 0 else 0.0
        affordable[j] = fundable[j] and own_weight * money <= budget[cell]


# --- relocation (``relocation.move_values``) -------------------------------------------------


@njit(cache=CACHE, error_model="numpy")
def best_moves(
    district,
    sector,
    city,
    staff,
    revenue,
    moving_cost,
    can_take,
    minutes,
    max_minutes,
    desk_rent,
    density,
    talent_factor,
    money_factor,
    lease_months,
    best,
    pays,
):  # pragma: no cover - compiled
    """Each looking firm's best district by the value of moving there, and whether it pays.

    The value is ``relocation.move_values``'s, element by element (``talent_factor`` and
    ``money_factor`` are its access ratios raised to their elasticities, per (city, district)),
    and the best is ``np.argmax``'s: the first largest, NaN before any number, and district 0
    when no move is possible (-inf everywhere).
    """
    n_districts = len(desk_rent)
    for j in range(len(district)):
        d = district[j]
        s = sector[j]
        c = city[j]
        own = _max(density[d, s], 1e-12)
        chosen = 0
        top = 0.0
        for k in range(n_districts):
            saving = staff[j] * (desk_rent[d] - desk_rent[k])
            value = -np.inf
            if can_take[k] and minutes[d, k] <= max_minutes and k != d and saving > 0:
                kept = density[k, s] / own * talent_factor[c, k] * money_factor[c, k]
                lost = revenue[j] * (1.0 - kept)
                value = lease_months * (saving - lost) - moving_cost[j]
            if k == 0:
                top = value
            elif not np.isnan(top) and (np.isnan(value) or value > top):
                chosen = k
                top = value
        best[j] = chosen
        pays[j] = top > 0


KERNELS = (
    census, books, plans, growth_rates, wishes, wanted_hires, hire_and_fire, rd_spending,
    innovate, imitate, pitching, traction_ratios, readings, asks, prices, best_moves,
)  # fmt: skip
"""Every pass of this module that a mechanism calls (the helpers they call are compiled with
them)."""

WARM_UP = (
    "import helix.world.kernels as k, helix.world.fused as f; "
    "k.USE_NUMBA = False; f.compiled.state['ready'] = True; "
    "from helix import load_scenario, simulate; "
    "simulate(load_scenario('tiny-corridor', until='2020-06'))"
)
"""What a helper process runs to compile these passes into numba's disk cache: six months of
the tiny world with them on (the same argument types as any world's) and the kernels of
:mod:`helix.world.kernels` off (the run that started the helper compiles those itself)."""

compiled = Compiled(KERNELS, WARM_UP, CACHE)
"""Whether these passes run now (:class:`~helix.world.kernel_cache.Compiled`: on the first run
after an install a helper compiles them on another core while the mechanisms run their NumPy
code)."""


def ready() -> bool:
    """Whether the mechanisms run these passes now; if not, they run their NumPy code, which
    gives the same numbers."""
    return compiled(kernels.USE_NUMBA)
