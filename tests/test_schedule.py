"""Invariants of every mechanism of the monthly schedule, checked after each one acts.

Each mechanism the schedule calls is wrapped (in the schedule's own namespace, so the real
``Schedule.step`` runs unchanged) and after it returns the world is checked: no negative
headcount, rent, office stock, talent pool or dry powder; everything finite; dead firms empty;
and engineers (job seekers plus employees) conserved by every mechanism except the talent
market, which changes them by exactly graduates plus foreign arrivals minus attrition.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import helix.world.schedule as schedule_module
from helix.world.simulation import prepare
from helix.world.state import World

# Mechanisms after which firms that ran out of cash have been taken out.
AFTER_EXITS = ("exit_firms", "clear_office_market", "relocate_firms")


def engineers(world: World) -> float:
    f = world.firms
    alive = f.view("alive")
    return float(world.talent.pool.sum() + f.view("employees")[alive].sum())


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


def _find_world(fn: Callable[..., Any], args: tuple, kwargs: dict) -> World | None:
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return None
    world = bound.arguments.get("world")
    return world if isinstance(world, World) else None


class Checker:
    """Wraps the schedule's mechanisms and records what each did to the world."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.talent_checks = 0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def checked(*args: Any, **kwargs: Any) -> Any:
            world = _find_world(fn, args, kwargs)
            if world is None:
                return fn(*args, **kwargs)
            setting = args[0]
            before = engineers(world)
            result = fn(*args, **kwargs)
            self.calls.append(name)
            where = f"month {world.step}, after {name}"
            check_world(world, where)
            after = engineers(world)
            if name == "move_talent":
                a = setting.params.talent.attrition
                flows = world.flows
                attrition = a / (1.0 - a) * world.talent.pool.sum()
                expected = (
                    before + flows["graduates"].sum() + flows["foreign_inflow"].sum() - attrition
                )
                assert after == pytest.approx(expected, rel=1e-9), where
                self.talent_checks += 1
            else:
                assert after == pytest.approx(before, rel=1e-9), f"{where}: engineers changed"
            if name in AFTER_EXITS:
                f = world.firms
                cash = f.view("cash")[f.view("alive")]
                assert (cash >= 0).all(), f"{where}: a living firm with negative cash"
            return result

        return checked


def mechanisms() -> dict[str, Callable[..., Any]]:
    """The mechanism functions the schedule module calls."""
    return {
        name: obj
        for name, obj in vars(schedule_module).items()
        if inspect.isfunction(obj) and obj.__module__.startswith("helix.world.mechanisms.")
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_every_mechanism_keeps_the_world_valid(scenario, monkeypatch, seed):
    s = scenario(until="2021-12", seed=seed)
    checker = Checker()
    for name, fn in mechanisms().items():
        monkeypatch.setattr(schedule_module, name, checker.wrap(name, fn))
    setting, world, rng = prepare(s)
    check_world(world, "start")
    step = schedule_module.Schedule(setting, world)
    for month in range(setting.steps):
        world.step = month
        step.step(world, rng)
        f = world.firms
        assert (f.view("cash")[f.view("alive")] >= 0).all(), f"month {month}: negative cash"
        if (setting.start_month + month) % 12 == 11:
            f.compact()
            check_world(world, f"month {month}, compacted")
    assert checker.talent_checks == setting.steps
    # Every state-changing mechanism of the schedule was checked every month.
    for name in (
        "update_spillovers",
        "update_inputs",
        "innovate_and_imitate",
        "settle_disputes",
        "operate",
        "move_talent",
        "found_firms",
        "invest",
        "exit_firms",
        "clear_office_market",
        "relocate_firms",
    ):
        assert checker.calls.count(name) == setting.steps, name


def test_rents_stay_positive_when_demand_collapses(scenario, advanced):
    """With every firm gone, vacancy is high and rents fall, but stay positive and finite."""
    _, world, rng, schedule = advanced(scenario(until="2021-12"), 1)
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
