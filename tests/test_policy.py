"""Policy levers: in force exactly between their dates, combined by the documented rules."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from helix.scenario.load import load_scenario
from helix.scenario.schema import Policy, Scenario, Shock, month_index, month_label
from helix.world.mechanisms.policy import lever_schedule
from helix.world.setting import Inputs, Levers

KINDS = ["visa", "rd_tax_break", "shared_labs", "subsidy", "rent_cap", "rail"]


@functools.cache
def _bare_scenario() -> Scenario:
    """The tiny world without policies or shocks, over four years."""
    s = load_scenario("tiny-corridor", until="2023-12")
    return s.model_copy(update={"policies": {}, "shocks": {}})


def _bare() -> Inputs:
    return _bare_scenario().world_inputs()


@dataclass(frozen=True)
class _Compiled:
    """A world's inputs and the levers of each of its steps."""

    inputs: Inputs
    schedule: Levers

    def __getattr__(self, name: str):  # the inputs' fields, as on a setting
        return getattr(self.inputs, name)


def _with(policies: dict[str, Policy], shocks: dict[str, Shock] | None = None) -> _Compiled:
    s = _bare_scenario().model_copy(update={"policies": policies, "shocks": shocks or {}})
    inputs = s.world_inputs()
    return _Compiled(inputs, lever_schedule(inputs))


def levers(setting: _Compiled, step: int) -> Levers:
    return setting.schedule.at(step)


@st.composite
def dated_policy(draw):
    setting = _bare()
    kind = draw(st.sampled_from(KINDS))
    lo = 2 if kind == "rail" else 1
    cities = draw(st.lists(st.sampled_from(setting.cities), min_size=lo, max_size=4, unique=True))
    sectors = draw(st.lists(st.sampled_from(setting.sectors), max_size=3, unique=True))
    first = setting.start_month
    start = draw(st.integers(first, first + setting.steps - 1))
    end = draw(st.one_of(st.none(), st.integers(start, first + setting.steps + 12)))
    value = draw(st.floats(0.05, 5.0))
    budget = draw(st.floats(0.0, 1e10))
    return Policy(
        kind=kind,
        cities=cities,
        sectors=sectors,
        start=month_label(start),
        end=None if end is None else month_label(end),
        value=value,
        budget_yuan=budget,
    )


def _neutral(lev, setting) -> bool:
    return (
        (lev.foreign_multiplier == 1).all()
        and (lev.rd_extra_deduction == 0).all()
        and (lev.lab_slots == 0).all()
        and (lev.subsidy_per_month == 0).all()
        and np.isinf(lev.rent_cap_per_month).all()
        and np.array_equal(lev.city_minutes, setting.city_minutes)
    )


@settings(max_examples=80, deadline=None)
@given(policy=dated_policy(), step=st.integers(0, 47))
def test_a_policy_acts_exactly_while_in_force(policy, step):
    setting = _with({"p": policy})
    lev = levers(setting, step)
    month = setting.start_month + step
    on = month_index(policy.start) <= month and (
        policy.end is None or month <= month_index(policy.end)
    )
    if not on:
        assert _neutral(lev, setting)
        return
    rows = np.isin(setting.cities, policy.cities)
    cols = (
        np.isin(setting.sectors, policy.sectors)
        if policy.sectors
        else np.ones(len(setting.sectors), bool)
    )
    v = policy.value
    if policy.kind == "visa":
        assert np.allclose(lev.foreign_multiplier[rows], v)
        assert (lev.foreign_multiplier[~rows] == 1).all()
    elif policy.kind == "rd_tax_break":
        assert np.allclose(lev.rd_extra_deduction[np.ix_(rows, cols)], v)
        assert lev.rd_extra_deduction[~rows].sum() == 0
        assert lev.rd_extra_deduction[:, ~cols].sum() == 0
    elif policy.kind == "shared_labs":
        assert (lev.lab_slots[~rows] == 0).all()
        assert np.allclose(
            lev.lab_slots.sum(),
            policy.budget_yuan * setting.scale / setting.params.labs.slot_cost_yuan,
        )
    elif policy.kind == "subsidy":
        assert lev.subsidy_per_month[~rows].sum() == 0
        assert np.isclose(lev.subsidy_per_month.sum(), policy.budget_yuan * setting.scale / 12)
    elif policy.kind == "rent_cap":
        capped = rows[setting.district_city]
        assert np.allclose(lev.rent_cap_per_month[capped], np.log1p(v) / 12)
        assert np.isinf(lev.rent_cap_per_month[~capped]).all()
    elif policy.kind == "rail":
        pair = rows[:, None] & rows[None, :] & ~np.eye(len(rows), dtype=bool)
        assert np.allclose(lev.city_minutes[pair], v * setting.city_minutes[pair])
        assert np.array_equal(lev.city_minutes[~pair], setting.city_minutes[~pair])
    # Travel times stay a symmetric matrix with a zero diagonal.
    assert np.array_equal(lev.city_minutes, lev.city_minutes.T)
    assert (np.diag(lev.city_minutes) == 0).all()


