"""Research institutions that act, on the tiny world: a bigger budget means more staff, knowledge
and spin-offs; a contract moves money from a firm to a lab and speeds that firm; staff comes out
of the talent pool; spin-offs start in their institution's district and sector with their origin
recorded; a lab that opens later starts empty and grows."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from helix.world.mechanisms.contracts import contract_research
from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.rd import rd_spending
from helix.world.mechanisms.research import fund_and_staff
from helix.world.mechanisms.spinoffs import spin_off_firms
from helix.world.state import EVENT_CODE, ORIGIN_CODE


def _total_engineers(world) -> float:
    f = world.firms
    alive = f.view("alive")
    return float(
        world.talent.pool.sum()
        + world.talent.diaspora.sum()
        + f.view("employees")[alive].sum()
        + world.institutions.researchers.sum()
    )


def test_a_bigger_budget_means_more_staff_knowledge_and_output(tiny_world):
    setting, world, _ = tiny_world(months=6)
    rich = copy.deepcopy(world)
    lev = levers(setting, world.step)
    doubled = replace(lev, research_budget=lev.research_budget * 2.0)
    for _ in range(12):
        fund_and_staff(setting, world, lev)
        fund_and_staff(setting, rich, doubled)
    assert (rich.institutions.researchers > world.institutions.researchers).all()
    assert (rich.institutions.knowledge > world.institutions.knowledge).all()
    assert rich.flows.research_output.sum() > world.flows.research_output.sum()


def test_staff_comes_out_of_the_talent_pool(tiny_world):
    """Hiring researchers takes engineers out of the pool; nobody is created or lost."""
    setting, world, _ = tiny_world(months=3)
    lev = levers(setting, world.step)
    doubled = replace(lev, research_budget=lev.research_budget * 3.0)
    before = _total_engineers(world)
    pool = world.talent.pool.sum()
    fund_and_staff(setting, world, doubled)
    assert world.talent.pool.sum() < pool
    assert np.isclose(_total_engineers(world), before, rtol=1e-12)


def test_a_contract_moves_money_to_a_lab_and_speeds_the_firm(tiny_world):
    """With contracting on, firms near the photonics labs pay part of their R&D to them, the
    labs' income is what the firms paid, and those firms' R&D counts for more innovation."""
    setting, world, _ = tiny_world(months=6)
    lev = levers(setting, world.step)
    rd = rd_spending(setting, lev, world)
    boost = contract_research(setting, world, lev, rd.real)
    income = world.institutions.contract_income_yuan
    assert income.sum() > 0
    p = setting.params.research
    paid = (boost - 1.0) / p.contract_premium * rd.real
    assert np.isclose(income.sum(), paid.sum(), rtol=1e-9)
    contracting = paid > 0
    assert contracting.any() and (boost[contracting] > 1.0).all()
    # The share falls with distance from the labs: the firms nearest them contract the most.
    d = world.firms.view("district")
    near = np.isin(d, setting.research_district)
    alive = world.firms.view("alive")
    share = boost - 1.0
    assert share[near & alive].mean() > share[~near & alive].mean()
    # Next month the income is part of the labs' budgets.
    government = world.institutions.government_yuan * lev.research_budget
    fund_and_staff(setting, world, lev)
    assert np.allclose(world.institutions.budget_yuan, government + income)


def test_more_budget_and_tech_transfer_mean_more_spinoffs(tiny_world):
    """Spin-offs over two years of draws with the same random streams: a tech-transfer reform
    and a bigger budget each raise them."""
    setting, world, _ = tiny_world(months=6)
    lev = levers(setting, world.step)

    def spinoffs(lev_used, world_start, budget_months: int = 0) -> int:
        w = copy.deepcopy(world_start)
        rng = np.random.default_rng(3)
        born = 0
        for _ in range(24):
            fund_and_staff(setting, w, lev_used)
            n0 = w.firms.n
            spin_off_firms(setting, w, lev_used, rng)
            born += w.firms.n - n0
        return born

    base = spinoffs(lev, world)
    reform = spinoffs(replace(lev, spinoff_multiplier=lev.spinoff_multiplier * 5.0), world)
    funded = spinoffs(replace(lev, research_budget=lev.research_budget * 5.0), world)
    assert reform > base
    assert funded > base


def test_spinoffs_start_at_their_institution_with_their_origin(tiny_world):
    setting, world, _ = tiny_world(months=2)
    lev = levers(setting, world.step)
    lev = replace(lev, spinoff_multiplier=lev.spinoff_multiplier * 200.0)
    researchers = world.institutions.researchers.sum()
    n0 = world.firms.n
    world.events = []
    spin_off_firms(setting, world, lev, np.random.default_rng(1))
    rows = np.arange(n0, world.firms.n)
    assert len(rows) > 0
    f = world.firms
    which = f.institution[rows].astype(int) - 1
    assert (which >= 0).all()
    assert (f.district[rows] == setting.research_district[which]).all()
    assert (f.sector[rows] == setting.research_sector[which]).all()
    assert (f.origin[rows] == ORIGIN_CODE["spin-off"]).all()
    team = setting.params.research.spinoff_team
    assert np.isclose(researchers - world.institutions.researchers.sum(), team * len(rows))
    founded = [e for e in world.events if e[1] == EVENT_CODE["founded"]]
    assert founded and (founded[-1][6] == ORIGIN_CODE["spin-off"]).all()
    assert world.flows.spinoffs.sum() == len(rows)


def test_a_lab_opening_later_starts_empty_and_grows(tiny_scenario_of):
    from helix.world.schedule import Schedule
    from helix.world.simulation import prepare

    scenario = tiny_scenario_of(
        [
            'research.new-lab.district="Meadow"',
            'research.new-lab.sector="photonics"',
            "research.new-lab.researchers=300.0",
            'research.new-lab.start="2021-01"',
        ]
    )
    setting, world, rng = prepare(scenario)
    lab = setting.research_names.index("new-lab")
    assert world.institutions.researchers[lab] == 0
    schedule = Schedule(setting, world)
    staff = []
    for step in range(30):
        world.step = step
        schedule.step(world, rng)
        staff.append(world.institutions.researchers[lab])
    opens = 12  # 2021-01 in a world that starts in 2020-01
    assert setting.start_month % 12 == 0
    assert max(staff[:opens]) == 0
    assert staff[-1] > staff[opens] > 0


@pytest.mark.slow
def test_the_store_answers_where_spinoffs_came_from(cli, tmp_path):
    """One query on firm_events: spin-offs of an institution, in its sector (a tech-transfer
    reform makes them frequent enough on the tiny world)."""
    import duckdb

    db = tmp_path / "runs.duckdb"
    result = cli(
        "run",
        "tiny-corridor",
        "--db",
        db,
        "--no-report",
        "--set",
        'policies.reform.kind="tech_transfer"',
        "--set",
        'policies.reform.cities=["Alder"]',
        "--set",
        'policies.reform.start="2020-01"',
        "--set",
        "policies.reform.value=20.0",
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        (spun,) = con.execute(
            "SELECT count(*) FROM firm_events WHERE event = 'founded' AND origin = 'spin-off'"
            " AND institution = 'alder-photonics-institute' AND sector = 'photonics'"
        ).fetchone()
        origins = dict(
            con.execute(
                "SELECT origin, count(*) FROM firm_events WHERE event = 'founded' GROUP BY 1"
            ).fetchall()
        )
        (stray,) = con.execute(
            "SELECT count(*) FROM firm_events WHERE origin <> 'spin-off' AND institution IS NOT NULL"
        ).fetchone()
    assert spun > 0
    assert {"graduate", "corporate", "spin-off"} <= set(origins)
    assert stray == 0


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("research.alder-photonics-institute.start", '"2021-13"', "not a month"),
        ("research.alder-photonics-institute.budget_yuan", "-5", "greater than or equal to 0"),
    ],
)
def test_bad_research_input_is_one_line(cli, key, value, says):
    result = cli("run", "tiny-corridor", "--set", f"{key}={value}")
    assert result.exit_code == 2
    assert key in result.output and says in result.output
    assert "Traceback" not in result.output
