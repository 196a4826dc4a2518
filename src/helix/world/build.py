"""The world at the start of a run: firms, funds, offices and talent pools from a scenario.

Starting firms are drawn per city (count × scale) with the city's sector mix and its districts'
weights; headcount is log-normal (not Pareto: a heavy upper tail has to come out of the dynamics,
see docs/calibration.md), ages are uniform up to ``max_age_months``, funding stages follow
``stage_shares`` with larger firms in later stages, and valuations are log-normal around the
stage's median.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from helix.world.catalogue import UNICORN_USD
from helix.world.flows import Flows
from helix.world.mechanisms.contracts import contract_research, reference_access
from helix.world.mechanisms.knowledge import density_against, pools, reach, spillover_kernels
from helix.world.mechanisms.operations import real_output
from helix.world.mechanisms.policy import lever_schedule
from helix.world.mechanisms.rd import rd_spending
from helix.world.mechanisms.research import split_starting_budget, starting_institutions
from helix.world.mechanisms.shocks import export_controls
from helix.world.mechanisms.talent import revenue_per_employee
from helix.world.setting import MARKETS, Inputs, Setting
from helix.world.state import STAGE_PUBLIC, Chips, Firms, Funds, Offices, Talent, World


def _firms(setting: Inputs, rng: np.random.Generator) -> Firms:
    init = setting.params.initial
    firms = Firms()
    districts = np.arange(setting.n_districts)
    for ci in range(setting.n_cities):
        count = setting.city_firms[ci]
        if count == 0:
            continue
        mix = setting.city_sector_mix[ci]
        sector = rng.choice(setting.n_sectors, size=count, p=mix / mix.sum())
        own = districts[setting.district_city == ci]
        weight = setting.district_firm_share[own]
        district = rng.choice(own, size=count, p=weight / weight.sum())
        employees = np.maximum(
            1.0,
            np.exp(init.employees_log_mean + init.employees_log_sd * rng.standard_normal(count)),
        )
        born = -rng.integers(0, init.max_age_months, size=count)
        productivity = init.productivity_sd * rng.standard_normal(count)
        # Larger firms are further along the funding ladder.
        shares = np.asarray(init.stage_shares, dtype=float)
        cut = np.cumsum(shares / shares.sum())
        size_rank = np.argsort(np.argsort(employees + rng.random(count))) / count
        stage = np.searchsorted(cut, size_rank, side="right").clip(0, STAGE_PUBLIC)
        median = np.asarray(init.stage_valuation_usd, dtype=float)[stage]
        valuation = np.where(
            stage > 0, median * np.exp(init.valuation_sd * rng.standard_normal(count)), 0.0
        )
        wage = setting.city_wage0[ci]
        cash = init.cash_months * employees * wage * 1.4 * rng.uniform(0.5, 1.5, size=count)
        last_round = -rng.integers(0, setting.params.funding.months_between_rounds, size=count)
        kept = np.cumprod(1.0 - np.asarray(setting.params.funding.dilution_by_stage))
        vc_share = np.where(stage > 0, 1.0 - kept[np.clip(stage - 1, 0, 4)], 0.0)
        firms.add(
            count,
            district=district,
            city=ci,
            sector=sector,
            born=born,
            employees=employees,
            cash=cash,
            productivity=productivity,
            stage=stage,
            valuation_usd=valuation,
            last_round=np.maximum(last_round, born),
            productivity_at_round=productivity,
            employees_at_round=employees,
            vc_share=vc_share,
            unicorn=(valuation >= UNICORN_USD) & (stage < STAGE_PUBLIC),
        )
    return firms


def _cash_on_plan(setting: Inputs, firms: Firms, revenue: np.ndarray) -> None:
    """A starting VC-backed private firm holds what its last round left for the rest of its plan:
    its planned burn (costs, estimated as 1.4 x the wage bill, less revenue; at least a tenth of
    costs) for the months until its planned next round (``funding.plan_budget``), so that it
    starts on its plan rather than with a windfall to spend."""
    p = setting.params
    stage = firms.view("stage")
    backed = (stage >= 1) & (stage < STAGE_PUBLIC)
    costs = 1.4 * firms.view("employees") * setting.city_wage0[firms.view("city")]
    left = np.maximum(p.funding.round_runway_months + firms.view("last_round"), 1.0)
    burn = np.maximum(costs - revenue, 0.1 * costs)
    firms.planned_burn[: firms.n] = np.where(backed, burn, 0.0)
    firms.cash[: firms.n] = np.where(backed, burn * left, firms.view("cash"))


def _funds(setting: Inputs, rng: np.random.Generator) -> Funds:
    """Private VC funds per city, then one state guidance fund per guidance policy and city."""
    homes, powder, tastes, opens, commitments, national = [], [], [], [], [], []
    for ci in range(setting.n_cities):
        n = setting.city_funds[ci]
        if n == 0:
            continue
        mix = setting.city_sector_mix[ci] + 1e-3
        mix /= mix.sum()
        taste = 0.5 * mix + 0.5 * rng.dirichlet(np.full(setting.n_sectors, 2.0), size=n)
        homes.append(np.full(n, ci))
        powder.append(np.full(n, setting.city_fund_capital_usd[ci] * setting.scale / n))
        tastes.append(taste)
        opens.append(np.full(n, -1))
        commitments.append(np.zeros(n))
        national.append(np.zeros(n, bool))
    usd_yuan = setting.params.funding.usd_yuan
    for policy in setting.policies:
        if policy.kind != "guidance_fund":
            continue
        taste = np.ones(setting.n_sectors, bool)
        if policy.sectors:
            taste = np.zeros(setting.n_sectors, bool)
            taste[list(policy.sectors)] = True
        for city in policy.cities:
            homes.append(np.array([city]))
            powder.append(np.zeros(1))
            tastes.append((taste / taste.sum())[None, :])
            opens.append(np.array([policy.first_step]))
            commitments.append(
                np.array([policy.budget_yuan * setting.scale / usd_yuan / len(policy.cities)])
            )
            national.append(np.array([policy.national]))
    home = np.concatenate(homes).astype(np.int64) if homes else np.zeros(0, np.int64)
    dry = np.concatenate(powder) if powder else np.zeros(0)
    invested = np.zeros((len(home), setting.n_cities))
    invested[np.arange(len(home)), home] = dry  # past stakes at home, for exit proceeds
    open_step = np.concatenate(opens) if opens else np.zeros(0, np.int64)
    return Funds(
        home=home,
        dry_powder_usd=dry,
        sector_taste=np.concatenate(tastes) if tastes else np.zeros((0, setting.n_sectors)),
        invested_in_city_usd=invested,
        state_owned=open_step >= 0,
        opens=open_step,
        commitment_usd=np.concatenate(commitments) if commitments else np.zeros(0),
        national=np.concatenate(national) if national else np.zeros(0, bool),
    )


def _offices(setting: Inputs) -> Offices:
    nd = setting.n_districts
    lag = setting.params.rents.construction_lag_months
    return Offices(
        stock_m2=setting.district_office_stock_m2 * setting.scale,
        rent_per_m2=setting.district_rent_per_m2.copy(),
        rent_start=setting.district_rent_per_m2.copy(),
        rent_market=setting.district_rent_per_m2.copy(),
        other_demand_m2=setting.district_other_demand_m2 * setting.scale,
        buildable_m2=setting.district_buildable_m2 * setting.scale,
        pipeline_m2=np.zeros((nd, lag)),
        vacancy=np.zeros(nd),
    )


def _talent(setting: Inputs, firms: Firms) -> Talent:
    p = setting.params
    engineers = setting.city_engineers * setting.scale
    employed = np.bincount(
        firms.view("city"), weights=firms.view("employees"), minlength=setting.n_cities
    )
    pool = np.maximum(engineers - employed, 0.05 * engineers)
    diaspora = np.where(
        setting.city_china,
        p.talent.abroad_base_share
        * p.talent.top_graduate_share
        * setting.city_graduates
        * 12
        * p.initial.diaspora_years,
        0.0,
    )
    return Talent(
        pool=pool,
        wage=setting.city_wage0.copy(),
        diaspora=diaspora,
        openings=np.zeros(setting.n_cities),
        revenue_per_employee_start=np.zeros(setting.n_cities),  # measured once firms have revenue
    )


def initial_world(inputs: Inputs, rng: np.random.Generator) -> tuple[Setting, World]:
    """Draw the starting agents, measure the reference levels on them, then fix the setting."""
    firms = _firms(inputs, rng)
    controls = export_controls(inputs)
    nd, ns = inputs.n_districts, inputs.n_sectors
    world = World(
        step=0,
        firms=firms,
        funds=_funds(inputs, rng),
        offices=_offices(inputs),
        talent=_talent(inputs, firms),
        chips=Chips(
            cumulative_output=np.zeros(len(controls)),
            availability=np.ones((inputs.n_cities, ns)),
            baseline_output=np.zeros(len(controls)),
        ),
        price=np.ones((len(MARKETS), ns)),
        output_last=np.zeros((len(MARKETS), ns)),
        spillover=np.zeros((nd, ns)),
        reach_mass=np.zeros((nd, ns)),
        practice=np.zeros((nd, ns)),
        flows=Flows.zeros(inputs.n_cities, ns, nd),
        institutions=starting_institutions(inputs),
    )
    know, mass, count = pools(inputs, world)

    def mean_where_present(values: np.ndarray) -> np.ndarray:
        present = values > 0
        return values.sum(axis=0) / np.maximum(present.sum(axis=0), 1)

    # References in the units of reach (a district's own mass times the local premiums), but
    # not through the decay, so that a longer reach raises spillovers above the reference.
    k = inputs.params.knowledge
    own = k.same_city_premium * k.same_district_premium
    ref_knowledge = own * mean_where_present(know)
    ref_mass = own * mean_where_present(mass)
    ref_firms_per_cell = float(count[count > 0].mean()) if (count > 0).any() else 1.0
    kernels = spillover_kernels(inputs, inputs.city_minutes)
    world.spillover = reach(inputs, kernels, know)
    world.reach_mass = reach(inputs, kernels, mass)
    density = density_against(inputs, world.reach_mass, ref_mass)
    output = real_output(inputs, world, density)
    firms.revenue[: firms.n] = output
    firms.revenue_at_round[: firms.n] = output
    world.talent.revenue_per_employee_start = revenue_per_employee(inputs, firms)
    _cash_on_plan(inputs, firms, output)
    # Each market's size at the start: what its firms make (Chinese cities' and the others').
    cell = inputs.city_market[firms.view("city")] * ns + firms.view("sector")
    market = np.bincount(cell, weights=output, minlength=len(MARKETS) * ns).reshape(-1, ns)
    setting = Setting(
        **{f.name: getattr(inputs, f.name) for f in fields(Inputs)},
        ref_knowledge=ref_knowledge,
        ref_mass=ref_mass,
        ref_firms_per_cell=ref_firms_per_cell,
        market0=market,
        ref_research_access=reference_access(inputs, world.institutions.knowledge),
        levers=lever_schedule(inputs),
        export_controls=controls,
    )
    world.output_last = market.copy()
    o = world.offices
    tech = np.bincount(firms.view("district"), weights=firms.view("employees"), minlength=nd)
    o.vacancy = np.maximum(
        1.0 - (tech * setting.params.growth.m2_per_employee + o.other_demand_m2) / o.stock_m2, 0.0
    )
    # The institutions start in balance: their starting budget is the starting firms' contracts
    # plus what the state pays on top, so the first month neither jumps nor falls.
    first = setting.levers.at(0)
    contract_research(setting, world, first, rd_spending(setting, first, world).real)
    split_starting_budget(setting, world)
    return setting, world
