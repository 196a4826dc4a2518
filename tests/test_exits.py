"""Exits: firms that run out of cash fail, acquirers absorb their targets, listings leave the
unicorn count; people and knowledge are conserved through all of it."""

from __future__ import annotations

import copy
import functools
from dataclasses import replace

import numpy as np
import pytest

from helix.scenario.load import load_scenario
from helix.world.indicators import Observations
from helix.world.mechanisms.exits import exit_firms
from helix.world.simulation import prepare
from helix.world.state import STAGE_PUBLIC


@functools.cache
def _prepared():
    setting, world, _ = prepare(load_scenario("tiny-corridor", until="2020-12", seed=5))
    return setting, world


def _with_exits(**values: float):
    setting, shared = _prepared()
    exits = setting.params.exits.model_copy(update=values)
    setting = replace(setting, params=setting.params.model_copy(update={"exits": exits}))
    return setting, copy.deepcopy(shared)


def test_firms_without_cash_fail_and_their_people_return_to_the_pool():
    # No distress sales here: every failing firm shuts down (sales: test_venture_finance).
    setting, world = _with_exits(ipo_rate=0.0, acquisition_rate=0.0, distress_sale_share=0.0)
    f = world.firms
    n = f.n
    rng = np.random.default_rng(0)
    broke = rng.random(n) < 0.1
    f.cash[:n][broke] = -1.0
    f.costs[:n] = 1e5
    worn = ~broke & (rng.random(n) < 0.1)
    f.loss_months[:n][worn] = setting.params.exits.loss_months
    f.cash[:n][worn] = 2e5  # under three months of costs
    lasting = ~broke & ~worn & (rng.random(n) < 0.1)
    f.loss_months[:n][lasting] = setting.params.exits.loss_months
    f.cash[:n][lasting] = 4e5  # losses for long, but cash enough
    employees = f.view("employees").copy()
    pool = world.talent.pool.copy()

    exit_firms(setting, world, np.random.default_rng(1))

    dead = ~f.view("alive")
    assert np.array_equal(dead, broke | worn)
    assert world.flows.deaths.sum() == dead.sum()
    returned = np.bincount(f.city[:n][dead], weights=employees[dead], minlength=setting.n_cities)
    assert world.talent.pool == pytest.approx(pool + returned)
    assert (f.view("employees")[dead] == 0).all() and (f.view("cash")[dead] == 0).all()
    assert (f.view("cash")[~dead] >= 0).all()


def test_acquirers_absorb_people_knowledge_and_cash():
    setting, world = _with_exits(ipo_rate=0.0, acquisition_rate=1.0)
    f = world.firms
    n = f.n
    ns = setting.n_sectors
    f.cash[:n] = np.abs(f.cash[:n]) + 1.0  # nobody fails for lack of cash here
    f.loss_months[:n] = 0
    cell = f.view("city") * ns + f.view("sector")
    emp0 = np.bincount(cell, weights=f.view("employees"), minlength=setting.n_cities * ns)
    know0 = np.bincount(
        cell, weights=f.view("employees") * np.exp(f.view("productivity")), minlength=len(emp0)
    )
    cash0 = np.bincount(cell, weights=f.view("cash"), minlength=len(emp0))
    backed = (f.view("stage") >= 1) & (f.view("stage") < STAGE_PUBLIC)

    exit_firms(setting, world, np.random.default_rng(2))

    alive = f.view("alive")
    bought = ~alive
    assert bought.sum() > 0
    assert (backed | ~bought).all()  # only VC-backed private firms are bought
    assert world.flows.acquisitions.sum() == bought.sum()
    # Each (city, sector) keeps its people, knowledge mass and cash, now in its leader.
    emp1 = np.bincount(cell, weights=f.view("employees"), minlength=len(emp0))
    know1 = np.bincount(
        cell,
        weights=np.where(alive, f.view("employees") * np.exp(f.view("productivity")), 0.0),
        minlength=len(emp0),
    )
    cash1 = np.bincount(cell, weights=f.view("cash"), minlength=len(emp0))
    assert emp1 == pytest.approx(emp0)
    assert know1 == pytest.approx(know0)
    assert cash1 == pytest.approx(cash0)
    # At most one acquirer per cell survives among the backed firms: the cell's leader.
    leaders = alive & backed
    per_cell = np.bincount(cell[leaders], minlength=len(emp0))
    assert (per_cell <= 1).all()


def test_listings_leave_the_private_ladder():
    setting, world = _with_exits(ipo_rate=1.0, acquisition_rate=0.0)
    f = world.firms
    f.cash[: f.n] = np.abs(f.cash[: f.n]) + 1.0
    f.loss_months[: f.n] = 0
    threshold = setting.params.exits.ipo_valuation_usd
    ready = (
        (f.view("stage") >= 3)
        & (f.view("stage") < STAGE_PUBLIC)
        & (f.view("valuation_usd") >= threshold)
    )
    assert ready.any()
    cash0 = f.view("cash").copy()
    exit_firms(setting, world, np.random.default_rng(3))
    assert (f.view("stage")[ready] == STAGE_PUBLIC).all()
    assert (f.view("cash")[ready] > cash0[ready]).all()
    assert world.flows.ipos.sum() == ready.sum()
    # The unicorn indicator counts private firms only.
    observations = Observations.empty(setting)
    observations.observe(setting, world)
    private = f.view("alive") & (f.view("stage") < STAGE_PUBLIC)
    unicorns = private & (f.view("valuation_usd") >= 1e9)
    assert observations.city_sector["unicorns"][0].sum() == unicorns.sum()
    assert (f.view("valuation_usd")[ready] >= 1e9).any()  # listed firms that left the count
