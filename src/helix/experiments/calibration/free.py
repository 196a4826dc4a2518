"""Free parameters: what a scenario's ``[calibration]`` table leaves to the search."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helix.errors import ExperimentError
from helix.scenario.consistency import parameter_field
from helix.scenario.schema import Scenario


@dataclass(frozen=True)
class FreeParameter:
    """A parameter left free by the scenario's ``[calibration]`` table."""

    path: str
    low: float
    high: float
    integer: bool
    log: bool
    start: float
    schema_low: float | None = None
    schema_high: float | None = None

    def to_unit(self, value: float) -> float:
        """Position of ``value`` in [0, 1] across the bounds (on a log scale if :attr:`log`)."""
        if self.log:
            return (math.log(value) - math.log(self.low)) / (
                math.log(self.high) - math.log(self.low)
            )
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        """Inverse of :meth:`to_unit`, rounded for integer parameters."""
        u = min(max(u, 0.0), 1.0)
        if self.log:
            v = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            v = self.low + u * (self.high - self.low)
        return float(round(v)) if self.integer else v

    def distribution(self) -> Any:
        """The optuna distribution searched for this parameter."""
        # optuna takes about a second to import: only a search pays for it.
        from optuna.distributions import FloatDistribution, IntDistribution

        if self.integer:
            return IntDistribution(int(self.low), int(self.high), log=self.log)
        return FloatDistribution(self.low, self.high, log=self.log)


def free_parameters(s: Scenario) -> list[FreeParameter]:
    """The scenario's free parameters, in the order of its ``[calibration]`` table.

    A parameter is searched on a log scale when its bounds are positive and span a factor of
    10 or more.

    Raises:
        ExperimentError: if the scenario marks no parameter as calibrated.
    """
    if not s.calibration:
        raise ExperimentError(
            "the scenario marks no parameter as free: add a [calibration] table", key="calibration"
        )
    out = []
    for path, b in s.calibration.items():
        lo, hi, integer, value = parameter_field(s, path)
        log = b.low > 0 and b.high / b.low >= 10
        out.append(FreeParameter(path, b.low, b.high, integer, log, value, lo, hi))
    return out


def with_values(data: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """A copy of a scenario dict with each dotted path set to its value."""
    out = copy.deepcopy(data)
    for path, value in values.items():
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return out


def typed_values(free: Sequence[FreeParameter], values: dict[str, float]) -> dict[str, float]:
    """The values with integer parameters rounded (as the scenario schema wants them)."""
    kinds = {p.path: p.integer for p in free}
    return {k: (round(v) if kinds.get(k) else float(v)) for k, v in values.items()}
