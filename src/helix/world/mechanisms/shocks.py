"""Export-control shocks and recovery by learning-by-doing (Irwin & Klenow 1994).

When an ``export_control`` shock starts, the hit sectors in the hit cities lose a share σ (the
severity) of their imported inputs. Domestic substitutes close the gap as their cumulative
output Q grows; with a learning rate λ (cost falls by λ per doubling of cumulative output,
Irwin & Klenow: ~20% for chips) the remaining gap is

    x = 1 - σ·(Q/Q₀)^(-b),   b = -log2(1 - λ),

where Q is counted in months of the sector's pre-shock output, starts at Q₀ (what domestic
suppliers had made before) and grows each month by ψ·(current output / pre-shock output), ψ the
state push (state purchases and funds for domestic substitutes). The report's claim, 5 nm chips
within 18 months of the 2023 controls, is a target (T6) for the recovery this produces.
"""

from __future__ import annotations

import numpy as np

from helix.scenario.schema import month_index
from helix.world.setting import Setting
from helix.world.state import World


def export_shocks(setting: Setting) -> list[tuple[int, np.ndarray, np.ndarray, float]]:
    """(start step, hit cities mask, hit sectors mask, severity) of each export control."""
    s = setting.scenario
    out = []
    for shock in s.shocks.values():
        if shock.kind != "export_control":
            continue
        cities = (
            np.isin(setting.cities, shock.cities) if shock.cities else setting.city_china.copy()
        )
        sectors = (
            np.isin(setting.sectors, shock.sectors)
            if shock.sectors
            else np.ones(setting.n_sectors, bool)
        )
        out.append(
            (month_index(shock.start) - setting.start_month, cities, sectors, shock.severity)
        )
    return out


def update_inputs(setting: Setting, world: World, shocks: list) -> None:
    """Advance substitutes' learning and set the input availability per (city, sector)."""
    p = setting.params.chips
    b = -np.log2(1.0 - p.learning_rate)
    chips = world.chips
    availability = np.ones((setting.n_cities, setting.n_sectors))
    output = world.flows.get("real_output_cs")
    for k, (start, cities, sectors, severity) in enumerate(shocks):
        if world.step < start:
            continue
        hit_output = 0.0 if output is None else float(output[np.ix_(cities, sectors)].sum())
        if world.step == start:
            chips.baseline_output[k] = max(hit_output, 1e-12)
            chips.cumulative_output[k] = p.substitute_start
        else:
            chips.cumulative_output[k] += p.state_push * hit_output / chips.baseline_output[k]
        gap = severity * (chips.cumulative_output[k] / p.substitute_start) ** (-b)
        availability[np.ix_(cities, sectors)] *= 1.0 - gap
    chips.availability = availability
