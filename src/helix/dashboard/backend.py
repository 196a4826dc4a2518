"""The dashboard's one door into helix: every call it makes to the rest of helix is here.

The dashboard goes through the same public functions as the CLI: :func:`helix.load_scenario`
(with ``--set`` overrides) to describe a world and check a lever, an experiment file read by
:func:`helix.load_experiment` and run by :func:`helix.run_experiment` with its progress
callback, :class:`helix.Store` for what is stored, and :func:`helix.report.write_report` for the
report's figures. It never touches the engine's state. If those functions are renamed, this
module (and :mod:`helix.dashboard.storeviews`, which holds the read-only SQL) is what changes.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

import tomli_w
from pydantic import BaseModel

from helix import (
    ExperimentError,
    HelixError,
    ScenarioError,
    Store,
    load_experiment,
    load_scenario,
    run_experiment,
)
from helix.dashboard.pairs import PairsFirst
from helix.experiments.design import Experiment
from helix.experiments.executors import LocalPool
from helix.experiments.runner import ExperimentProgress, ExperimentReport, experiment_status
from helix.report import write_report
from helix.scenario.load import scenario_to_dict
from helix.scenario.schema import Scenario, month_index
from helix.world.catalogue import INDICATORS

__all__ = [
    "BASELINE",
    "INDICATORS",
    "WHAT_IF",
    "Experiment",
    "ExperimentError",
    "ExperimentProgress",
    "ExperimentReport",
    "HelixError",
    "LocalPool",
    "PairsFirst",
    "ScenarioError",
    "Store",
    "WhatIf",
    "check_what_if",
    "describe_world",
    "indicator_info",
    "parameter_info",
    "run_what_if",
    "write_experiment_file",
    "write_report",
]

BASELINE = "baseline"
WHAT_IF = "what-if"
# Outcomes of every what-if, read at the focus city (the world's core): the experiment's
# summary gives each a mean per variant and a paired difference with its 95% CI.
OUTCOMES: dict[str, tuple[str, str]] = {
    "output": ("output", "final_year"),
    "firms": ("firms", "final"),
    "employment": ("employment", "final"),
    "unicorns": ("unicorns", "final"),
    "vc_invested": ("vc_invested", "final_year"),
    "rent": ("rent", "final_year"),
}


# ------------------------------------------------------------------------------- the world


def _field_info(key: str) -> dict[str, Any] | None:
    """Bounds, unit and meaning of a dotted scenario key, read from the schema's fields."""
    model: Any = Scenario
    parts = key.split(".")
    for i, part in enumerate(parts):
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(part)
            if info is None:
                return None
            if i == len(parts) - 1:
                extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
                lo = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
                hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
                return {
                    "low": lo,
                    "high": hi,
                    "unit": str(extra.get("unit", "")),
                    "meaning": info.description or "",
                    "integer": info.annotation is int,
                }
            model = info.annotation
        elif get_origin(model) is dict:
            model = get_args(model)[1]
        else:
            return None
    return None


