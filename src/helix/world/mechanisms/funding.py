"""Venture capital: funds place money by city and sector, firms raise staged rounds.

Candidates: living private firms whose last round (or founding) is at least
``months_between_rounds`` old. A VC-backed firm that has gone ``stale_months`` without a new
round is written off by investors (the "living dead" of Ruhnka, Feldman & Dean 1992): it goes on
running on its own revenue, may still be acquired or list, but raises no more.

Milestones decide the round; the value's own luck moves its price (Cochrane 2005):

    M = ℓ·(a - a_prev) + τ·clip(ln(1+Y/E) - ln(1+Y_prev/E_prev), ±3)     (milestones)
    surprise = M - ε_prev + ε,  ε = σ_d·e   (the fund's reading; fundable if ≥ the hurdle)
    ln V_pre = ln V_prev + μ·Δt + (M - M̄) + σ·√Δt·z                   (the price)

(Δt in years; a first round starts from the seed valuation and uses the gap to local practice
for a - a_prev), ℓ loading the productivity gained and τ the growth of revenue per settled
employee (traction; revenue bought by hiring on the last round's money is priced in, and hires
still ramping up are not counted), e, z ~ N(0,1) independent, M̄ the month's mean milestones of
VC-backed candidates (the last price already paid for the expected progress). ε_prev is the
reading error of the round that last funded the firm (0 before its first): each round reads
the progress against what the last round believed, so
that round's error comes out (Jovanovic 1982's learning); the seed is read with a larger error
σ_seed (no product or revenue yet), drawn once at the first pitch and kept for the later seed
pitches (a startup's story), which makes the step after the seed the most selective.
μ = 0.15 and σ = 0.9 a year are Cochrane's selection-corrected moments of the value of all
VC-backed firms; the hurdle selects on milestones, so it is no floor under the step-ups.
A round sells a share δ of the firm, falling from ~22% at seed to ~10% in late rounds (Kaplan &
Strömberg 2003; Carta): raise = δ·V_pre/(1-δ).

Each fund f deploys a share of its dry powder each month (scaled by VC sentiment) over cells
(city c, sector s) in proportion to

    taste[f,s] · h^[c = home f] · b^[border crossed] · (t[home f, c] + t₀)^(-ε) · v[c,s] · D[c,s]·Q[c,s]^q

t the travel time (Sorenson & Stuart 2001: deal probability ~ distance^-0.3), v the VC
sentiment of the cell (1 but in a downturn), D the deal flow
(candidates above the hurdle: partners' attention goes where the deals are) and Q the mean
quality of the cell's candidates (funds follow good pipelines). A deal needs a
surprise (milestones plus due-diligence error) of at least the hurdle; a turned-down firm pitches
again after ``months_between_pitches``. Within a cell,
deals are ranked by their surprise (funds back the most promising firms: this selection is
why observed round-to-round returns are higher than the drift) and funded while the cell's
money lasts (Bergemann, Hege & Peng 2009: staged financing), so more money reaches deeper into
the ranking (money chasing deals, Gompers & Lerner 2000). Firms passing $1B become unicorns.
Funds' money comes from yearly fundraising per city, which follows the value its VC-backed firms
created over the past year (markups and exit proceeds) against the first year,
F_c(t) = F_c,0·(V_c,12m(t)/V_c,first year)^φ (Gompers & Lerner 1998; Kaplan & Schoar 2005), and
from recycled exit proceeds (see ``exits``);
capital a private fund has not invested goes back to its investors at ``expiry`` a month.
State money moves private money: each private fund's offer to a cell is multiplied by
m(s) = max(1 + κ·s·(1 - s/s*), 0), s the state's share of the money offered there (crowding in
at moderate shares, out past s*: Brander, Du & Hellmann 2015; Lerner 2009).
Government guidance funds (policy kind ``guidance_fund``, e.g. Shanghai's 2021 industrial funds
for chips, biomedicine and AI) are funds that receive their committed capital when the policy
starts, invest only in their city and sectors (a national fund, e.g. the national chip fund, in
every Chinese city by deal flow and quality: state money goes where the industry is; a city's
withdrawal of support stops its own funds, not the national ones), and count as government
support as well as VC.
A VC downturn lowers funds' appetite for the sectors it hits (sentiment), so money moves to
other sectors and less is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helix.world import fused, kernels
from helix.world.catalogue import UNICORN_USD
from helix.world.parameters import Funding
from helix.world.setting import Levers, Setting
from helix.world.state import NEVER, STAGE_PUBLIC, World


def plan_budget(
    setting: Setting, world: World, revenue: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What a VC-backed firm's plan lets it spend this month, and which firms have a plan.

    B = Y + b: revenue plus the planned burn b = min(b₀, cash / m_cut), b₀ fixed at the last
    round (the cash after the round over ``round_runway_months``). The firm spends at b₀ while
    its cash covers ``cut_runway_months`` of it; after that, with no new round yet, it stretches
    what is left over ``cut_runway_months`` (the burn falls with the cash), so its team is cut
    toward what its revenue and the smaller burn pay for (a startup whose next round is late
    cuts its burn and tries to reach profitability on what it has: investors' patience, Puri &
    Zarutskie 2012; the cut rule is an assumption). A firm whose revenue per head does not
    cover its cost per head keeps losing and fails when the cash is gone; one whose does
    becomes self-sustaining. On plan: a private firm with a round within ``stale_months`` (a
    firm investors have written off has no plan) and cash left.
    """
    p = setting.params.funding
    f = world.firms
    stage = f.view("stage")
    since = world.step - f.view("last_round")
    cash = f.view("cash")
    burn = np.minimum(f.view("planned_burn"), np.maximum(cash, 0.0) / p.cut_runway_months)
    backed = (
        f.view("alive")
        & (stage >= 1)
        & (stage < STAGE_PUBLIC)
        & (since < p.stale_months)
        & (cash > 0)
    )
    return np.where(backed, revenue + burn, 0.0), backed


