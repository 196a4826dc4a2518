"""One simulated month: the mechanisms in the order they act.

Order matters and is this: the state's levers are read; research institutions spend their
budgets and staff up or down; knowledge spreads and inputs are counted; firms spend on R&D,
contract part of it to nearby institutions, innovate and imitate, and are sued; they sell, pay
and hire; the talent market moves people and wages; new firms are founded, researchers spin
firms off their institutions; VC funds invest; firms list, are
bought or fail; the office market clears; squeezed firms move. Each mechanism reads the world as
the previous one left it, so a month's causes come before their effects within the month.

The order is :data:`MECHANISMS`, a registry the monthly step, the tests and the docs checks all
iterate: each entry names its module, how it is called, the parameter groups it reads (fields of
:class:`~helix.world.parameters.Parameters`) and the flows it writes (fields of
:class:`~helix.world.flows.Flows`). A new mechanism is its module, one line here, its parameter
group, its section in docs/model.md and its test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from helix.world.mechanisms.contracts import contract_research
from helix.world.mechanisms.disputes import settle_disputes
from helix.world.mechanisms.exits import exit_firms
from helix.world.mechanisms.founding import found_firms
from helix.world.mechanisms.funding import invest
from helix.world.mechanisms.innovation import innovate_and_imitate
from helix.world.mechanisms.knowledge import (
    Kernels,
    density_multiplier,
    spillover_kernels,
    update_spillovers,
)
from helix.world.mechanisms.operations import operate
from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.rd import RdSpending, rd_spending
from helix.world.mechanisms.relocation import relocate_firms
from helix.world.mechanisms.rents import clear_office_market
from helix.world.mechanisms.research import fund_and_staff
from helix.world.mechanisms.shocks import update_inputs
from helix.world.mechanisms.spinoffs import spin_off_firms
from helix.world.mechanisms.talent import move_talent
from helix.world.setting import Levers, Setting
from helix.world.state import World


@dataclass
class MonthContext:
    """What the mechanisms of one month share: the run's fixed parts and the month's results."""

    setting: Setting
    world: World
    rng: np.random.Generator
    schedule: Schedule
    levers: Levers | None = None
    rd: RdSpending | None = None  # R&D per firm (from ``rd``)
    imitators: np.ndarray | None = None  # rows of this month's imitators (from ``innovation``)
    gains: np.ndarray | None = None  # their productivity gains
    contract_boost: np.ndarray | None = None  # R&D multiplier per firm (from ``contracts``)


def _policy(m: MonthContext) -> None:
    m.levers = levers(m.setting, m.world.step)


def _research(m: MonthContext) -> None:
    fund_and_staff(m.setting, m.world, _levers(m))


def _contracts(m: MonthContext) -> None:
    m.contract_boost = contract_research(m.setting, m.world, _levers(m), _rd_of(m).real)


def _knowledge(m: MonthContext) -> None:
    update_spillovers(m.setting, m.world, m.schedule.kernels(_levers(m)))


def _shocks(m: MonthContext) -> None:
    update_inputs(m.setting, m.world)


def _rd(m: MonthContext) -> None:
    m.rd = rd_spending(m.setting, _levers(m), m.world)


def _innovation(m: MonthContext) -> None:
    if m.contract_boost is None:
        raise RuntimeError("innovation acts before contracts have been placed")
    intensity = _rd_of(m).real_intensity * m.contract_boost
    m.imitators, m.gains = innovate_and_imitate(m.setting, m.world, intensity, m.rng)


def _disputes(m: MonthContext) -> None:
    if m.imitators is None or m.gains is None:
        raise RuntimeError("disputes act before innovation has drawn the imitators")
    settle_disputes(m.setting, m.world, m.imitators, m.gains, m.rng)


def _operations(m: MonthContext) -> None:
    density = density_multiplier(m.setting, m.world)
    operate(m.setting, m.world, _levers(m), _rd_of(m), density, m.rng)


def _talent(m: MonthContext) -> None:
    move_talent(m.setting, m.world, _levers(m))


def _founding(m: MonthContext) -> None:
    found_firms(m.setting, m.world, _levers(m), m.rng)


def _spinoffs(m: MonthContext) -> None:
    spin_off_firms(m.setting, m.world, _levers(m), m.rng)


def _funding(m: MonthContext) -> None:
    invest(m.setting, m.world, _levers(m), m.rng)


def _exits(m: MonthContext) -> None:
    exit_firms(m.setting, m.world, m.rng)


def _rents(m: MonthContext) -> None:
    clear_office_market(m.setting, m.world, _levers(m))


def _relocation(m: MonthContext) -> None:
    relocate_firms(m.setting, m.world, _levers(m), m.rng)


def _levers(m: MonthContext) -> Levers:
    if m.levers is None:
        raise RuntimeError("a mechanism reads the levers before policy has set them")
    return m.levers


def _rd_of(m: MonthContext) -> RdSpending:
    if m.rd is None:
        raise RuntimeError("a mechanism reads R&D before rd has computed it")
    return m.rd


@dataclass(frozen=True)
class Mechanism:
    """One entry of the schedule."""

    name: str  # its module under helix.world.mechanisms (and its section in docs/model.md)
    run: Callable[[MonthContext], None]
    reads: tuple[str, ...]  # parameter groups (fields of Parameters)
    writes: tuple[str, ...]  # flows (fields of Flows)


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("policy", _policy, ("labs",), ()),
    Mechanism(
        "research", _research, ("research",), ("research_budget", "researchers", "research_output")
    ),
    Mechanism("knowledge", _knowledge, ("knowledge",), ("firm_count",)),
    Mechanism("shocks", _shocks, ("chips",), ()),
    Mechanism("rd", _rd, ("rd", "funding", "growth"), ()),
    Mechanism("contracts", _contracts, ("research",), ("research_contracts",)),
    Mechanism("innovation", _innovation, ("knowledge",), ()),
    Mechanism("disputes", _disputes, ("disputes",), ("ip_disputes",)),
    Mechanism(
        "operations",
        _operations,
        ("growth", "knowledge", "funding", "rents", "founding"),
        (
            "output",
            "real_output",
            "margin",
            "hiring_demand",
            "rd_real",
            "rd_reported",
            "tax_expenditure",
            "subsidies",
            "hires_short_of_space",
        ),
    ),
    Mechanism(
        "talent",
        _talent,
        ("talent", "research"),
        (
            "graduates",
            "abroad",
            "returnees",
            "foreign_inflow",
            "talent_inflow",
            "talent_outflow",
            "top_graduate_abroad_share",
        ),
    ),
    Mechanism("founding", _founding, ("founding", "labs"), ("births", "lab_support")),
    Mechanism("spinoffs", _spinoffs, ("research", "founding"), ("spinoffs", "births")),
    Mechanism(
        "funding",
        _funding,
        ("funding", "growth"),
        ("vc_invested", "vc_total", "deals", "cross_city_deals", "state_vc", "value_created"),
    ),
    Mechanism(
        "exits", _exits, ("exits", "funding"), ("deaths", "ipos", "acquisitions", "value_created")
    ),
    Mechanism("rents", _rents, ("rents", "growth"), ("office_starts", "office_withdrawn")),
    Mechanism(
        "relocation",
        _relocation,
        ("rents", "growth", "knowledge", "funding", "talent"),
        ("relocations_in", "relocations_out", "relocations_within"),
    ),
)
"""The month's mechanisms, in the order they act."""


class Schedule:
    """The monthly step of one run, with what it can reuse from month to month."""

    def __init__(self, setting: Setting, world: World) -> None:
        self.setting = setting
        self.mechanisms = MECHANISMS
        self._kernels: tuple[bytes, Kernels] | None = None

    def kernels(self, lev: Levers) -> Kernels:
        """The spillover kernels of ``lev``'s travel times (kept while they do not change)."""
        key = lev.key()
        if self._kernels is None or self._kernels[0] != key:
            self._kernels = (key, spillover_kernels(self.setting, lev.city_minutes))
        return self._kernels[1]

    def step(self, world: World, rng: np.random.Generator) -> None:
        world.flows = world.flows.next_month()
        month = MonthContext(self.setting, world, rng, self)
        for mechanism in self.mechanisms:
            mechanism.run(month)
