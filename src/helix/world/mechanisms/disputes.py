"""IP disputes from imitation among crowded same-sector neighbours (assumption).

Appropriability in the Mark I/II sense (Breschi, Malerba & Orsenigo 2000): the closer and more
numerous the same-sector firms that can see what an imitator copied, the likelier a dispute.
Each imitation of the month is disputed with probability

    p = min(1, ν·(n[d,s]/n_ref)^γ)

n[d,s] the firms of the imitator's sector in its district, n_ref their mean at the start. A
disputed imitator pays the legal cost and gives back a share of what it copied at once (it
settles or provisions), but the dispute is filed, and counted, ``filing_lag_months`` later: it
takes time to find an infringing product on the market and prepare a case (assumption).
"""

from __future__ import annotations

import numpy as np

from helix.world.setting import Setting
from helix.world.state import World


def settle_disputes(
    setting: Setting,
    world: World,
    imitators: np.ndarray,
    gains: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Draw this month's disputes among the imitators and book their costs."""
    p = setting.params.disputes
    f = world.firms
    nc, ns = setting.n_cities, setting.n_sectors
    count = world.flows.firm_count
    crowd = count[f.district[imitators], f.sector[imitators]] / max(
        setting.ref_firms_per_cell, 1e-9
    )
    chance = np.minimum(1.0, p.rate * crowd**p.crowding_elasticity)
    sued = rng.random(len(imitators)) < chance
    rows = imitators[sued]
    f.cash[rows] -= p.cost_yuan
    f.productivity[rows] -= p.loss_share * gains[sued]
    cell = f.city[rows] * ns + f.sector[rows]
    filed = np.bincount(cell, minlength=nc * ns).reshape(nc, ns).astype(float)
    lag = p.filing_lag_months
    if lag == 0:
        world.flows.ip_disputes = filed
        return
    queue = world.dispute_queue
    if queue is None or queue.shape[0] != lag:
        # Before the first month, disputes are taken to have been filed at the first month's rate.
        queue = np.repeat(filed[None], lag, axis=0)
    world.flows.ip_disputes = queue[0].copy()
    world.dispute_queue = np.concatenate([queue[1:], filed[None]])