def crowding(p: Funding, offer: np.ndarray, state_owned: np.ndarray) -> np.ndarray:
    """Multiplier on private funds' offers per (city, sector) from the state's share of them.

    m(s) = max(1 + κ·s·(1 - s/s*), 0), s the guidance funds' share of the money offered to the
    cell this month, κ ``state_certification`` and s* ``crowd_out_share``. A moderate state
    share certifies the cell's deals and fills gaps, so private funds offer more (crowding in,
    largest at s = s*/2); past s* the state takes deals private funds would have done and they
    offer less (crowding out). Brander, Du & Hellmann (2015): moderate government VC alongside
    private VC raises total investment, large shares crowd out; Lerner (2009). On top of this,
    state money displaces private money mechanically within a cell whose deals are fewer than
    its money (every fund's offer is used in the same proportion).
    """
    state = offer[state_owned].sum(axis=0)
    total = offer.sum(axis=0)
    share = np.divide(state, total, out=np.zeros_like(total), where=total > 0)
    return np.maximum(1.0 + p.state_certification * share * (1.0 - share / p.crowd_out_share), 0.0)


def add_value_created(setting: Setting, world: World, city: np.ndarray, usd: np.ndarray) -> None:
    """Book VC value created this month (markups, exit proceeds) for the firms' cities."""
    created = world.flows.value_created
    world.flows.value_created = created + np.bincount(city, weights=usd, minlength=setting.n_cities)


def track_record_factor(setting: Setting, world: World) -> np.ndarray:
    """Multiplier on each city's fundraising: value created in the past year over the first.

    Updated from last month's value created; 1 during the first year.
    """
    nc = setting.n_cities
    if world.track_record is None:
        world.track_record = np.zeros((12, nc))
    last = world.flows.value_created
    world.flows.value_created = np.zeros(nc)  # this month's starts here
    if world.step > 0:
        world.track_record = np.concatenate([world.track_record[1:], last[None]])
    if world.step == 12:
        world.track_record_first_year = world.track_record.sum(axis=0)
    first = world.track_record_first_year
    if first is None:
        return np.ones(nc)
    ratio = world.track_record.sum(axis=0) / np.maximum(first, 1.0)
    elasticity = setting.params.funding.performance_elasticity
    return np.where(first > 0, np.clip(ratio, 0.1, 10.0) ** elasticity, 1.0)


