"""Research institutions that act: budgets, staff, knowledge, contract research and spin-offs.

Each institution j (a university, a national or city lab: ``[research.*]``) sits in a district
and works in one sector. Its month (Jaffe 1989 and Adams 1990 on the real effects of academic
research; Etzkowitz & Leydesdorff 2000 on the triple helix):

- **Budget**  B_j = b_j · m_j · 1[open] + X_j: the government's budget b_j (dated ``research_budget``
  policies multiply it by m_j) plus last month's contract income X_j from firms. An institution
  open at the start spends its starting budget in its first month: the state pays what the
  starting firms' contracts do not (:func:`split_starting_budget`).
- **Staff**  the budget pays for R*_j = B_j / (w_c·(1 + o)) researchers at the city's wage w_c
  with non-salary overhead o; staff moves a share ``staffing_speed`` of the gap a month, hired
  from and released to the city's job seekers (at most ``max_hire_share`` of the pool a month),
  so engineers are conserved.
- **Knowledge**  K_j = e^{a_j} · B_j / c_j: what it spends, in researcher-months at its starting
  cost c_j, times its researchers' relative productivity e^{a_j}. K_j joins the knowledge pool of
  its (district, sector) (``knowledge``); its researchers join the employee mass. At its starting
  budget and staff K_j is its staff times e^{a_j}, as before institutions acted.
- **Graduates**  its PhDs and postdocs join the city's talent pool at ``graduates_per_year`` times
  its staff over its starting staff (``talent``: the top share of them may go abroad, T7).

What firms pay institutions for contract research is ``contracts``; researchers' firms are
``spinoffs``.
"""

from __future__ import annotations

import numpy as np

from helix.world.setting import Inputs, Levers, Setting
from helix.world.state import Institutions, World


def institution_city(setting: Inputs) -> np.ndarray:
    return setting.district_city[setting.research_district]


def cost_per_researcher(setting: Inputs, wage: np.ndarray) -> np.ndarray:
    """Monthly cost of one researcher of each institution at its city's wage ``wage``."""
    overhead = setting.params.research.overhead_per_wage
    return wage[institution_city(setting)] * (1.0 + overhead)


def starting_institutions(setting: Inputs) -> Institutions:
    """Institutions as the run finds them: open ones at their starting staff and budget."""
    open_now = setting.research_first_step <= 0
    staff = np.where(open_now, setting.research_staff, 0.0)
    budget = np.where(open_now, setting.research_budget_yuan, 0.0)
    return Institutions(
        researchers=staff.astype(float),
        government_yuan=setting.research_budget_yuan.astype(float),
        budget_yuan=budget.astype(float),
        contract_income_yuan=np.zeros(len(staff)),
        knowledge=_knowledge(setting, budget),
    )


def _knowledge(setting: Inputs, budget: np.ndarray) -> np.ndarray:
    """Knowledge mass from spending: researcher-months at the starting cost, times e^{a_j}."""
    start_cost = cost_per_researcher(setting, setting.city_wage0)
    return np.exp(setting.research_productivity) * budget / np.maximum(start_cost, 1e-9)


def split_starting_budget(setting: Inputs, world: World) -> None:
    """Split the starting budget of each open institution into the starting firms' contracts
    (``contract_income_yuan``, already booked) and the government's share of the rest."""
    inst = world.institutions
    open_now = setting.research_first_step <= 0
    rest = np.maximum(setting.research_budget_yuan - inst.contract_income_yuan, 0.0)
    inst.government_yuan = np.where(open_now, rest, setting.research_budget_yuan)
    inst.contract_income_yuan = np.where(open_now, inst.contract_income_yuan, 0.0)


def fund_and_staff(setting: Setting, world: World, levers: Levers) -> None:
    """One month of the institutions: budget, staff (through the talent pool) and knowledge."""
    p = setting.params.research
    inst = world.institutions
    if len(inst.researchers) == 0:
        return
    open_now = setting.research_first_step <= world.step
    government = inst.government_yuan * levers.research_budget * open_now
    inst.budget_yuan = government + inst.contract_income_yuan
    inst.knowledge = _knowledge(setting, inst.budget_yuan)

    wanted = inst.budget_yuan / np.maximum(cost_per_researcher(setting, world.talent.wage), 1e-9)
    change = p.staffing_speed * (wanted - inst.researchers)
    city = institution_city(setting)
    nc = setting.n_cities
    hires = np.maximum(change, 0.0)
    asked = np.bincount(city, weights=hires, minlength=nc)
    room = p.max_hire_share * np.maximum(world.talent.pool, 0.0)
    fill = np.minimum(room / np.maximum(asked, 1e-12), 1.0)
    hires *= fill[city]
    leavers = np.minimum(np.maximum(-change, 0.0), inst.researchers)
    inst.researchers = inst.researchers + hires - leavers
    world.talent.pool += np.bincount(city, weights=leavers - hires, minlength=nc)

    flows = world.flows
    flows.research_budget = np.bincount(city, weights=inst.budget_yuan, minlength=nc)
    flows.researchers = np.bincount(city, weights=inst.researchers, minlength=nc)
    flows.research_output = np.bincount(
        city,
        weights=p.output_per_researcher / 12.0 * inst.knowledge,
        minlength=nc,
    )


def graduates(setting: Inputs, world: World) -> np.ndarray:
    """PhDs and postdocs per city this month: each institution's flow grows with its staff."""
    inst = world.institutions
    ratio = inst.researchers / np.maximum(setting.research_staff, 1e-9)
    return np.bincount(
        institution_city(setting),
        weights=setting.research_graduates * ratio,
        minlength=setting.n_cities,
    )


def research_pull(setting: Setting, world: World) -> np.ndarray:
    """ψ·ln(K_c/K_c,0) per city: how much more its institutions do than at the start (0 in a
    city that had none), which lowers the share of its top graduates who go abroad."""
    city = institution_city(setting)
    nc = setting.n_cities
    now = np.bincount(city, weights=world.institutions.knowledge, minlength=nc)
    open_at_start = np.where(setting.research_first_step <= 0, setting.research_budget_yuan, 0.0)
    start = np.bincount(city, weights=_knowledge(setting, open_at_start), minlength=nc)
    ratio = np.where(start > 0, np.maximum(now, 1e-12) / np.maximum(start, 1e-12), 1.0)
    return setting.params.research.graduate_retention * np.log(ratio)