CORE = "Alder"  # the tiny world's core city


def _policy(kind: str, value: float = 0.0, **fields) -> Policy:
    return Policy(kind=kind, cities=[CORE], start="2020-01", value=value, **fields)


def test_visas_multiply_and_tax_breaks_add_up():
    setting = _with(
        {
            "a": _policy("visa", 2.0),
            "b": _policy("visa", 1.5),
            "c": _policy("rd_tax_break", 0.5),
            "d": _policy("rd_tax_break", 0.75, sectors=["software"]),
        }
    )
    lev = levers(setting, 0)
    core = setting.cities.index(CORE)
    ai = setting.sectors.index("software")
    assert lev.foreign_multiplier[core] == 3.0
    assert lev.rd_extra_deduction[core, ai] == 1.25  # a city's break on top of another
    assert (np.delete(lev.rd_extra_deduction[core], ai) == 0.5).all()


def test_withdrawing_support_switches_off_breaks_labs_and_subsidies():
    support = {
        "break": _policy("rd_tax_break", 0.5),
        "labs": _policy("shared_labs", budget_yuan=1e9),
        "grants": _policy("subsidy", budget_yuan=1e9),
        "visas": _policy("visa", 2.0),
    }
    withdrawal = Policy(kind="support_withdrawal", cities=[CORE], start="2021-01")
    setting = _with({**support, "stop": withdrawal})
    core = setting.cities.index(CORE)
    before, after = levers(setting, 11), levers(setting, 12)
    assert before.rd_extra_deduction[core].max() == 0.5
    assert before.lab_slots[core] > 0 and before.subsidy_per_month[core].sum() > 0
    assert after.rd_extra_deduction[core].max() == 0
    assert after.lab_slots[core] == 0 and after.subsidy_per_month[core].sum() == 0
    assert after.withdrawn[core] and not before.withdrawn[core]
    assert after.foreign_multiplier[core] == 2.0  # visas are not support


def test_a_vc_downturn_lowers_sentiment_for_its_sectors_while_it_lasts():
    shock = Shock(
        kind="vc_downturn", sectors=["software"], start="2021-01", end="2021-06", severity=0.4
    )
    setting = _with({}, {"bust": shock})
    ai = setting.sectors.index("software")
    china = setting.city_china
    for step, expected in ((11, 1.0), (12, 0.6), (17, 0.6), (18, 1.0)):
        sentiment = levers(setting, step).vc_sentiment  # per city and sector
        # No cities named: the downturn hits every Chinese city, not the global hub.
        assert np.allclose(sentiment[china, ai], expected), step
        assert (sentiment[~china] == 1).all()
        assert (np.delete(sentiment, ai, axis=-1) == 1).all()


def test_a_demand_shock_cuts_its_sectors_markets_while_it_lasts():
    shock = Shock(
        kind="demand_shock", sectors=["software"], start="2021-01", end="2021-06", severity=0.3
    )
    setting = _with({}, {"slump": shock})
    sw = setting.sectors.index("software")
    for step, expected in ((11, 1.0), (12, 0.7), (17, 0.7), (18, 1.0)):
        demand = levers(setting, step).demand  # per market and sector
        # No cities named: every market (China's and abroad) is hit.
        assert np.allclose(demand[:, sw], expected), step
        assert (np.delete(demand, sw, axis=-1) == 1).all()


def test_a_demand_shock_naming_a_city_hits_only_the_market_it_sells_in():
    s = load_scenario(until="2021-12", scale=0.01)
    shock = Shock(kind="demand_shock", cities=["Silicon Valley"], start="2020-01", severity=0.5)
    inputs = s.model_copy(update={"shocks": {"us-slump": shock}}).world_inputs()
    demand = lever_schedule(inputs).at(0).demand
    abroad = inputs.city_market[inputs.cities.index("Silicon Valley")]
    china = inputs.city_market[inputs.cities.index("Shanghai")]
    assert abroad != china
    assert (demand[abroad] == 0.5).all() and (demand[china] == 1.0).all()


def test_a_population_control_lets_fewer_migrants_into_its_city_only():
    setting = _with({"cap": _policy("population_control", 0.8), "cap2": _policy("visa", 2.0)})
    lev = levers(setting, 0)
    core = setting.cities.index(CORE)
    assert lev.inflow_multiplier[core] == 0.8
    assert (np.delete(lev.inflow_multiplier, core) == 1.0).all()
    assert lev.foreign_multiplier[core] == 2.0  # foreign arrivals are the visa's lever