@dataclass
class Pitches:
    """This month's pitching firms (``rows``, ascending) as the funds read them: whether each is
    pitching for its seed (``first``), its reading (``surprise``) and the reading's error, its
    last value, the log step of its value, the money its plan asks for (USD) and whether it
    clears the hurdle; per (city, sector) cell the fundable deals and the candidates' mean
    quality weight (cities x sectors), and the fundable plans' asks (flat, per cell)."""

    rows: np.ndarray
    first: np.ndarray
    surprise: np.ndarray
    error: np.ndarray
    previous: np.ndarray
    value_step: np.ndarray
    plan_usd: np.ndarray
    fundable: np.ndarray
    deal_flow: np.ndarray
    mean_quality: np.ndarray
    ask: np.ndarray


def invest(setting: Setting, world: World, levers: Levers, rng: np.random.Generator) -> None:
    """Run this month's VC market."""
    p = setting.params.funding
    f = world.firms
    funds = world.funds
    nc, ns = setting.n_cities, setting.n_sectors
    compiled = fused.ready()  # the same numbers from compiled passes (``helix.world.fused``)
    rows = _pitching_compiled(setting, world) if compiled else _pitching(setting, world)

    # Fundraising arrives whatever the pipeline; guidance funds get their capital when they open.
    home = funds.home
    private = ~funds.state_owned
    per_fund = setting.city_fundraising_usd[home] / np.maximum(
        np.bincount(home[private], minlength=nc)[home], 1
    )
    # A fund's appetite: its sector tastes weighted by the sentiment at home.
    appetite = (funds.sector_taste * levers.vc_sentiment[home]).sum(axis=1)
    funds.dry_powder_usd += np.where(
        private, per_fund * appetite * track_record_factor(setting, world)[home], 0.0
    )
    # Guidance funds are paid their commitment in equal monthly instalments from their opening.
    months_in = max(round(12 * p.guidance_paid_in_years), 1)
    since_open = world.step - funds.opens
    paying = funds.state_owned & (since_open >= 0) & (since_open < months_in)
    funds.dry_powder_usd += np.where(paying, funds.commitment_usd / months_in, 0.0)
    funds.dry_powder_usd *= 1.0 - np.where(private, p.expiry, 0.0)

    if len(rows) == 0:  # the month's flows stay at zero
        return

    read = (_read_pitches_compiled if compiled else _read_pitches)(setting, world, rows, rng)
    first, surprise = read.first, read.surprise
    pipeline = read.deal_flow * read.mean_quality**p.quality_elasticity

    minutes = levers.city_minutes[home]  # funds x cities
    distance = (minutes + p.min_minutes) ** (-p.distance_elasticity)
    at_home = np.arange(nc)[None, :] == home[:, None]
    bias = np.where(at_home, p.home_bias, 1.0)
    border = np.where(
        setting.city_china[home][:, None] != setting.city_china[None, :], p.cross_border_factor, 1.0
    )
    # Guidance funds invest only at home (national ones anywhere in China, with no home bias or
    # distance), and a city's own not at all once it has withdrawn its support.
    private_reach = distance * bias * border
    state_reach = np.where(funds.national[:, None], setting.city_china[None, :], at_home)
    reach = np.where(funds.state_owned[:, None], state_reach, private_reach)
    weight = (
        reach[:, :, None] * funds.sector_taste[:, None, :] * (levers.vc_sentiment * pipeline)[None]
    )
    total = weight.sum(axis=(1, 2))
    # A city's withdrawal of support stops its own guidance funds; a national fund answers to the
    # central government, so it goes on investing (also in a city that withdrew its support).
    active = ~(funds.state_owned & ~funds.national & levers.withdrawn[home])
    deploy = p.deploy_share * funds.dry_powder_usd * appetite * active
    # A fund with no deal in reach offers nothing (0/0, and a large fund's deploy/1e-300 is inf).
    per_weight = np.divide(deploy, total, out=np.zeros_like(deploy), where=total > 0)
    offer = weight * per_weight[:, None, None]  # funds x cities x sectors
    offer[private] *= crowding(p, offer, funds.state_owned)[None]
    budget = offer.sum(axis=0)

    # Money chasing deals: valuations answer the money offered over the money the cell's
    # fundable plans ask for (Gompers & Lerner 2000). A plan the valuation cannot carry at
    # max_dilution is cut to it.
    ask = read.ask
    supply = np.where(ask > 0, np.clip(budget.ravel() / np.maximum(ask, 1e-300), 0.1, 10.0), 1.0)
    # Deals above the bar that the cell's money could pay for, best first, while it lasts. A
    # round is whole while a cell's money shrinks with the run's scale s: a firm of a run at scale
    # s stands for 1/s firms like it spread over its rank, and is tested as the middle one of
    # them would be in the whole world, at (1 + s)/2 of its raise after the better-ranked deals
    # (``kernels.ranked_allocation``; 1 at scale 1). With the whole raise a half-size run turned
    # down the large late rounds that make unicorns too often (docs/model.md §2.9).
    own_weight = (1.0 + setting.scale) / 2.0
    pre_money, raise_usd, dilution, affordable = (_price_compiled if compiled else _price)(
        setting, world, read, supply, budget.ravel(), own_weight
    )
    previous, error = read.previous, read.error
    pool_rows = np.flatnonzero(affordable)
    funded = pool_rows[
        kernels.ranked_allocation(
            _cells(setting, world, rows[pool_rows]),
            surprise[pool_rows],
            raise_usd[pool_rows],
            budget.ravel(),
            own_weight=own_weight,
        )
    ]
    funded_cell = _cells(setting, world, rows[funded])
    invested = np.bincount(funded_cell, weights=raise_usd[funded], minlength=nc * ns).reshape(
        nc, ns
    )
    used = np.where(budget > 0, invested / np.maximum(budget, 1e-300), 0.0)
    spent = offer * used[None]
    funds.dry_powder_usd -= spent.sum(axis=(1, 2))
    funds.invested_in_city_usd += spent.sum(axis=2)

    deals = np.bincount(funded_cell, minlength=nc * ns).reshape(nc, ns).astype(float)
    from_home = np.stack([spent[home == k, k, :].sum(axis=0) for k in range(nc)])
    away_share = 1.0 - from_home / np.maximum(spent.sum(axis=0), 1e-300)
    state = spent[funds.state_owned].sum(axis=0)  # cities x sectors
    world.flows.vc_total = invested
    world.flows.vc_invested = np.maximum(invested - state, 0.0)
    world.flows.state_vc = state.sum(axis=1)
    world.flows.deals = deals
    world.flows.cross_city_deals = (deals * np.clip(away_share, 0.0, 1.0)).sum(axis=1)

    # A turned-down VC-backed firm keeps the bad news: its value is marked down to the pre-money
    # investors saw (never up without a round), so pitching again does not redraw from the old
    # value and the value process persists between rounds as in Cochrane (2005).
    turned_down = np.ones(len(rows), bool)
    turned_down[funded] = False
    down = rows[turned_down & ~first]
    f.valuation_usd[down] = np.minimum(f.valuation_usd[down], pre_money[turned_down & ~first])

    idx = rows[funded]
    post = pre_money[funded] + raise_usd[funded]
    markup = np.where(
        f.stage[idx] > 0, (pre_money[funded] - previous[funded]) * f.vc_share[idx], 0.0
    )
    add_value_created(setting, world, f.city[idx], markup)
    f.cash[idx] += raise_usd[funded] * p.usd_yuan
    f.vc_raised[idx] += raise_usd[funded] * p.usd_yuan
    f.planned_burn[idx] = np.maximum(f.cash[idx], 0.0) / p.round_runway_months
    f.stage[idx] = np.minimum(f.stage[idx] + 1, STAGE_PUBLIC - 1)
    f.last_round[idx] = world.step
    f.productivity_at_round[idx] = f.productivity[idx]
    f.revenue_at_round[idx] = f.revenue[idx]
    f.employees_at_round[idx] = f.employees[idx] - f.ramping[idx]
    f.reading_error[idx] = error[funded]
    f.valuation_usd[idx] = post
    f.vc_share[idx] = 1.0 - (1.0 - f.vc_share[idx]) * (1.0 - dilution[funded])
    world.record("funded", idx, raise_usd[funded])
    crowned = idx[(post >= UNICORN_USD) & ~f.unicorn[idx]]
    f.unicorn[crowned] = True
    world.record("unicorn", crowned, f.valuation_usd[crowned])


