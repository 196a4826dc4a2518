"""Exits: listing (IPO), acquisition by the sector's leader, and failure.

- IPO: a private firm at stage B or later valued above the listing threshold lists with a
  monthly probability (the STAR market of the Shanghai Stock Exchange). It leaves the unicorn
  count (unicorns are private by definition, CB Insights) and raises a tenth of its value.
- Acquisition: a VC-backed private firm is bought with a monthly probability by the largest firm
  of its (city, sector); employees and knowledge mass join the acquirer, so concentration rises
  (Schumpeter Mark II, Breschi, Malerba & Orsenigo 2000).
- Distress sale: a VC-backed private firm that is failing (see below: its follow-on round did
  not come and its cash ran out) is, with probability ``distress_sale_share``, bought by its sector's leader for
  ``distress_price_share`` of its last post-money valuation (an acqui-hire: a zero-value exit
  for founders, Hall & Woodward 2010); otherwise it fails.
- Failure (Nelson & Winter 1982): a firm exits when its cash runs out, or after ``loss_months``
  consecutive loss months with less than three months of costs in hand. Employees go back to the
  city's pool of job seekers.
Exit proceeds (the VC-owned share of the value) return to the funds that invested in the city,
and a share of them is raised again (the fundraising cycle of Gompers & Lerner 1998).
"""

from __future__ import annotations

import numpy as np

from helix.world import kernels
from helix.world.mechanisms.funding import add_value_created
from helix.world.parameters import Exits
from helix.world.setting import Setting
from helix.world.state import STAGE_PUBLIC, Firms, World


def _leaders(setting: Setting, world: World) -> np.ndarray:
    """Row of the largest living firm per (city, sector) cell, -1 where the cell is empty."""
    f = world.firms
    ns = setting.n_sectors
    cell = f.view("city") * ns + f.view("sector")
    # The first such row on ties.
    return kernels.group_argmax(cell, f.view("employees"), setting.n_cities * ns, f.view("alive"))


def _return_proceeds(setting: Setting, world: World, city: np.ndarray, usd: np.ndarray) -> None:
    funds = world.funds
    proceeds = np.bincount(city, weights=usd, minlength=setting.n_cities)
    add_value_created(setting, world, city, usd)
    stake = funds.invested_in_city_usd
    share = stake / np.maximum(stake.sum(axis=0), 1e-300)[None, :]
    funds.dry_powder_usd += setting.params.funding.fundraise_return_share * (share @ proceeds)


def _failing(p: Exits, f: Firms) -> np.ndarray:
    """Firms out of cash, or after ``loss_months`` of losses with under 3 months of costs."""
    broke = f.view("cash") < 0
    exhausted = (f.view("loss_months") >= p.loss_months) & (f.view("cash") < 3 * f.view("costs"))
    return broke | exhausted


def _merge(world: World, bought: np.ndarray, acquirer: np.ndarray) -> None:
    """The ``bought`` firms join their ``acquirer``: staff, knowledge mass and cash."""
    f = world.firms
    # Sums per buyer over the bought firms in their order (as a bincount over all rows adds
    # them), without a firm-sized array per sum.
    buyers, slot = np.unique(acquirer, return_inverse=True)
    k = len(buyers)
    knowledge = np.bincount(
        slot, weights=f.employees[bought] * np.exp(f.productivity[bought]), minlength=k
    )
    staff = np.bincount(slot, weights=f.employees[bought], minlength=k)
    new_staff = f.employees[buyers] + staff
    f.productivity[buyers] = np.log(
        (f.employees[buyers] * np.exp(f.productivity[buyers]) + knowledge)
        / np.maximum(new_staff, 1e-12)
    )
    f.employees[buyers] = new_staff
    # The bought firms' recent hires are still learning the job at the acquirer.
    f.ramping[buyers] += np.bincount(slot, weights=f.ramping[bought], minlength=k)
    f.cash[buyers] += np.bincount(slot, weights=f.cash[bought], minlength=k)
    f.alive[bought] = False
    f.employees[bought] = 0.0
    f.ramping[bought] = 0.0
    f.cash[bought] = 0.0


def exit_firms(setting: Setting, world: World, rng: np.random.Generator) -> None:
    """Listings, acquisitions and failures of this month."""
    p = setting.params.exits
    f = world.firms
    n = f.n
    nc, ns = setting.n_cities, setting.n_sectors
    alive = f.view("alive")
    stage = f.view("stage")
    u_ipo, u_buy, u_sale = rng.random(n), rng.random(n), rng.random(n)

    ipo = np.flatnonzero(
        alive
        & (stage >= 3)
        & (stage < STAGE_PUBLIC)
        & (f.view("valuation_usd") >= p.ipo_valuation_usd)
        & (u_ipo < p.ipo_rate)
    )
    _return_proceeds(setting, world, f.city[ipo], f.vc_share[ipo] * f.valuation_usd[ipo])
    f.stage[ipo] = STAGE_PUBLIC
    f.cash[ipo] += 0.1 * f.valuation_usd[ipo] * setting.params.funding.usd_yuan
    world.record("ipo", ipo, f.valuation_usd[ipo])

    leaders = _leaders(setting, world)

    def buyable(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The firms at ``rows`` that their cell's leader (not themselves) can buy, and it."""
        # NumPy's gather, not kernels.take: the only integer table taken, and a second compiled
        # signature cost more on the first run after an install than the gather costs in a run.
        buyer = leaders[f.city[rows] * ns + f.sector[rows]]
        can = (buyer >= 0) & (buyer != rows)
        return rows[can], buyer[can]

    target = alive & (stage >= 1) & (stage < STAGE_PUBLIC) & (u_buy < p.acquisition_rate)
    bought, acquirer = buyable(np.flatnonzero(target))
    price = f.valuation_usd[bought]
    _return_proceeds(setting, world, f.city[bought], f.vc_share[bought] * price)
    world.record("acquired", bought, price)
    _merge(world, bought, acquirer)

    # A VC-backed firm out of cash whose next round has not come: sold for little or shut down.
    alive = f.view("alive")
    distressed = alive & _failing(p, f) & (f.view("stage") >= 1) & (f.view("stage") < STAGE_PUBLIC)
    sold, acquirer = buyable(np.flatnonzero(distressed & (u_sale < p.distress_sale_share)))
    fire_sale = p.distress_price_share * f.valuation_usd[sold]
    _return_proceeds(setting, world, f.city[sold], f.vc_share[sold] * fire_sale)
    world.record("acquired", sold, fire_sale)
    f.cash[sold] = 0.0  # the buyer pays the creditors out of the price (assumption)
    _merge(world, sold, acquirer)
    bought = np.concatenate([bought, sold])

    alive = f.view("alive")
    failed = np.flatnonzero(alive & _failing(p, f))
    world.record("failed", failed, f.employees[failed])
    world.talent.pool += np.bincount(f.city[failed], weights=f.employees[failed], minlength=nc)
    f.alive[failed] = False
    f.employees[failed] = 0.0
    f.ramping[failed] = 0.0
    f.cash[failed] = 0.0

    def per_cell(rows: np.ndarray) -> np.ndarray:
        return np.bincount(f.city[rows] * ns + f.sector[rows], minlength=nc * ns).reshape(nc, ns)

    world.flows.deaths = per_cell(failed)
    world.flows.ipos = per_cell(ipo)
    world.flows.acquisitions = per_cell(bought)
