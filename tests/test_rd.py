"""R&D and the tax break: more real R&D, and more reported than real (relabelling)."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from helix.scenario.load import load_scenario
from helix.world.mechanisms.policy import levers
from helix.world.mechanisms.rd import rd_spending
from helix.world.simulation import prepare


def tax_break_variant(value: float) -> list[str]:
    """The shipped world without its tax breaks, plus one for Shanghai of ``value``."""
    base = load_scenario()
    off = [f"policies.{k}.value=0.0" for k, p in base.policies.items() if p.kind == "rd_tax_break"]
    return [
        *off,
        'policies.test-break.kind="rd_tax_break"',
        'policies.test-break.cities=["Shanghai"]',
        'policies.test-break.start="2020-07"',
        f"policies.test-break.value={value}",
    ]


def test_the_tax_break_raises_real_rd_and_reported_rd_more(run, observed):
    without, with_break = run(tax_break_variant(0.0), seed=8), run(tax_break_variant(0.5), seed=8)
    first = without.months.index("2020-07")
    real0 = observed(without, "rd_real", "Shanghai")
    real1 = observed(with_break, "rd_real", "Shanghai")
    reported1 = observed(with_break, "rd_reported", "Shanghai")
    # Common random numbers: identical before the break, more real R&D from its first month.
    assert np.array_equal(real0[:first], real1[:first])
    assert real1[first] > real0[first]
    assert real1[first:].sum() > real0[first:].sum()
    # Relabelling: more reported than real while the break is in force, and only then.
    assert (reported1[first:] > real1[first:]).all()
    assert np.allclose(reported1[:first], real1[:first], rtol=1e-12)
    assert (observed(with_break, "tax_expenditure", "Shanghai")[first:] > 0).all()
    # Elsewhere nothing changes in the first month, and reported equals real throughout.
    others = [c for c in without.observations.cities if c != "Shanghai"]
    assert (
        observed(with_break, "rd_real", others)[first]
        == observed(without, "rd_real", others)[first]
    )
    assert np.allclose(
        observed(with_break, "rd_reported", others),
        observed(with_break, "rd_real", others),
        rtol=1e-12,
    )
    assert observed(with_break, "tax_expenditure", others).sum() == 0


@settings(max_examples=40, deadline=None)
@given(low=st.floats(0.0, 1.2), extra=st.floats(0.01, 1.2))  # sums the schema check allows
def test_rd_rises_with_the_deduction_and_reporting_more(low, extra):
    setting, world, lev = _prepared()
    n = world.firms.n
    spend = {}
    for d in (low, low + extra):
        deduction = np.full_like(lev.rd_extra_deduction, d)
        spend[d] = rd_spending(setting, replace(lev, rd_extra_deduction=deduction), world)
    a, b = spend[low], spend[low + extra]
    alive = world.firms.view("alive")
    assert (b.real[alive] > a.real[alive]).all()
    assert (b.reported[alive] / b.real[alive] > a.reported[alive] / a.real[alive]).all()
    assert (b.reported[alive] >= b.real[alive]).all()
    assert (b.tax_expenditure[alive] > a.tax_expenditure[alive]).all()  # a dearer break
    assert len(a.real) == n


def test_no_deduction_means_reported_equals_real_and_no_tax_cost():
    setting, world, lev = _prepared()
    none = rd_spending(setting, replace(lev, rd_extra_deduction=0 * lev.rd_extra_deduction), world)
    assert np.array_equal(none.reported, none.real)
    assert (none.tax_expenditure == 0).all()
    dead = ~world.firms.view("alive")
    assert (none.real[dead] == 0).all()
    assert (none.real >= 0).all()


@functools.cache
def _prepared():
    """A prepared small world and the levers of its first month (shared: do not modify)."""
    setting, world, _ = prepare(load_scenario(until="2020-06", scale=0.02, seed=9))
    return setting, world, levers(setting, 0)