def _cells(setting: Setting, world: World, rows: np.ndarray) -> np.ndarray:
    """The (city, sector) cell of each of the firms at ``rows``, as a flat index."""
    return world.firms.city[rows] * setting.n_sectors + world.firms.sector[rows]


def _pitching(setting: Setting, world: World) -> np.ndarray:
    """Rows of the living private firms whose last round (or founding) is old enough, whose
    last pitch is far enough back, and that investors have not written off."""
    p = setting.params.funding
    f = world.firms
    stage = f.view("stage")
    since = world.step - np.where(stage > 0, f.view("last_round"), f.view("born"))
    pitched = world.step - f.view("last_pitch")
    candidate = (
        f.view("alive")
        & (stage < STAGE_PUBLIC)
        & (since >= p.months_between_rounds)
        & (pitched >= p.months_between_pitches)
        & ((stage == 0) | (since < p.stale_months))
    )
    return np.flatnonzero(candidate)


def _pitching_compiled(setting: Setting, world: World) -> np.ndarray:
    """:func:`_pitching` as one compiled pass (the same rows)."""
    p = setting.params.funding
    f = world.firms
    return fused.pitching(
        world.step,
        f.view("alive"),
        f.view("stage"),
        f.view("last_round"),
        f.view("born"),
        f.view("last_pitch"),
        STAGE_PUBLIC,
        p.months_between_rounds,
        p.months_between_pitches,
        p.stale_months,
    )


