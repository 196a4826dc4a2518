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

from helix.world.setting import ExportControl, Inputs, Setting
from helix.world.state import World


def export_controls(inputs: Inputs) -> tuple[ExportControl, ...]:
    """The world's ``export_control`` shocks as masks (no cities named: every Chinese city)."""
    out = []
    for shock in inputs.shocks:
        if shock.kind != "export_control":
            continue
        cities = inputs.city_china.copy()
        if shock.cities:
            cities = np.zeros(inputs.n_cities, bool)
            cities[list(shock.cities)] = True
        sectors = np.ones(inputs.n_sectors, bool)
        if shock.sectors:
            sectors = np.zeros(inputs.n_sectors, bool)
            sectors[list(shock.sectors)] = True
        out.append(ExportControl(shock.first_step, cities, sectors, shock.severity))
    return tuple(out)


def update_inputs(setting: Setting, world: World) -> None:
    """Advance substitutes' learning and set the input availability per (city, sector)."""
    p = setting.params.chips
    b = -np.log2(1.0 - p.learning_rate)
    chips = world.chips
    availability = np.ones((setting.n_cities, setting.n_sectors))
    output = world.flows.real_output
    for k, control in enumerate(setting.export_controls):
        start, cities, sectors = control.start, control.cities, control.sectors
        if world.step < start:
            continue
        hit_output = float(output[np.ix_(cities, sectors)].sum())
        if world.step == start:
            chips.baseline_output[k] = max(hit_output, 1e-12)
            chips.cumulative_output[k] = p.substitute_start
        else:
            chips.cumulative_output[k] += p.state_push * hit_output / chips.baseline_output[k]
        gap = control.severity * (chips.cumulative_output[k] / p.substitute_start) ** (-b)
        availability[np.ix_(cities, sectors)] *= 1.0 - gap
    chips.availability = availability
