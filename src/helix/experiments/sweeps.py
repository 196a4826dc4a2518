"""The sweep: swept parameters with their schema bounds, and the points drawn over them.

Points come from SALib (Latin hypercube, Saltelli's design for Sobol indices, Morris
trajectories) or a full-factorial grid, deterministic in the experiment's seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

import numpy as np
from pydantic import BaseModel

from helix.errors import ExperimentError
from helix.experiments.spec import ExperimentFile, Parameter, Sweep
from helix.experiments.variants import key_path
from helix.scenario.schema import Scenario


@dataclass(frozen=True)
class SweptParameter:
    """A parameter of the sweep with its bounds from the schema."""

    name: str
    role: Literal["uncertainty", "lever"]
    key: str
    low: float
    high: float
    integer: bool


def position_seed(key: list[int]) -> int:
    """A run's seed from its position: ``SeedSequence(key)``'s first word, below 2**63."""
    state = np.random.SeedSequence(key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def parameter_bounds(key: str, data: dict[str, Any]) -> tuple[float | None, float | None, bool]:
    """Bounds (from the schema's ``ge``/``le``) and integer-ness of a numeric scenario key.

    Raises:
        KeyError: the key names no numeric parameter of the scenario.
    """
    model: Any = Scenario
    node: Any = data
    parts = key_path(key)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(part)
            if info is None or not isinstance(node, dict) or part not in node:
                raise KeyError(key)
            if last:
                if info.annotation not in (int, float):
                    raise KeyError(key)
                lo = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
                hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
                return lo, hi, info.annotation is int
            model, node = info.annotation, node[part]
        elif get_origin(model) is dict:
            if not isinstance(node, dict) or part not in node or last:
                raise KeyError(key)
            model, node = get_args(model)[1], node[part]
        else:
            raise KeyError(key)
    raise KeyError(key)


def swept_parameters(spec: ExperimentFile, base: dict[str, Any], file: str) -> list[SweptParameter]:
    out: list[SweptParameter] = []
    groups: tuple[tuple[Literal["uncertainty", "lever"], str, dict[str, Parameter]], ...] = (
        ("uncertainty", "uncertainties", spec.uncertainties),
        ("lever", "levers", spec.levers),
    )
    for role, table, params in groups:
        for name, p in params.items():
            where = f"{table}.{name}"
            try:
                lo, hi, integer = parameter_bounds(p.key, base)
            except KeyError:
                raise ExperimentError(
                    f"unknown key {p.key!r}: not a numeric parameter of the scenario",
                    file=file,
                    key=f"{where}.key",
                ) from None
            if not p.low < p.high:
                raise ExperimentError(
                    f"low ({p.low:g}) must be below high ({p.high:g})",
                    file=file,
                    key=f"{where}.low",
                )
            for bound, value in (("low", p.low), ("high", p.high)):
                if (lo is not None and value < lo) or (hi is not None and value > hi):
                    raise ExperimentError(
                        f"{value:g} is outside the bounds of {p.key} "
                        f"[{_fmt_bound(lo)}, {_fmt_bound(hi)}]",
                        file=file,
                        key=f"{where}.{bound}",
                    )
            out.append(SweptParameter(name, role, p.key, p.low, p.high, integer))
    return out


def _fmt_bound(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:g}"


# ------------------------------------------------------------------------------ the samples


def salib_problem(parameters: list[SweptParameter]) -> dict[str, Any]:
    """The SALib problem of the sweep."""
    return {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [[p.low, p.high] for p in parameters],
    }


def draw_samples(
    parameters: list[SweptParameter], sweep: Sweep | None, seed: int, file: str
) -> np.ndarray:
    """The sweep's points (rows) over its parameters (columns), deterministic in ``seed``."""
    if not parameters:
        return np.zeros((0, 0))
    if sweep is None:
        raise ExperimentError(
            "uncertainties or levers need a [sweep] table with a design", file=file, key="sweep"
        )
    # SALib (and scipy.stats under it) costs a second at import: only sweeps load it, not every
    # process that imports helix (each worker, each command).
    from SALib.sample import latin, morris, sobol

    problem = salib_problem(parameters)
    n = sweep.samples
    sample_seed = position_seed([seed, 0x5EED])
    if sweep.design == "grid":
        if n ** len(parameters) > 1_000_000:
            raise ExperimentError(
                f"a grid of {n}^{len(parameters)} points is too large",
                file=file,
                key="sweep.samples",
            )
        axes = [np.linspace(p.low, p.high, n) for p in parameters]
        return np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(parameters), -1).T
    if sweep.design == "latin":
        return np.asarray(latin.sample(problem, n, seed=sample_seed))
    if sweep.design == "sobol":
        if n & (n - 1) != 0:
            raise ExperimentError(
                f"a Sobol design needs N a power of two, got {n}", file=file, key="sweep.samples"
            )
        return np.asarray(
            sobol.sample(problem, n, calc_second_order=sweep.second_order, seed=sample_seed)
        )
    return np.asarray(morris.sample(problem, n, num_levels=sweep.levels, seed=sample_seed))