def _read_pitches(
    setting: Setting, world: World, rows: np.ndarray, rng: np.random.Generator
) -> Pitches:
    """How the funds read the pitching firms at ``rows``; marks them as having pitched."""
    p = setting.params.funding
    f = world.firms
    nc, ns = setting.n_cities, setting.n_sectors
    stage = f.view("stage")
    since = world.step - np.where(stage > 0, f.view("last_round"), f.view("born"))
    first = stage[rows] == 0
    years = np.where(first, 1.0, since[rows] / 12.0)
    a = f.productivity[rows]
    quality = np.where(
        first,
        a - world.practice[f.district[rows], f.sector[rows]],
        a - f.productivity_at_round[rows],
    )
    # Traction per head: revenue bought by hiring on the last round's money is priced in. The
    # heads are the settled staff: investors know that hires still ramping up (``operations``)
    # do not bring in revenue yet, and a plan that hires on schedule is not read as a stall.
    per_head = np.maximum(f.employees[rows] - f.ramping[rows], 1.0)
    per_head_then = np.maximum(f.employees_at_round[rows], 1.0)
    traction = np.where(
        first,
        0.0,
        np.log1p(f.revenue[rows] / per_head) - np.log1p(f.revenue_at_round[rows] / per_head_then),
    )
    # Milestones decide the round: the fund reads the productivity gained and the traction (with
    # a due-diligence error) and invests above its hurdle. The price follows the firm's value,
    # which loads on the same milestones and moves with its own luck (Cochrane 2005's value
    # process); that luck is not what the fund selects on, so a hurdle that rations deals is
    # not a floor under every step-up.
    milestones = p.quality_loading * quality + p.traction_loading * np.clip(traction, -3.0, 3.0)
    # A startup's story (its team and plan as seed investors read them, with no product or
    # revenue to go on) is read once, at its first pitch, and sticks: funds talk, and a deal
    # turned down is not a fresh lottery at the next pitch. Later rounds are read afresh with
    # a smaller error. The evidence then replaces the story: the last round bought the firm on
    # its reading, so this round reads the progress against it and the last error comes out as
    # a shortfall or a windfall (passive learning, Jovanovic 1982), which makes the step from
    # seed to the next round the most selective (the "Series A crunch").
    fresh = rng.standard_normal(len(rows))
    last_reading = f.reading_error[rows]  # a startup's story before its seed, else the last round's
    new_story = first & (f.last_pitch[rows] == NEVER)
    story = np.where(new_story, p.seed_diligence_sd * fresh, last_reading)
    error = np.where(first, story, p.diligence_sd * fresh)
    f.reading_error[rows[first]] = story[first]
    surprise = milestones + np.where(first, story, error - last_reading)
    luck = p.step_sd * np.sqrt(years) * rng.standard_normal(len(rows))
    # The last round's price already paid for the progress investors expected: the value moves
    # with the milestones beyond the month's mean among VC-backed candidates (the news), so the
    # value of VC-backed firms grows by μ a year on average as in Cochrane (2005), and firms
    # funded for clearing the hurdle step up only by how far they beat their peers.
    follow = ~first
    expected = milestones[follow].mean() if follow.any() else 0.0
    step = np.where(first, 0.0, p.step_mean * years + milestones - expected + luck)
    seed_pre = p.seed_valuation_usd * (1 - p.dilution_by_stage[0])
    previous = np.where(first, seed_pre, f.valuation_usd[rows])
    f.last_pitch[rows] = world.step
    c, s = f.city[rows], f.sector[rows]
    # The plan: the round pays the net burn of the stage's team (or today's, if larger) for the
    # runway: its costs at today's cost per employee less today's revenue.
    team = np.asarray(p.planned_team_by_stage)[np.minimum(stage[rows], 4)]
    emp = np.maximum(f.employees[rows], 1.0)
    per_employee = np.where(
        f.costs[rows] > 0,
        f.costs[rows] / emp,
        world.talent.wage[c] * (1.0 + setting.params.growth.other_costs),
    )
    plan_costs = np.maximum(team, emp) * per_employee
    plan_usd = p.round_runway_months * np.maximum(plan_costs - f.revenue[rows], 0.0) / p.usd_yuan
    cell = c * ns + s
    fundable = (surprise >= p.hurdle) & (plan_usd > 0)  # a firm its revenue pays for asks for none
    deal_flow = np.bincount(cell, weights=fundable, minlength=nc * ns).reshape(nc, ns)
    mean_quality = np.bincount(
        cell, weights=np.exp(np.clip(surprise, -5, 5)), minlength=nc * ns
    ).reshape(nc, ns) / np.maximum(np.bincount(cell, minlength=nc * ns).reshape(nc, ns), 1)
    ask = np.bincount(cell, weights=plan_usd * fundable, minlength=nc * ns)
    return Pitches(
        rows,
        first,
        surprise,
        error,
        previous,
        step,
        plan_usd,
        fundable,
        deal_flow,
        mean_quality,
        ask,
    )


