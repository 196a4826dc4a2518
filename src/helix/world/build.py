"""The world at the start of a run: firms, funds, offices and talent pools from a scenario.

Starting firms are drawn per city (count × scale) with the city's sector mix and its districts'
weights; headcount is log-normal (not Pareto: a heavy upper tail has to come out of the dynamics,
see docs/calibration.md), ages are uniform up to ``max_age_months``, funding stages follow
``stage_shares`` with larger firms in later stages, and valuations are log-normal around the
stage's median.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from helix.scenario.schema import month_index
from helix.world.mechanisms.knowledge import density_multiplier, pools, reach, spillover_kernels
from helix.world.mechanisms.operations import real_output
from helix.world.mechanisms.shocks import export_shocks
from helix.world.setting import Setting
from helix.world.state import STAGE_PUBLIC, Chips, Firms, Funds, Offices, Talent, World


def _firms(setting: Setting, rng: np.random.Generator) -> Firms:
    s = setting.scenario
    init = setting.params.initial
    firms = Firms()
    districts = np.arange(setting.n_districts)
    for ci, name in enumerate(setting.cities):
        city = s.cities[name]
        count = round(city.firms * setting.scale)
        if count == 0:
            continue
        mix = np.array([city.sector_mix.get(k, 0.0) for k in setting.sectors])
        sector = rng.choice(setting.n_sectors, size=count, p=mix / mix.sum())
        own = districts[setting.district_city == ci]
        weight = np.array([s.districts[setting.districts[d]].firm_share for d in own])
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
        wage = city.wage
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
            vc_share=vc_share,
            unicorn=(valuation >= 1e9) & (stage < STAGE_PUBLIC),
        )
    return firms


def _funds(setting: Setting, rng: np.random.Generator) -> Funds:
    """Private VC funds per city, then one state guidance fund per guidance policy and city."""
    s = setting.scenario
    homes, powder, tastes, opens, commitments, national = [], [], [], [], [], []
    for ci, name in enumerate(setting.cities):
        city = s.cities[name]
        if city.funds == 0:
            continue
        mix = np.array([city.sector_mix.get(k, 0.0) for k in setting.sectors]) + 1e-3
        mix /= mix.sum()
        taste = 0.5 * mix + 0.5 * rng.dirichlet(np.full(setting.n_sectors, 2.0), size=city.funds)
        homes.append(np.full(city.funds, ci))
        powder.append(np.full(city.funds, city.fund_capital_usd * setting.scale / city.funds))
        tastes.append(taste)
        opens.append(np.full(city.funds, -1))
        commitments.append(np.zeros(city.funds))
        national.append(np.zeros(city.funds, bool))
    usd_yuan = setting.params.funding.usd_yuan
    for policy in s.policies.values():
        if policy.kind != "guidance_fund":
            continue
        taste = (
            np.isin(setting.sectors, policy.sectors)
            if policy.sectors
            else np.ones(setting.n_sectors, bool)
        )
        for city in policy.cities:
            homes.append(np.array([setting.cities.index(city)]))
            powder.append(np.zeros(1))
            tastes.append((taste / taste.sum())[None, :])
            opens.append(np.array([month_index(policy.start) - setting.start_month]))
            commitments.append(
                np.array([policy.budget_yuan * setting.scale / usd_yuan / len(policy.cities)])
            )
            national.append(np.array([policy.reach == "national"]))
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


def _offices(setting: Setting) -> Offices:
    s = setting.scenario
    ds = [s.districts[d] for d in setting.districts]
    lag = setting.params.rents.construction_lag_months
    return Offices(
        stock_m2=np.array([d.office_stock_m2 for d in ds]) * setting.scale,
        rent_per_m2=np.array([d.rent_per_m2 for d in ds], dtype=float),
        rent_start=np.array([d.rent_per_m2 for d in ds], dtype=float),
        other_demand_m2=np.array([d.other_demand_m2 for d in ds]) * setting.scale,
        buildable_m2=np.array([d.buildable_m2 for d in ds]) * setting.scale,
        pipeline_m2=np.zeros((len(ds), lag)),
        vacancy=np.zeros(len(ds)),
    )


def _talent(setting: Setting, firms: Firms) -> Talent:
    s = setting.scenario
    p = setting.params
    engineers = np.array([s.cities[c].engineers for c in setting.cities]) * setting.scale
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
    )


def initial_world(setting: Setting, rng: np.random.Generator) -> tuple[Setting, World]:
    """Draw the starting agents, then fix the reference levels measured on them."""
    firms = _firms(setting, rng)
    n_shocks = len(export_shocks(setting))
    nd, ns = setting.n_districts, setting.n_sectors
    world = World(
        step=0,
        firms=firms,
        funds=_funds(setting, rng),
        offices=_offices(setting),
        talent=_talent(setting, firms),
        chips=Chips(
            cumulative_output=np.zeros(n_shocks),
            availability=np.ones((setting.n_cities, ns)),
            baseline_output=np.zeros(n_shocks),
        ),
        price=np.ones(ns),
        output_last=np.zeros(ns),
        spillover=np.zeros((nd, ns)),
        reach_mass=np.zeros((nd, ns)),
        practice=np.zeros((nd, ns)),
    )
    know, mass, count = pools(setting, world)

    def mean_where_present(values: np.ndarray) -> np.ndarray:
        present = values > 0
        return values.sum(axis=0) / np.maximum(present.sum(axis=0), 1)

    # References in the units of reach (a district's own mass times the local premiums), but
    # not through the decay, so that a longer reach raises spillovers above the reference.
    k = setting.params.knowledge
    own = k.same_city_premium * k.same_district_premium
    ref = {
        "knowledge": own * mean_where_present(know),
        "mass": own * mean_where_present(mass),
        "firms_per_cell": np.array([count[count > 0].mean() if (count > 0).any() else 1.0]),
    }
    setting = replace(
        setting,
        ref_knowledge=ref["knowledge"],
        ref_mass=ref["mass"],
        ref_firms_per_cell=float(ref["firms_per_cell"][0]),
    )
    kernels = spillover_kernels(setting, setting.city_minutes)
    world.spillover = reach(setting, kernels, know)
    world.reach_mass = reach(setting, kernels, mass)
    density = density_multiplier(setting, world)
    output = real_output(setting, world, density)
    firms.revenue[: firms.n] = output
    firms.revenue_at_round[: firms.n] = output
    market = np.bincount(firms.view("sector"), weights=output, minlength=ns)
    setting = replace(setting, market0=market)
    world.output_last = market.copy()
    o = world.offices
    tech = np.bincount(firms.view("district"), weights=firms.view("employees"), minlength=nd)
    o.vacancy = np.maximum(
        1.0 - (tech * setting.params.growth.m2_per_employee + o.other_demand_m2) / o.stock_m2, 0.0
    )
    return setting, world
