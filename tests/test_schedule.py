"""Invariants of every mechanism of the monthly schedule, checked after each one acts.

Each mechanism of the registry is wrapped (the real ``Schedule.step`` runs unchanged over the
wrapped entries) and after it returns the world is checked: it wrote no flow it does not
declare; no negative
headcount, rent, office stock, talent pool or dry powder; everything finite; dead firms empty;
and engineers (job seekers plus employees) conserved by every mechanism except the talent
market, which changes them by exactly graduates plus foreign arrivals minus attrition (and, in a
world without a global hub, plus returnees minus graduates going abroad).
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import replace

import numpy as np
import pytest

from helix.world.flows import CARRIED, FLOW_NAMES, Flows
from helix.world.parameters import Parameters
from helix.world.schedule import MECHANISMS, Mechanism, MonthContext, Schedule
from helix.world.simulation import prepare
from helix.world.state import World

# Mechanisms after which firms that ran out of cash have been taken out.
AFTER_EXITS = ("exits", "rents", "relocation")


def engineers(world: World) -> float:
    f = world.firms
    alive = f.view("alive")
    # Researchers are engineers too: institutions hire from and release to the pool.
    researchers = world.institutions.researchers.sum()
    return float(world.talent.pool.sum() + f.view("employees")[alive].sum() + researchers)


def check_world(world: World, where: str) -> None:
    f = world.firms
    n = f.n
    alive = f.view("alive")
    for name in f.columns():
        column = f.view(name)
        if column.dtype.kind == "f" and name != "valuation_usd":
            assert np.isfinite(column[alive]).all(), f"{where}: firms.{name} not finite"
    emp = f.view("employees")
    assert (emp[alive] > 0).all(), f"{where}: a living firm without employees"
    assert (emp[~alive] == 0).all(), f"{where}: a dead firm keeps employees"
    assert (f.view("cash")[~alive] == 0).all(), f"{where}: a dead firm keeps cash"
    assert len(np.unique(f.id[:n])) == n, f"{where}: firm ids not unique"
    assert (f.view("stage") >= 0).all() and (f.view("stage") <= 5).all()

    o = world.offices
    assert np.isfinite(o.rent_per_m2).all() and (o.rent_per_m2 > 0).all(), f"{where}: rent"
    assert (o.stock_m2 >= 0).all(), f"{where}: office stock"
    assert (o.buildable_m2 >= -1e-6).all(), f"{where}: buildable land"
    assert (o.pipeline_m2 >= 0).all(), f"{where}: construction pipeline"
    assert ((o.vacancy >= 0) & (o.vacancy <= 1)).all(), f"{where}: vacancy"

    t = world.talent
    assert np.isfinite(t.pool).all() and (t.pool >= 0).all(), f"{where}: talent pool {t.pool}"
    assert (t.diaspora >= 0).all(), f"{where}: diaspora"
    assert np.isfinite(t.wage).all() and (t.wage > 0).all(), f"{where}: wage"

    funds = world.funds
    assert (funds.dry_powder_usd >= -1e-6 * max(1.0, funds.dry_powder_usd.max())).all(), (
        f"{where}: dry powder"
    )
    a = world.chips.availability
    assert ((a > 0) & (a <= 1)).all(), f"{where}: input availability"
    assert (world.price > 0).all(), f"{where}: price"


class Checker:
    """Wraps the registry's mechanisms and records what each did to the world."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.talent_checks = 0
        self.written: dict[str, set[str]] = {}

    def wrap(self, mechanism: Mechanism) -> Mechanism:
        name = mechanism.name

        def checked(m: MonthContext) -> None:
            world, setting = m.world, m.setting
            before = engineers(world)
            flows_before = {f: id(getattr(world.flows, f)) for f in FLOW_NAMES}
            mechanism.run(m)
            self.calls.append(name)
            where = f"month {world.step}, after {name}"
            check_world(world, where)
            changed = {f for f in FLOW_NAMES if id(getattr(world.flows, f)) != flows_before[f]}
            assert changed <= set(mechanism.writes), f"{where}: undeclared flows {changed}"
            self.written.setdefault(name, set()).update(changed)
            after = engineers(world)
            if name == "talent":
                a = setting.params.talent.attrition
                flows = world.flows
                attrition = a / (1.0 - a) * world.talent.pool.sum()
                expected = before + flows.graduates.sum() + flows.foreign_inflow.sum() - attrition
                if not setting.city_global.any():
                    # No global hub in the world: graduates abroad and returnees cross its edge.
                    expected += flows.returnees.sum() - flows.abroad.sum()
                assert after == pytest.approx(expected, rel=1e-9), where
                self.talent_checks += 1
            else:
                assert after == pytest.approx(before, rel=1e-9), f"{where}: engineers changed"
            if name in AFTER_EXITS:
                f = world.firms
                cash = f.view("cash")[f.view("alive")]
                assert (cash >= 0).all(), f"{where}: a living firm with negative cash"

        return replace(mechanism, run=checked)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_mechanism_keeps_the_world_valid(tiny_scenario_of, seed):
    s = tiny_scenario_of(until="2021-12", seed=seed)
    checker = Checker()
    setting, world, rng = prepare(s)
    check_world(world, "start")
    step = Schedule(setting, world)
    step.mechanisms = tuple(checker.wrap(m) for m in MECHANISMS)
    for month in range(setting.steps):
        world.step = month
        step.step(world, rng)
        f = world.firms
        assert (f.view("cash")[f.view("alive")] >= 0).all(), f"month {month}: negative cash"
        if (setting.start_month + month) % 12 == 11:
            f.compact()
            check_world(world, f"month {month}, compacted")
    assert checker.talent_checks == setting.steps
    # Every mechanism of the registry was checked every month.
    for m in MECHANISMS:
        assert checker.calls.count(m.name) == setting.steps, m.name
    # The flows a mechanism writes every month (whatever happens) were seen written.
    declared = {m.name: set(m.writes) for m in MECHANISMS}
    assert checker.written["operations"] == declared["operations"]
    assert checker.written["talent"] >= {"graduates", "talent_inflow", "talent_outflow"}