def _read_pitches_compiled(
    setting: Setting, world: World, rows: np.ndarray, rng: np.random.Generator
) -> Pitches:
    """:func:`_read_pitches` as compiled passes (the same numbers, the same draws in the same
    order): a few arrays over the pitching firms instead of a few dozen."""
    p = setting.params.funding
    f = world.firms
    nc, ns = setting.n_cities, setting.n_sectors
    m = len(rows)
    log_now, log_then = np.empty(m), np.empty(m)
    fused.traction_ratios(
        rows,
        f.employees,
        f.ramping,
        f.employees_at_round,
        f.revenue,
        f.revenue_at_round,
        log_now,
        log_then,
    )
    np.log1p(log_now, out=log_now)
    np.log1p(log_then, out=log_then)
    fresh = rng.standard_normal(m)
    luck = rng.standard_normal(m)
    first = np.empty(m, np.bool_)
    milestones, surprise, error = np.empty(m), np.empty(m), np.empty(m)
    fused.readings(
        world.step,
        rows,
        f.stage,
        f.last_round,
        f.born,
        f.productivity,
        np.ascontiguousarray(world.practice),
        f.district,
        f.sector,
        f.productivity_at_round,
        f.reading_error,
        f.last_pitch,
        log_now,
        log_then,
        fresh,
        NEVER,
        float(p.quality_loading),
        float(p.traction_loading),
        float(p.seed_diligence_sd),
        float(p.diligence_sd),
        first,
        milestones,
        surprise,
        error,
    )
    follow = ~first
    expected = milestones[follow].mean() if follow.any() else 0.0
    del log_then, fresh
    quality_weight = np.clip(surprise, -5, 5, out=log_now)
    np.exp(quality_weight, out=quality_weight)
    value_step, previous, plan_usd = np.empty(m), np.empty(m), np.empty(m)
    fundable = np.empty(m, np.bool_)
    deal_flow, count, quality, ask = fused.asks(
        world.step,
        rows,
        first,
        f.stage,
        f.last_round,
        f.born,
        milestones,
        surprise,
        quality_weight,
        luck,
        float(expected),
        f.valuation_usd,
        f.last_pitch,
        f.employees,
        f.costs,
        f.revenue,
        f.city,
        f.sector,
        np.ascontiguousarray(world.talent.wage),
        1.0 + setting.params.growth.other_costs,
        np.asarray(p.planned_team_by_stage, dtype=float),
        p.seed_valuation_usd * (1 - p.dilution_by_stage[0]),
        float(p.step_mean),
        float(p.step_sd),
        float(p.round_runway_months),
        float(p.usd_yuan),
        float(p.hurdle),
        ns,
        nc * ns,
        value_step,
        previous,
        plan_usd,
        fundable,
    )
    mean_quality = quality.reshape(nc, ns) / np.maximum(count.reshape(nc, ns), 1)
    return Pitches(
        rows,
        first,
        surprise,
        error,
        previous,
        value_step,
        plan_usd,
        fundable,
        deal_flow.reshape(nc, ns),
        mean_quality,
        ask,
    )


