"""An idiomatic Mesa 3 port of a reduced helix core, the baseline of ``bench_mesa.py``.

One :class:`Firm` agent per firm, stepped in random order each month with
``model.agents.shuffle_do("step")``, and a :class:`~mesa.DataCollector` of city aggregates. Per
firm and month: a log-normal shock on productivity, revenue = productivity x employees x the
sector's revenue per worker x a fixed city price, wages at its city's (fixed) wage, hiring toward
the size its margin supports out of the city's talent pool (first come, first served, in the
shuffled order; graduates refill it), failure on negative cash. Per city and month: the city's VC funds give rounds to the top-k firms by a noisy
quality score, and new firms are founded in proportion to the city's engineers.

It is written the way a Mesa user would write it (plain Python per agent, Mesa's own AgentSet
and DataCollector), not vectorised: it measures what the usual way of writing an agent-based
model costs, not how fast Python can be made to go. It leaves out, against helix: knowledge
spillovers and density, R&D and contract research, innovation and imitation, disputes, offices
and rents, relocation, listings and acquisitions, migration and wages that move, sector prices and
markets, government policies and shocks, funding stages and valuations.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from helix.world.setting import Setting
    from helix.world.state import World

# Helix's own values for the mechanisms the port keeps (``helix.world.parameters`` defaults).
HIRING_RESPONSE = 0.04174  # growth.hiring_response: log hires per month at a margin of 1
SHOCK_SD = 0.05  # growth.shock_sd: idiosyncratic headcount noise at 10 employees
SIZE_EXPONENT = 0.2  # growth.size_exponent: large firms' growth is a portfolio's, it averages out
OTHER_COSTS = 0.25  # growth.other_costs: non-wage costs as a share of the wage bill
TEAM_SIZE = 3.0  # founding.team_size
ENTRANT_SD = 0.25  # founding.entrant_sd: spread of an entrant's log productivity
FOUNDER_CASH_MONTHS = 12.0  # founding.founder_cash_months: the founders' savings, in wages
DILIGENCE_SD = 0.45  # funding.diligence_sd: noise of a fund's reading of a firm's quality
MONTHS_BETWEEN_ROUNDS = 15  # funding.months_between_rounds
ROUND_RUNWAY_MONTHS = 21  # funding.round_runway_months: a round pays for this many months of costs

# The port's own constants, tuned so its living-firm count tracks helix's over the first year of
# the default world (bench_mesa.py prints both). helix gets its margins, entry and exits from
# mechanisms the port leaves out (prices, density, rents, R&D), so these stand in for them.
PRODUCTIVITY_SD = 0.03  # monthly log-productivity shock: the revenue shock
START_MARGIN = 0.05  # a firm of average productivity covers its costs with this margin at first
FOUNDERS_PER_ENGINEER = 1.3e-4  # expected entrants per engineer (employed or not) a month
ROUNDS_PER_FIRM = 0.0235  # rounds a month per starting firm, in all: helix funds about 28% a year
MAX_HIRE_SHARE = 0.1  # a firm takes at most this share of its city's job seekers a month


@dataclass(frozen=True)
class CityInputs:
    """What the port needs of one city: fixed for the run."""

    name: str
    wage: float  # yuan a month per employee
    price: float  # revenue per worker multiplier, so that firms start near break-even
    job_seekers: float  # the talent pool at the start
    graduates: float  # new job seekers a month
    rounds: float  # expected rounds its funds give a month (their share of the dry powder)
    sector_mix: tuple[float, ...]  # shares of the sectors among its entrants


@dataclass(frozen=True)
class FirmInputs:
    """One starting firm."""

    city: int
    sector: int
    employees: float
    cash: float
    productivity: float  # log productivity


@dataclass
class City:
    """A city's changing state: its job seekers. Not an agent, since it has no behaviour of its
    own in the reduced core; the model acts on it (funding, founding)."""

    inputs: CityInputs
    pool: float


class Firm(mesa.Agent):
    """One firm: earns, pays, hires or lays off, and fails when its cash runs out."""

    def __init__(
        self,
        model: EcosystemModel,
        city: int,
        sector: int,
        employees: float,
        cash: float,
        productivity: float,
    ) -> None:
        super().__init__(model)
        self.city = city
        self.sector = sector
        self.employees = employees
        self.cash = cash
        self.productivity = productivity
        self.revenue = 0.0
        self.costs = 0.0
        self.last_round = -MONTHS_BETWEEN_ROUNDS  # may raise from the first month
        self.pitch_score = 0.0
        self.model: EcosystemModel = model

    def step(self) -> None:
        self.shock_productivity()
        self.earn_and_pay()
        if self.cash < 0.0:
            self.fail()
            return
        self.hire_or_fire()

    def shock_productivity(self) -> None:
        # A random walk in logs: productivity is hit by a log-normal shock each month.
        self.productivity += self.random.gauss(0.0, PRODUCTIVITY_SD)

    def earn_and_pay(self) -> None:
        city = self.model.cities[self.city].inputs
        revenue_per_worker = self.model.sector_revenue_per_worker[self.sector] * city.price
        self.revenue = revenue_per_worker * math.exp(self.productivity) * self.employees
        self.costs = city.wage * (1.0 + OTHER_COSTS) * self.employees
        self.cash += self.revenue - self.costs

    def margin(self) -> float:
        return (self.revenue - self.costs) / max(self.revenue, self.costs, 1.0)

    def hire_or_fire(self) -> None:
        # Profits become hires and losses layoffs, both damped with size (helix's headcount rule
        # without its runway and plan terms).
        size_factor = (max(self.employees, 1.0) / 10.0) ** (-SIZE_EXPONENT)
        margin = min(max(self.margin(), -1.0), 1.0)
        growth = math.sqrt(size_factor) * HIRING_RESPONSE * margin
        growth += size_factor * SHOCK_SD * self.random.gauss(0.0, 1.0)
        change = self.employees * math.expm1(growth)
        city = self.model.cities[self.city]
        if change > 0.0:
            # Firms earlier in this month's order get the city's job seekers first.
            hires = min(change, MAX_HIRE_SHARE * city.pool)
            self.employees += hires
            city.pool -= hires
        else:
            layoffs = min(-change, self.employees - 1.0)
            self.employees -= layoffs
            city.pool += layoffs

    def fail(self) -> None:
        # Its staff go back to the city's pool, so engineers are conserved.
        self.model.cities[self.city].pool += self.employees
        self.remove()

    def can_raise(self) -> bool:
        return self.model.steps - self.last_round >= MONTHS_BETWEEN_ROUNDS

    def pitch(self) -> float:
        """The quality a fund reads in this firm this month: productivity with noise."""
        self.pitch_score = self.productivity + self.random.gauss(0.0, DILIGENCE_SD)
        return self.pitch_score

    def raise_round(self) -> None:
        self.cash += ROUND_RUNWAY_MONTHS * max(self.costs, 1.0)
        self.last_round = self.model.steps


# The collector's reporters group plain lists, not AgentSets: Mesa's documentation points to
# ``result_type="list"`` as the faster choice when the groups are only read, and building an
# AgentSet per city per reporter would cost the port more than its firms' own steps do.
def firms_per_city(model: EcosystemModel) -> dict[int, int]:
    return model.agents.groupby("city", result_type="list").count()


def employees_per_city(model: EcosystemModel) -> dict[int, float]:
    return model.agents.groupby("city", result_type="list").agg("employees", sum)


def revenue_per_city(model: EcosystemModel) -> dict[int, float]:
    return model.agents.groupby("city", result_type="list").agg("revenue", sum)


class EcosystemModel(mesa.Model):
    """Firms in cities, stepped a month at a time."""

    def __init__(
        self,
        cities: Sequence[CityInputs],
        sector_revenue_per_worker: Sequence[float],
        firms: Sequence[FirmInputs],
        seed: int = 0,
    ) -> None:
        super().__init__(seed=seed)
        self.cities = [City(inputs=c, pool=c.job_seekers) for c in cities]
        self.sector_revenue_per_worker = list(sector_revenue_per_worker)
        for f in firms:
            Firm(self, f.city, f.sector, f.employees, f.cash, f.productivity)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "firms": firms_per_city,
                "employees": employees_per_city,
                "revenue": revenue_per_city,
            }
        )

    def step(self) -> None:
        # Graduates join the pool first, so this month's hires can come from them.
        for city in self.cities:
            city.pool += city.inputs.graduates
        self.agents.shuffle_do("step")
        by_city = self.agents.groupby("city", result_type="list").groups
        self.fund(by_city)
        self.found(by_city)
        self.datacollector.collect(self)

    def fund(self, by_city: dict[int, list[Firm]]) -> None:
        """Each city's funds back the k firms of the city that read best this month."""
        for city_index, firms in by_city.items():
            deals = self.deals(self.cities[city_index].inputs.rounds)
            candidates = [f for f in firms if f.can_raise()]
            for firm in heapq.nlargest(deals, candidates, key=Firm.pitch):
                firm.raise_round()

    def deals(self, expected: float) -> int:
        # A city with little dry powder still gets a round now and then: the fraction is drawn.
        whole = int(expected)
        return whole + (1 if self.random.random() < expected - whole else 0)

    def found(self, by_city: dict[int, list[Firm]]) -> None:
        """New firms in proportion to each city's engineers, in work or looking for it."""
        for index, city in enumerate(self.cities):
            employed = sum(f.employees for f in by_city.get(index, ()))
            engineers = max(city.pool, 0.0) + employed
            entrants = int(self.rng.poisson(FOUNDERS_PER_ENGINEER * engineers))
            # Founding teams come out of the pool, at most a tenth of it a month.
            entrants = min(entrants, int(0.1 * max(city.pool, 0.0) / TEAM_SIZE))
            for _ in range(entrants):
                self.found_one(index, city)

    def found_one(self, index: int, city: City) -> None:
        mix = city.inputs.sector_mix
        sector = self.random.choices(range(len(mix)), weights=mix)[0]
        cash = FOUNDER_CASH_MONTHS * TEAM_SIZE * city.inputs.wage
        productivity = self.random.gauss(0.0, ENTRANT_SD)
        Firm(self, index, sector, TEAM_SIZE, cash, productivity)
        city.pool -= TEAM_SIZE

    def living_firms(self) -> int:
        return len(self.agents)