def test_every_flow_has_a_writer_and_every_mechanism_its_module_and_parameters():
    """The registry is complete: each flow is written by a mechanism, each entry names a module
    of helix.world.mechanisms, and every parameter group the module reads is declared."""
    written = {f for m in MECHANISMS for f in m.writes}
    assert written == set(FLOW_NAMES)
    assert len({m.name for m in MECHANISMS}) == len(MECHANISMS)
    groups = set(Parameters.model_fields)
    for m in MECHANISMS:
        module = importlib.import_module(f"helix.world.mechanisms.{m.name}")
        read = set(re.findall(r"params\.(\w+)", inspect.getsource(module)))
        assert set(m.reads) <= groups, m.name
        assert read <= set(m.reads), f"{m.name} reads {read - set(m.reads)} undeclared"
    # Every parameter group is read by a mechanism, or by the build of the starting world.
    assert {g for m in MECHANISMS for g in m.reads} | {"initial"} == groups


def test_carried_flows_are_kept_and_the_others_start_at_zero():
    flows = Flows.zeros(2, 3, 4)
    for name in FLOW_NAMES:
        getattr(flows, name)[...] = 1.0
    fresh = flows.next_month()
    for name in FLOW_NAMES:
        kept = getattr(fresh, name) is getattr(flows, name)
        assert kept == (name in CARRIED), name
        if name not in CARRIED:
            assert (getattr(fresh, name) == 0).all(), name
    assert CARRIED  # some flows are read before their writer acts


def test_a_misspelt_flow_fails_at_once():
    flows = Flows.zeros(2, 3, 4)
    with pytest.raises(AttributeError):
        flows.birth = np.ones((2, 3))  # type: ignore[attr-defined]


def test_rents_stay_positive_when_demand_collapses(tiny_scenario_of, advanced):
    """With every firm gone, vacancy is high and rents fall, but stay positive and finite."""
    _, world, rng, schedule = advanced(tiny_scenario_of(until="2021-12"), 1)
    world.firms.alive[: world.firms.n] = False
    world.firms.employees[: world.firms.n] = 0.0
    world.firms.cash[: world.firms.n] = 0.0
    world.offices.other_demand_m2[:] = 0.0
    rent = world.offices.rent_per_m2.copy()
    for month in range(1, 13):
        world.step = month
        schedule.step(world, rng)
        check_world(world, f"empty world, month {month}")
    assert (world.offices.rent_per_m2 < rent).all()