def _price(
    setting: Setting,
    world: World,
    read: Pitches,
    supply: np.ndarray,
    budget: np.ndarray,
    own_weight: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each pitching firm's pre-money value (USD), the round it would raise, the share of the
    firm it would sell, and whether its cell's money (``budget``, flat) could pay for it."""
    p = setting.params.funding
    cell = _cells(setting, world, read.rows)
    pre_money = read.previous * np.exp(read.value_step) * supply[cell] ** p.supply_elasticity
    raise_usd = np.minimum(read.plan_usd, p.max_dilution / (1.0 - p.max_dilution) * pre_money)
    # 0/0 only where a firm has no value and raises nothing (max_dilution 0): it sells nothing.
    total = pre_money + raise_usd
    dilution = np.divide(raise_usd, total, out=np.zeros_like(raise_usd), where=total > 0)
    affordable = read.fundable & (own_weight * raise_usd <= budget[cell])
    return pre_money, raise_usd, dilution, affordable


def _price_compiled(
    setting: Setting,
    world: World,
    read: Pitches,
    supply: np.ndarray,
    budget: np.ndarray,
    own_weight: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_price` as one compiled pass (the same numbers)."""
    p = setting.params.funding
    f = world.firms
    m = len(read.rows)
    growth = np.exp(read.value_step)
    pre_money, raise_usd, dilution = np.empty(m), np.empty(m), np.empty(m)
    affordable = np.empty(m, np.bool_)
    fused.prices(
        read.rows,
        f.city,
        f.sector,
        setting.n_sectors,
        read.previous,
        growth,
        supply**p.supply_elasticity,
        read.plan_usd,
        read.fundable,
        np.ascontiguousarray(budget),
        p.max_dilution / (1.0 - p.max_dilution),
        float(own_weight),
        pre_money,
        raise_usd,
        dilution,
        affordable,
    )
    return pre_money, raise_usd, dilution, affordable
