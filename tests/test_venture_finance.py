"""Venture finance with stages and burn, on the tiny world: money spent becomes payroll and R&D,
a bigger round means more hiring, a funded firm with no cash and no round fails (or is sold for
little), guidance funds are paid in over years, and private plus state VC is the total."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from helix.world.mechanisms.exits import exit_firms
from helix.world.mechanisms.funding import crowding, invest
from helix.world.mechanisms.knowledge import density_multiplier
from helix.world.mechanisms.operations import operate
from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.rd import rd_spending
from helix.world.parameters import Funding
from helix.world.state import EVENT_CODE, STAGE_PUBLIC


def _month_of_operations(setting, world, seed: int):
    """R&D and operations of one month on ``world`` (in place); returns the R&D spending."""
    lev = levers(setting, world.step)
    rd = rd_spending(setting, lev, world)
    operate(
        setting, world, lev, rd, density_multiplier(setting, world), np.random.default_rng(seed)
    )
    return rd


def _on_plan(world) -> np.ndarray:
    f = world.firms
    stage = f.view("stage")
    return np.flatnonzero(
        f.view("alive")
        & (stage >= 1)
        & (stage < STAGE_PUBLIC)
        & (world.step - f.view("last_round") < 24)
        & (f.view("cash") > f.view("planned_burn") * 13)  # above the cut (12 months by default)
    )


def test_a_bigger_round_means_more_hiring_and_more_rd(tiny_world):
    """Same firms, same draws: with twice the planned burn (and the cash to pay for it), a
    VC-backed firm's plan pays for a larger team, so it hires more and spends more on R&D;
    the money that leaves its cash is the extra payroll, R&D and other spending."""
    setting, world, _ = tiny_world(months=18)
    world.step = 18
    rows = _on_plan(world)
    assert len(rows) >= 5
    rich = copy.deepcopy(world)
    rich.firms.planned_burn[rows] *= 2.0
    rich.firms.cash[rows] += world.firms.planned_burn[rows] * 30
    emp0 = world.firms.employees[rows].copy()
    rd_base = _month_of_operations(setting, world, 7)
    rd_rich = _month_of_operations(setting, rich, 7)
    hired_base = world.firms.employees[rows] - emp0
    hired_rich = rich.firms.employees[rows] - emp0
    # In total (hires are rationed by one city-wide fill rate, so not firm by firm).
    assert hired_rich.sum() > hired_base.sum()
    assert rd_rich.real[rows].sum() > rd_base.real[rows].sum()
    spent_base = world.firms.costs[rows].sum()
    spent_rich = rich.firms.costs[rows].sum()
    assert spent_rich > spent_base


def test_money_spent_becomes_payroll_and_rd(tiny_world):
    """A VC-backed firm on plan spends its planned burn beyond last month's revenue, as payroll,
    rent, R&D and other spending ahead; its cash falls by exactly its costs less revenue and
    support."""
    setting, world, _ = tiny_world(months=18)
    world.step = 18
    rows = _on_plan(world)
    f = world.firms
    cash0 = f.cash[rows].copy()
    support0 = f.support[rows].copy()
    revenue0 = f.revenue[rows].copy()
    burn = f.planned_burn[rows].copy()
    emp0 = f.employees[rows].copy()
    rd = _month_of_operations(setting, world, 3)
    support = f.support[rows] - support0
    assert np.allclose(cash0 - f.cash[rows], f.costs[rows] - f.revenue[rows] - support)
    wages = emp0 * world.talent.wage[f.city[rows]]  # costs are paid on the month's opening team
    payroll = wages * (1.0 + setting.params.growth.other_costs) + f.rent_paid[rows]
    # Revenue pays for the plan only up to the running costs (of which payroll is a part), so
    # costs reach at least the burn plus the smaller of revenue and payroll (up to this month's
    # rent moves: the plan is drawn on last month's rent).
    assert (f.costs[rows] >= 0.98 * (np.minimum(revenue0, payroll) + burn)).all()
    assert np.allclose(f.costs[rows], payroll + rd.real[rows] + rd.other_ahead[rows])
    ahead = rd.other_ahead[rows]
    share = setting.params.rd.plan_share
    assert (ahead > 0).any() and (rd.other_ahead >= 0).all()
    # The plan's R&D share goes to R&D on top of the R&D that follows payroll.
    assert (rd.real[rows] >= share / (1 - share) * ahead - 1e-6).all()


@pytest.mark.parametrize("sale_share", [0.0, 1.0])
def test_a_funded_firm_with_no_cash_and_no_round_fails_or_is_sold_for_little(
    tiny_world, sale_share
):
    setting, world, _ = tiny_world(
        [
            f"parameters.exits.distress_sale_share={sale_share}",
            "parameters.exits.acquisition_rate=0",
        ],
        months=18,
    )
    world.step = 18
    rows = _on_plan(world)
    f = world.firms
    broke = rows[:3]
    f.cash[broke] = -1.0
    valuation = f.valuation_usd[broke].copy()
    others = rows[3:]
    exit_firms(setting, world, np.random.default_rng(0))
    assert not f.alive[broke].any()
    assert f.alive[others].all()

    def ids_of(event: str) -> np.ndarray:
        batches = [ids for _, code, ids, *_ in world.events if code == EVENT_CODE[event]]
        return np.concatenate(batches) if batches else np.zeros(0, np.int64)

    acquired, failed = ids_of("acquired"), ids_of("failed")
    ids = f.id[broke]
    if sale_share == 0.0:
        assert np.isin(ids, failed).all()
    else:
        # Sold to the sector's leader for a small share of the last valuation (where the cell
        # has a leader other than the firm itself; the others fail).
        sold = np.isin(ids, acquired)
        assert sold.any()
        prices = [
            amount
            for _, code, eids, _, _, amounts, *_ in world.events
            if code == EVENT_CODE["acquired"]
            for eid, amount in zip(eids, amounts, strict=True)
            if eid in set(ids[sold].tolist())
        ]
        share = setting.params.exits.distress_price_share
        assert np.allclose(sorted(prices), sorted(share * valuation[sold]))


def test_guidance_funds_are_paid_in_over_years(tiny_world):
    """The tiny world's guidance fund (2021-01, step 12) receives its commitment in equal
    monthly instalments over ``guidance_paid_in_years``, not as one lump."""
    setting, world, _ = tiny_world(["parameters.funding.guidance_paid_in_years=2"], months=12)
    funds = world.funds
    state = np.flatnonzero(funds.state_owned)
    assert len(state) == 1
    k = state[0]
    assert funds.opens[k] == 12
    paid = 0.0
    for month in range(12, 12 + 30):
        world.step = month
        invested = funds.invested_in_city_usd[k].sum()
        before = funds.dry_powder_usd[k]
        invest(setting, world, levers(setting, month), np.random.default_rng(month))
        paid += funds.dry_powder_usd[k] - before + (funds.invested_in_city_usd[k].sum() - invested)
        if month == 12:
            assert paid == pytest.approx(funds.commitment_usd[k] / 24, rel=1e-9)
    assert paid == pytest.approx(funds.commitment_usd[k], rel=1e-9)


def test_private_and_state_vc_add_up_to_the_total(tiny_world):
    setting, world, _ = tiny_world(months=20)
    state = 0.0
    for month in range(20, 32):
        world.step = month
        invest(setting, world, levers(setting, month), np.random.default_rng(month))
        fl = world.flows
        assert (fl.vc_invested >= 0).all()
        assert np.allclose(fl.vc_total.sum(axis=1), fl.vc_invested.sum(axis=1) + fl.state_vc)
        state += fl.state_vc.sum()
    assert state > 0


def test_a_round_is_sized_to_the_plan(tiny_world):
    """Longer planned runways mean larger rounds: the same month's VC market with a runway of
    30 months instead of 15 places more money per round."""
    per_round = []
    for months in (15, 30):
        setting, world, _ = tiny_world(
            [
                f"parameters.funding.round_runway_months={months}",
                "parameters.funding.max_dilution=0.9",  # the plan, not the valuation, sizes it
            ],
            months=20,
        )
        money = deals = 0.0
        for month in range(20, 32):
            world.step = month
            invest(setting, world, levers(setting, month), np.random.default_rng(month))
            money += world.flows.vc_total.sum()
            deals += world.flows.deals.sum()
        assert deals > 0
        per_round.append(money / deals)
    assert per_round[1] > per_round[0]


def test_a_firm_whose_round_is_late_cuts_its_burn_and_its_team(tiny_world):
    """Same firms, same draws: with its cash down to a few months of planned burn, a VC-backed
    firm stretches it over ``cut_runway_months``: it spends less than its plan and lays off
    instead of hiring."""
    setting, world, _ = tiny_world(months=18)
    world.step = 18
    rows = _on_plan(world)
    assert len(rows) >= 5
    late = copy.deepcopy(world)
    late.firms.cash[rows] = 3.0 * world.firms.planned_burn[rows]
    broke = copy.deepcopy(world)
    broke.firms.cash[rows] = 0.1 * world.firms.planned_burn[rows]
    emp0 = world.firms.employees[rows].copy()
    for w in (world, late, broke):
        _month_of_operations(setting, w, 5)
    assert late.firms.costs[rows].sum() < world.firms.costs[rows].sum()
    hired = [(w.firms.employees[rows] - emp0).sum() for w in (world, late, broke)]
    assert hired[0] > hired[1] > hired[2]


def test_milestones_decide_the_round_not_luck(tiny_world):
    """With no due-diligence error, a firm is funded only if its milestones (productivity gained
    and traction since the last round) clear the hurdle, however large the value's luck; with no
    luck either, follow-on rounds price firms by their milestones (no money chasing deals)."""
    overrides = [
        "parameters.funding.diligence_sd=0",
        "parameters.funding.seed_diligence_sd=0",
        "parameters.funding.supply_elasticity=0",
        "parameters.funding.hurdle=0.05",
    ]
    spread = []
    for luck in (0.0, 3.0):
        setting, world, _ = tiny_world(
            [*overrides, f"parameters.funding.step_sd={luck}"], months=30
        )
        p = setting.params.funding
        f = world.firms
        world.step = 30
        n = f.n
        stage0 = f.stage[:n].copy()
        value0 = f.valuation_usd[:n].copy()
        years = (world.step - f.last_round[:n]) / 12.0
        per_head = np.maximum(f.employees[:n], 1.0)
        traction = np.log1p(f.revenue[:n] / per_head) - np.log1p(
            f.revenue_at_round[:n] / np.maximum(f.employees_at_round[:n], 1.0)
        )
        milestones = p.quality_loading * (
            f.productivity[:n] - f.productivity_at_round[:n]
        ) + p.traction_loading * np.clip(traction, -3, 3)
        invest(setting, world, levers(setting, 30), np.random.default_rng(4))
        follow_on = np.flatnonzero((f.last_round[:n] == 30) & (stage0 >= 1))
        assert len(follow_on) > 0
        assert (milestones[follow_on] >= p.hurdle - 1e-12).all()
        # The price: the value's step beyond its milestones is the same for every follow-on
        # (minus the peers' mean milestones) without luck, up to the round's own money
        # (post-money = pre-money plus at most max_dilution); with luck it spreads widely.
        post = f.valuation_usd[follow_on]
        beyond = (
            np.log(post / value0[follow_on])
            - p.step_mean * years[follow_on]
            - milestones[follow_on]
        )
        spread.append(beyond.max() - beyond.min())
    assert spread[0] <= -np.log(1 - setting.params.funding.max_dilution) + 1e-9
    assert spread[1] > 2.0


def test_the_next_round_reads_progress_against_the_last_rounds_reading(tiny_world):
    """The error with which the last round read a firm comes out at the next: the same
    candidates, the same draws, are all turned down when the last reading overstated them by
    far more than any milestones, and the funded ones store the error they were read with."""
    setting, world, _ = tiny_world(months=30)
    world.step = 30
    f = world.firms
    n = f.n
    follow = (f.view("stage") >= 1) & (f.view("stage") < STAGE_PUBLIC)
    funded = {}
    for overstated in (0.0, 50.0):
        w = copy.deepcopy(world)
        w.firms.reading_error[:n][follow] = overstated
        invest(setting, w, levers(setting, 30), np.random.default_rng(4))
        funded[overstated] = (w.firms.last_round[:n] == 30) & follow
        if overstated == 0.0:
            rows = np.flatnonzero(w.firms.last_round[:n] == 30)
            assert np.abs(w.firms.reading_error[rows]).max() > 0  # stored at the round
    assert funded[0.0].sum() > 0
    assert funded[50.0].sum() == 0


def test_the_seed_is_read_with_more_error_than_later_rounds():
    p = Funding()
    assert p.seed_diligence_sd > p.diligence_sd


@pytest.mark.parametrize(("share", "direction"), [(0.0, 0), (0.25, 1), (0.5, 0), (0.8, -1)])
def test_state_money_crowds_private_money_in_when_moderate_and_out_when_large(share, direction):
    """Private funds' offers to a cell answer the state's share of them: more at a moderate
    share (certification), less past ``crowd_out_share`` (Brander, Du & Hellmann 2015)."""
    p = Funding(state_certification=1.0, crowd_out_share=0.5)
    offer = np.array([[[share]], [[1.0 - share]]])  # funds x cities x sectors: state, private
    m = crowding(p, offer, np.array([True, False]))
    assert np.sign(np.round(m[0, 0] - 1.0, 12)) == direction


def test_more_certification_brings_more_private_money_where_the_state_invests(tiny_world):
    """On the tiny world, the same month's market with the guidance fund paying in: with
    crowding in, private funds offer more beside the state, so private money takes a larger
    share of what is invested in each cell where the state invests (the mix of cells moves with
    the money: more of it funds more deals where the state is)."""
    setting, world, _ = tiny_world(months=30)
    world.step = 30
    share, totals = [], []
    for k in (0.0, 5.0):
        w = copy.deepcopy(world)
        s = dataclasses.replace(
            setting,
            params=setting.params.model_copy(
                update={
                    "funding": setting.params.funding.model_copy(
                        update={"state_certification": k, "crowd_out_share": 1.0}
                    )
                }
            ),
        )
        invest(s, w, levers(s, 30), np.random.default_rng(30))
        assert w.flows.state_vc.sum() > 0
        share.append(w.flows.vc_invested / np.maximum(w.flows.vc_total, 1e-300))
        totals.append(w.flows.vc_total)
    with_state = (totals[0] > 0) & (totals[1] > 0) & ((share[0] < 1) | (share[1] < 1))
    assert with_state.any()
    assert (share[1][with_state] >= share[0][with_state] - 1e-12).all()
    assert share[1][with_state].mean() > share[0][with_state].mean()


def test_a_national_fund_goes_on_investing_when_its_home_city_withdraws_support(tiny_world):
    setting, world, _ = tiny_world(months=14)
    funds = world.funds
    k = np.flatnonzero(funds.state_owned)[0]
    spent = []
    for national in (False, True):
        w = copy.deepcopy(world)
        w.funds.national[k] = national
        before = w.funds.invested_in_city_usd[k].sum()
        for month in range(14, 20):
            w.step = month
            lev = levers(setting, month)
            lev.withdrawn[:] = True
            invest(setting, w, lev, np.random.default_rng(month))
        spent.append(w.funds.invested_in_city_usd[k].sum() - before)
    assert spent[0] == 0.0 and spent[1] > 0.0


def test_a_round_stores_the_settled_staff_for_the_next_rounds_traction(tiny_world):
    """With hires ramping up, investors read revenue per settled head: a round stores the staff
    not still ramping as the headcount the next round's traction is measured against."""
    setting, world, _ = tiny_world(["parameters.growth.hire_ramp_months=4"], months=30)
    world.step = 30
    f = world.firms
    n = f.n
    settled = f.view("employees") - f.view("ramping")
    invest(setting, world, levers(setting, 30), np.random.default_rng(4))
    funded = np.flatnonzero(f.last_round[:n] == 30)
    ramping = funded[f.ramping[funded] > 0]
    assert len(ramping) > 0
    assert np.allclose(f.employees_at_round[funded], settled[funded])
    assert (f.employees_at_round[ramping] < f.employees[ramping]).all()
