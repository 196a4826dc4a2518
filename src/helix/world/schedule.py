"""One simulated month: the mechanisms in the order they act.

Order matters and is this: the state's levers are read; knowledge spreads and inputs are
counted; firms spend on R&D, innovate and imitate, and are sued; they sell, pay and hire; the
talent market moves people and wages; new firms are founded; VC funds invest; firms list, are
bought or fail; the office market clears; squeezed firms move. Each mechanism reads the world as
the previous one left it, so a month's causes come before their effects within the month.
"""

from __future__ import annotations

import numpy as np

from helix.world.mechanisms.disputes import settle_disputes
from helix.world.mechanisms.exits import exit_firms
from helix.world.mechanisms.founding import found_firms
from helix.world.mechanisms.funding import invest
from helix.world.mechanisms.innovation import innovate_and_imitate
from helix.world.mechanisms.knowledge import (
    density_multiplier,
    spillover_kernels,
    update_spillovers,
)
from helix.world.mechanisms.operations import operate
from helix.world.mechanisms.policy import Levers, levers
from helix.world.mechanisms.rd import rd_spending
from helix.world.mechanisms.relocation import relocate_firms
from helix.world.mechanisms.rents import clear_office_market
from helix.world.mechanisms.shocks import export_shocks, update_inputs
from helix.world.mechanisms.talent import move_talent
from helix.world.setting import Setting
from helix.world.state import World


class Schedule:
    """The monthly step of one run, with what it can reuse from month to month."""

    def __init__(self, setting: Setting, world: World) -> None:
        self.setting = setting
        self.shocks = export_shocks(setting)
        self._kernels: tuple[bytes, tuple[np.ndarray, np.ndarray]] | None = None

    def kernels(self, lev: Levers) -> tuple[np.ndarray, np.ndarray]:
        key = lev.key()
        if self._kernels is None or self._kernels[0] != key:
            self._kernels = (key, spillover_kernels(self.setting, lev.city_minutes))
        return self._kernels[1]

    def step(self, world: World, rng: np.random.Generator) -> None:
        setting = self.setting
        world.flows = {k: v for k, v in world.flows.items() if k in CARRIED_OVER}
        lev = levers(setting, world.step)
        update_spillovers(setting, world, self.kernels(lev))
        update_inputs(setting, world, self.shocks)
        rd = rd_spending(setting, lev, world)
        imitators, gains = innovate_and_imitate(setting, world, rd.real_intensity, rng)
        settle_disputes(setting, world, imitators, gains, rng)
        operate(setting, world, lev, rd, density_multiplier(setting, world), rng)
        move_talent(setting, world, lev)
        found_firms(setting, world, lev, rng)
        invest(setting, world, lev, rng)
        exit_firms(setting, world, rng)
        clear_office_market(setting, world, lev)
        relocate_firms(setting, world, lev, rng)


# Last month's values some mechanisms read before this month's are computed.
CARRIED_OVER = frozenset({"real_output_cs", "margin_cs", "hiring_demand", "value_created_c"})
