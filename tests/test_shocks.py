"""Export controls: chip output dips when they hit, then recovers as substitutes learn."""

from __future__ import annotations

import numpy as np
import pytest

from helix.experiments.targets import recovery_months
from helix.scenario.load import load_scenario
from helix.world.mechanisms.shocks import update_inputs

START = "2021-01"
SEVERITY = 0.35


def shock_variant(severity: float) -> list[str]:
    """The shipped world without its export controls, plus one on chips from ``START``."""
    base = load_scenario()
    off = [f"shocks.{k}.severity=0.0" for k, s in base.shocks.items() if s.kind == "export_control"]
    return [
        *off,
        'shocks.test-controls.kind="export_control"',
        'shocks.test-controls.sectors=["semiconductors"]',
        f'shocks.test-controls.start="{START}"',
        f"shocks.test-controls.severity={severity}",
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_export_controls_dip_chip_output_then_it_recovers(run, observed, seed):
    until = "2023-12"
    calm = run(shock_variant(0.0), until=until, seed=seed)
    hit = run(shock_variant(SEVERITY), until=until, seed=seed)
    t = hit.months.index(START)
    chips_hit = observed(hit, "output", "Shanghai", "semiconductors")
    chips_calm = observed(calm, "output", "Shanghai", "semiconductors")
    # The same world up to the shock (common random numbers) ...
    assert np.array_equal(chips_hit[:t], chips_calm[:t])
    # ... then a dip: below the month before, and below the world without the shock.
    assert chips_hit[t] < chips_hit[t - 1]
    assert chips_hit[t] < chips_calm[t]
    # The dip is the chip sector's: other sectors barely move in the shock's month (only
    # through the random numbers that the shock's extra imitation uses up).
    ai_hit = observed(hit, "output", "Shanghai", "ai")
    ai_calm = observed(calm, "output", "Shanghai", "ai")
    chip_loss = 1 - chips_hit[t] / chips_calm[t]
    assert abs(1 - ai_hit[t] / ai_calm[t]) < chip_loss / 10
    # Recovery: back to the pre-shock level within the run, and the gap to the calm world narrows.
    months = recovery_months(dict(zip(hit.months, chips_hit, strict=True)), START, until)
    assert months is not None and months > 0
    gap_at_dip = chips_hit[t] / chips_calm[t]
    assert chips_hit[-12:].sum() / chips_calm[-12:].sum() > gap_at_dip
    # Input availability drops by the severity and climbs back towards 1.
    available = hit.observations.city_sector["input_availability"][
        :,
        hit.observations.cities.index("Shanghai"),
        hit.observations.sectors.index("semiconductors"),
    ]
    assert (available[:t] == 1).all()
    assert available[t] == pytest.approx(1 - SEVERITY)
    assert (np.diff(available[t:]) >= 0).all()
    assert available[-1] > available[t]


def test_update_inputs_hits_only_the_named_sector_and_learns(scenario, advanced):
    s = scenario(shock_variant(SEVERITY), until="2021-12", seed=4)
    setting, world, _, _ = advanced(s, 12)  # the shock's first month
    shocks = setting.export_controls
    k = next(i for i, sh in enumerate(shocks) if sh.start == world.step and sh.severity == SEVERITY)
    cities, sectors = shocks[k].cities, shocks[k].sectors
    assert sectors.sum() == 1 and sectors[setting.sectors.index("semiconductors")]
    assert cities.sum() == setting.city_china.sum()  # no cities named: all of China
    update_inputs(setting, world)
    a = world.chips.availability.copy()
    hit = np.ix_(cities, sectors)
    assert a[hit] == pytest.approx(1 - SEVERITY)
    assert (np.delete(a, np.flatnonzero(sectors), axis=1) == 1).all()
    assert (a[~cities] == 1).all()
    # Each later month of output teaches the substitutes: availability rises, never above 1.
    previous = a[hit].copy()
    for month in range(1, 24):
        world.step += 1
        update_inputs(setting, world)
        now = world.chips.availability[hit]
        assert (now > previous).all() and (now <= 1).all(), month
        previous = now.copy()