def inputs_from_helix(
    setting: Setting, world: World
) -> tuple[list[CityInputs], list[float], list[FirmInputs]]:
    """The port's cities, sectors and starting firms, taken from a helix starting world.

    ``setting`` and ``world`` are what ``helix.world.simulation.prepare`` returns. Each city's
    price is set so that its firms, at their starting productivity, cover their wage bill with
    ``START_MARGIN``: helix reaches its margins through prices, density and rents, which the
    port leaves out, and without this a high-wage city's firms would all fail in a few months.
    """
    f = world.firms
    talent = world.talent
    n_cities: int = setting.n_cities
    alive = f.view("alive")
    city = f.view("city")[alive]
    sector = f.view("sector")[alive]
    employees = f.view("employees")[alive]
    productivity = f.view("productivity")[alive]
    cash = f.view("cash")[alive]
    rpw = np.asarray(setting.sector_revenue_per_worker, dtype=float)
    # Revenue per employee at a price of 1, per city; and its engineers' cost per employee.
    revenue = np.bincount(city, rpw[sector] * np.exp(productivity) * employees, n_cities)
    heads = np.bincount(city, employees, n_cities)
    cost = talent.wage * (1.0 + OTHER_COSTS)
    price = cost * (1.0 + START_MARGIN) / np.maximum(revenue / np.maximum(heads, 1e-12), 1e-12)
    # Rounds go where the money is: each city's share of the funds' dry powder.
    powder = np.bincount(world.funds.home, world.funds.dry_powder_usd, n_cities)
    rounds = ROUNDS_PER_FIRM * len(city) * powder / max(powder.sum(), 1e-12)
    mix = np.asarray(setting.city_sector_mix, dtype=float)
    cities = [
        CityInputs(
            name=setting.cities[c],
            wage=float(talent.wage[c]),
            price=float(price[c]),
            job_seekers=float(talent.pool[c]),
            graduates=float(setting.city_graduates[c]),
            rounds=float(rounds[c]),
            sector_mix=tuple(float(x) for x in mix[c]),
        )
        for c in range(n_cities)
    ]
    firms = [
        FirmInputs(int(c), int(s), float(e), float(m), float(a))
        for c, s, e, m, a in zip(city, sector, employees, cash, productivity, strict=True)
    ]
    return cities, [float(x) for x in rpw], firms
