"""The simulated world's state: struct-of-arrays tables, one row per agent.

Firms live in preallocated columns that grow by doubling; dead firms are dropped once a year by
:meth:`Firms.compact`, so ``firms.n`` rows are in use and every column is sliced ``[: n]``.
Nothing here draws random numbers or does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from helix.world.flows import Flows

# A step long before any run: "never" for last_pitch.
NEVER = -(10**6)

# Funding stages: 0 bootstrapped, 1 seed, 2 A, 3 B, 4 C and later, 5 listed (public).
STAGE_PUBLIC = 5

EVENT_NAMES = ("founded", "funded", "unicorn", "ipo", "acquired", "failed", "relocated")
EVENT_CODE = {name: i for i, name in enumerate(EVENT_NAMES)}

# How a firm came to be: in the world at the start; founded by job seekers (graduates and
# engineers between jobs), by employees leaving a firm (corporate spin-out), by returnees from
# abroad, or by researchers spinning off their institution (``research``).
ORIGIN_NAMES = ("initial", "graduate", "corporate", "returnee", "spin-off")
ORIGIN_CODE = {name: i for i, name in enumerate(ORIGIN_NAMES)}


@dataclass
class Firms:
    """All firms, one row each. Money in yuan unless the name says usd."""

    id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    district: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    city: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    sector: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    born: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # step of founding
    employees: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cash: np.ndarray = field(default_factory=lambda: np.zeros(0))
    productivity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # log productivity
    revenue: np.ndarray = field(default_factory=lambda: np.zeros(0))  # last month's, yuan
    costs: np.ndarray = field(default_factory=lambda: np.zeros(0))  # last month's, yuan
    rent_paid: np.ndarray = field(default_factory=lambda: np.zeros(0))  # last month's, yuan
    stage: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    valuation_usd: np.ndarray = field(default_factory=lambda: np.zeros(0))
    last_round: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # step
    last_pitch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # step
    productivity_at_round: np.ndarray = field(default_factory=lambda: np.zeros(0))
    revenue_at_round: np.ndarray = field(default_factory=lambda: np.zeros(0))  # yuan/month
    employees_at_round: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # Hires still ramping up to full output (headcount-equivalents short of it); 0 when
    # growth.hire_ramp_months is 0.
    ramping: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reading_error: np.ndarray = field(default_factory=lambda: np.zeros(0))  # last round's
    vc_share: np.ndarray = field(default_factory=lambda: np.zeros(0))  # owned by VC funds
    vc_raised: np.ndarray = field(default_factory=lambda: np.zeros(0))  # cumulative, yuan
    planned_burn: np.ndarray = field(default_factory=lambda: np.zeros(0))  # yuan/month, at round
    support: np.ndarray = field(default_factory=lambda: np.zeros(0))  # cumulative gov., yuan
    loss_months: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    lab_until: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # step
    unicorn: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # ever valued >= $1B
    origin: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))  # ORIGIN_NAMES
    institution: np.ndarray = field(  # a spin-off's institution + 1; 0 for the other firms
        default_factory=lambda: np.zeros(0, np.int16)
    )
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    n: int = 0
    next_id: int = 0

    def columns(self) -> list[str]:
        return [f.name for f in fields(self) if f.name not in ("n", "next_id")]

    def add(self, count: int, **values: np.ndarray) -> slice:
        """Append ``count`` firms; unspecified columns are zero. Returns their row slice."""
        needed = self.n + count
        capacity = len(self.id)
        if needed > capacity:
            # A quarter more, not double: growing copies every column while the old ones are
            # still held, and at 10^6 firms doubling raised a year's peak memory by about a
            # tenth (benchmarks/RESULTS.md, "Memory"); appends stay amortised O(1).
            new_capacity = max(needed, capacity + capacity // 4, 1024)
            for name in self.columns():
                old = getattr(self, name)
                grown = np.zeros(new_capacity, dtype=old.dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
        rows = slice(self.n, needed)
        for name in self.columns():
            getattr(self, name)[rows] = 0
        self.id[rows] = np.arange(self.next_id, self.next_id + count)
        self.alive[rows] = True
        self.last_pitch[rows] = NEVER
        for name, value in values.items():
            getattr(self, name)[rows] = value
        self.n = needed
        self.next_id += count
        return rows

    def compact(self) -> None:
        """Drop dead firms, keeping the order of the living (ids are kept)."""
        keep = np.flatnonzero(self.alive[: self.n])
        for name in self.columns():
            col = getattr(self, name)
            col[: len(keep)] = col[keep]
        self.n = len(keep)

    def view(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.n]


@dataclass
class Funds:
    """VC funds: home city, money not yet invested, sector tastes, where they have invested."""

    home: np.ndarray  # city index
    dry_powder_usd: np.ndarray
    sector_taste: np.ndarray  # funds x sectors, rows sum to 1
    invested_in_city_usd: np.ndarray  # funds x cities, cumulative
    state_owned: np.ndarray  # bool: a government guidance fund (invests only at home)
    opens: np.ndarray  # step at which a guidance fund receives its capital (-1: private)
    commitment_usd: np.ndarray  # capital a guidance fund receives when it opens
    national: np.ndarray  # bool: a guidance fund that invests in every Chinese city


@dataclass
class Offices:
    """The office market of each district."""

    stock_m2: np.ndarray
    rent_per_m2: np.ndarray
    rent_start: np.ndarray  # rent at the start: the replacement-cost level
    # The rent the market would clear at with no cap: equal to rent_per_m2 unless a cap binds.
    rent_market: np.ndarray
    other_demand_m2: np.ndarray
    buildable_m2: np.ndarray
    pipeline_m2: np.ndarray  # districts x lag: space under construction by months to delivery
    vacancy: np.ndarray


@dataclass
class Talent:
    """Engineers per city who are not employed by a firm (looking for work), and their pay."""

    pool: np.ndarray
    wage: np.ndarray
    diaspora: np.ndarray  # engineers from each Chinese city working abroad (in the global hub)
    openings: np.ndarray  # last month's unfilled wish to hire, people
    revenue_per_employee_start: np.ndarray  # yuan/month, per city: the wage anchor's reference


@dataclass
class Institutions:
    """Research institutions (universities, national and city labs), one entry each."""

    researchers: np.ndarray  # staff in post
    government_yuan: np.ndarray  # government budget a month (before research_budget levers)
    budget_yuan: np.ndarray  # this month's spending: government budget plus contract income
    contract_income_yuan: np.ndarray  # contract research paid by firms last month
    knowledge: np.ndarray  # knowledge mass it adds to its (district, sector) this month


@dataclass
class Chips:
    """Domestic substitutes for export-controlled inputs, per shock-hit sector."""

    cumulative_output: np.ndarray  # sectors, in months of pre-shock output
    availability: np.ndarray  # cities x sectors, share of inputs available
    baseline_output: np.ndarray  # sectors, monthly output in hit cities when the shock began


@dataclass
class World:
    """Everything that changes during a run."""

    step: int
    firms: Firms
    funds: Funds
    offices: Offices
    talent: Talent
    chips: Chips
    institutions: Institutions
    price: np.ndarray  # markets x sectors: output price index
    output_last: np.ndarray  # markets x sectors: last month's real output
    spillover: np.ndarray  # districts x sectors: reachable knowledge mass
    reach_mass: np.ndarray  # districts x sectors: reachable employee mass
    practice: np.ndarray  # districts x sectors: reachable mean log productivity
    flows: Flows  # this month's flows (see ``flows``)
    # step, event code, firm ids, cities, sectors, amounts, origins, institutions (+1)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    record_events: bool = True
    dispute_queue: np.ndarray | None = None  # disputes waiting to be filed, by months to go
    # VC value created per city (markups and exit proceeds, USD) over the last 12 months, and
    # its level in the first year: the track record investors look at when they commit.
    track_record: np.ndarray | None = None  # 12 x cities
    track_record_first_year: np.ndarray | None = None  # cities

    def record(self, event: str, rows: np.ndarray, amount: np.ndarray | float = 0.0) -> None:
        """Log an event for the firms at ``rows`` (before any compaction)."""
        if len(rows) == 0 or not self.record_events:
            return
        f = self.firms
        ids = f.id[rows].copy()
        amounts = np.broadcast_to(np.asarray(amount, dtype=float), ids.shape).copy()
        self.events.append(
            (
                self.step,
                EVENT_CODE[event],
                ids,
                f.city[rows].copy(),
                f.sector[rows].copy(),
                amounts,
                f.origin[rows].copy(),
                f.institution[rows].copy(),
            )
        )
