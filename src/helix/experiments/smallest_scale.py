"""Scale honesty: the smallest scale at which counted outcomes mean something.

A run at scale ``s`` simulates ``s`` of the world's agents and reports counts divided by ``s``
(:mod:`helix.experiments.measures`, rule 5). Rates, ratios and shares hold at small scales; counts
of rare things do not, because a count at scale ``s`` is ``1/s`` times a count of fewer firms,
and because integer granularity (one round, one spin-off) binds more often in a small run. Issue
13 measured the report's figures T1-T7 over seeds 1-8 at scales 1, 0.5 and 0.25 (docs/model.md
§2.9, "What still depends on scale"): at 0.5 all seven hold on the mean of the seeds; at 0.25
the rates and ratios still do but T2, the unicorns (26 per unit of scale against 38.6 at scale
1), and T5, the growth of IP disputes (+48% against +65%), do not. Issue 14 found Shanghai's
unicorns in 2025 at 0, 4, 12 and 41 at scales 0.1, 0.3, 0.5 and 1 (seeds 1-4, before the deal
test's scale correction).

:data:`SMALLEST_SCALE` is that finding's one home in code; every command that reports counts
(``helix run``, ``experiment``, ``validate``, ``calibrate``) says so in one line below it,
without failing (a small run is still a fine smoke test). Measured on the shipped world;
another world is assumed alike until it is measured.
"""

from __future__ import annotations

from collections.abc import Iterable

from helix.world.catalogue import INDICATORS

SMALLEST_SCALE = 0.5
"""The smallest scale at which T1-T7, counts of rare firms included, mean something on the mean
of 8 seeds (issue 13; docs/model.md §2.9)."""

COUNTED_UNITS = frozenset({"firms", "rounds", "disputes"})
"""Units of indicators that count discrete, often rare things (firms, VC rounds, IP disputes);
money, people, rents and shares are sums of many and hold at smaller scales."""


def counted(indicator: str) -> bool:
    """Whether an indicator counts firms, rounds or disputes (per month or in stock)."""
    info = INDICATORS.get(indicator)
    return info is not None and info.unit.split("/")[0] in COUNTED_UNITS


def below_smallest_scale(scale: float, indicators: Iterable[str], what: str) -> str | None:
    """One line saying that ``what`` (e.g. "the outcomes") reads counts at a scale too small for
    them, naming the counted indicators; None at :data:`SMALLEST_SCALE` or above, or when
    nothing counted is read."""
    counts = sorted({name for name in indicators if counted(name)})
    if scale >= SMALLEST_SCALE or not counts:
        return None
    return (
        f"scale {scale:g} is below {SMALLEST_SCALE:g}, the smallest at which counts of firms mean "
        f"something (docs/model.md §2.9): {what} read {', '.join(counts)}, which a smaller run "
        f"gets wrong, rare firms most; read them at scale {SMALLEST_SCALE:g} or more"
    )