def _numeric_keys(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from _numeric_keys(kind, f"{prefix}{name}.")
        elif kind in (int, float):
            yield f"{prefix}{name}"


def _value_at(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def parameter_info(world: Scenario, key: str) -> dict[str, Any]:
    """What the page shows beside a parameter typed by its dotted name."""
    info = _field_info(key)
    value = _value_at(scenario_to_dict(world), key)
    if info is None or isinstance(value, dict | list):
        raise ScenarioError("unknown key", key=key)
    return {"key": key, "value": value, **info}


def indicator_info() -> list[dict[str, Any]]:
    return [
        {"name": i.name, "unit": i.unit, "meaning": i.meaning, "dims": i.dims}
        for i in INDICATORS.values()
    ]


def _item(kind: str, name: str, item: BaseModel) -> dict[str, Any]:
    data = item.model_dump(mode="json")
    fields = {
        k: _field_info(f"{kind}.{name}.{k}")
        for k in data
        if isinstance(data[k], int | float) and not isinstance(data[k], bool)
    }
    return {"table": kind, "name": name, "values": data, "fields": fields}


def describe_world(scenario: str | None) -> dict[str, Any]:
    """A world as the page draws it: map, timeline, levers and the parameters' catalogue."""
    world = load_scenario(scenario)
    params = [
        {"key": k, **parameter_info(world, k)}
        for k in _numeric_keys(type(world.parameters), "parameters.")
    ]
    return {
        "scenario": scenario,
        "name": world.name,
        "description": world.description,
        "start": world.start,
        "end": world.end,
        "present": world.present,
        "scale": world.scale,
        "focus_city": world.focus_city,
        "cities": {
            n: {"lat": c.lat, "lon": c.lon, "role": c.role} for n, c in world.cities.items()
        },
        "travel_time": world.travel_time.model_dump(mode="json"),
        "sectors": list(world.sectors),
        "districts": {n: d.city for n, d in world.districts.items()},
        "policies": [_item("policies", n, p) for n, p in world.policies.items()],
        "shocks": [_item("shocks", n, s) for n, s in world.shocks.items()],
        "parameters": params,
        "indicators": indicator_info(),
        "outcomes": list(OUTCOMES),
    }


# ------------------------------------------------------------------------------ a what-if


@dataclass(frozen=True)
class WhatIf:
    """The levers moved on the page: what the what-if variant changes in the world.

    Attributes:
        scenario: A scenario file, or None for the shipped world.
        changes: Dotted keys and their new values (``policies.NAME.end``, ``parameters.a.b``).
        removed: Policies and shocks switched off (``policies.NAME``, ``shocks.NAME``).
        replicates: Seeds per side; the two sides share them (paired).
        until: Last simulated month, or None for the world's own end.
        scale: Agent-count multiplier, or None for the world's own.
        seed: Base seed, or None for the world's own.
    """

    scenario: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    removed: tuple[str, ...] = ()
    replicates: int = 4
    until: str | None = None
    scale: float | None = None
    seed: int | None = None


def _toml_value(value: Any) -> str:
    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


def _overrides(what_if: WhatIf) -> list[str]:
    gone = tuple(f"{r}." for r in what_if.removed)
    return [f"{k}={_toml_value(v)}" for k, v in what_if.changes.items() if not k.startswith(gone)]


def check_what_if(what_if: WhatIf) -> Scenario:
    """The what-if's world, checked as ``helix run --set KEY=VALUE`` checks it.

    Raises:
        ScenarioError: the CLI's one line, for a value out of bounds, an unknown parameter,
            a policy or shock that does not exist, or a date outside the run.
    """
    world = load_scenario(
        what_if.scenario,
        _overrides(what_if),
        seed=what_if.seed,
        until=what_if.until,
        scale=what_if.scale,
    )
    label = what_if.scenario or "<default>"
    for path in what_if.removed:
        table, _, name = path.partition(".")
        if table not in ("policies", "shocks") or name not in getattr(world, table):
            raise ScenarioError("no such policy or shock", file=label, key=path)
    first, last = month_index(world.start), month_index(world.end)
    gone = tuple(f"{r}." for r in what_if.removed)
    for key, value in what_if.changes.items():
        if key.startswith(gone):
            continue
        is_date = key.split(".")[-1] in ("start", "end") and isinstance(value, str)
        if is_date and not first <= month_index(value) <= last:
            raise ScenarioError(
                f"{value} is outside the run ({world.start} to {world.end})",
                file=label,
                key=key,
            )
    return world


def _nested(changes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in changes.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def write_experiment_file(what_if: WhatIf, folder: Path) -> Path:
    """The what-if as an experiment file (baseline against the what-if, paired seeds).

    The file is named by its content, so asking the same what-if twice resumes one experiment,
    and ``helix experiment status FILE`` and ``helix report --experiment ID`` can read it.
    """
    world = check_what_if(what_if)
    gone = tuple(f"{r}." for r in what_if.removed)
    kept = {k: v for k, v in what_if.changes.items() if not k.startswith(gone)}
    moved = ", ".join(
        [
            *(f"{k} = {_toml_value(v)}" for k, v in kept.items()),
            *(f"without {r}" for r in what_if.removed),
        ]
    )
    variant: dict[str, Any] = {"description": moved or "no lever moved"}
    if what_if.removed:
        variant["remove"] = list(what_if.removed)
    if kept:
        variant["scenario"] = _nested(kept)
    doc: dict[str, Any] = {
        "name": "dashboard what-if",
        "description": f"helix dashboard: {moved or 'no lever moved'}",
        "replicates": what_if.replicates,
    }
    if what_if.scenario is not None:
        # A file is written as an absolute path, so the experiment file works from anywhere;
        # anything else (a shipped world's name) is passed on as given.
        given = Path(what_if.scenario)
        doc["scenario"] = str(given.resolve()) if given.is_file() else what_if.scenario
    if what_if.seed is not None:
        doc["seed"] = what_if.seed
    if what_if.until is not None:
        doc["until"] = what_if.until
    if what_if.scale is not None:
        doc["scale"] = what_if.scale
    # The dashboard draws any indicator the user picks, traces every one and writes the full
    # report (T1-T7, the map): its what-ifs keep everything, not only their outcomes.
    doc["keep"] = "all"
    doc["variants"] = {WHAT_IF: variant}
    doc["outcomes"] = {
        name: {"indicator": ind, "city": world.focus_city, "statistic": stat}
        for name, (ind, stat) in OUTCOMES.items()
    }
    text = tomli_w.dumps(doc)
    tomllib.loads(text)  # what is written must read back
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"whatif-{hashlib.sha256(text.encode()).hexdigest()[:10]}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_what_if(path: Path) -> Experiment:
    """The experiment file read back as the CLI reads it (an :class:`ExperimentError` if bad)."""
    return load_experiment(path)


def run_what_if(
    exp: Experiment,
    store: Store,
    pool: LocalPool,
    progress: Callable[[ExperimentProgress], None],
) -> ExperimentReport:
    """Run the experiment's pending runs on ``pool``, pair by pair, writing each to ``store``.

    The pool stays open for the next what-if (its processes have the engine imported).
    """
    status = experiment_status(store, exp)
    pairs = PairsFirst(pool, exp, expected=status["total"] - status["done"])
    try:
        return run_experiment(exp, store, pairs, progress)
    finally:
        pairs.close()


def new_pool(workers: int | None) -> LocalPool:
    return LocalPool(workers)
