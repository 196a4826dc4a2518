"""Changing scenario dicts: a variant's merge, removals and settings, and a shorter run.

Keys are dotted paths (``policies.fast-rail.value``), set and removed by the one rule of
:mod:`helix.scenario.overrides` that ``helix run --set`` and :func:`helix.load_scenario` follow:
a key names a field of the world or an entry, new or not, of a named collection (a policy, a
shock, a city ...), so a typo is an error naming the file and the key, never a silently new
setting.
"""

from __future__ import annotations

import copy
from typing import Any

from helix.errors import ExperimentError, ScenarioError
from helix.experiments.spec import Variant
from helix.scenario import overrides
from helix.scenario.load import validate
from helix.world.calendar import month_index


def key_path(key: str) -> list[str]:
    return [p.strip() for p in key.split(".")]


def deep_merge(into: dict[str, Any], table: dict[str, Any]) -> None:
    """Merge ``table`` into ``into``: sub-tables recursively, other values replaced."""
    for k, v in table.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            deep_merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)


def set_key(data: dict[str, Any], key: str, value: Any, file: str, where: str) -> None:
    """Set the dotted ``key`` of a scenario dict by the rule of :mod:`helix.scenario.overrides`
    (a field of the world, or an entry, new or not, of a named collection; a table merges)."""
    try:
        overrides.set_key(data, overrides.key_parts(key), value)
    except ScenarioError as exc:
        raise ExperimentError(_reason(exc, key), file=file, key=where) from None


def remove_key(data: dict[str, Any], key: str, file: str, where: str) -> None:
    """Delete the dotted ``key`` (a table or a value) of a scenario dict; it must exist."""
    try:
        overrides.remove_key(data, overrides.key_parts(key))
    except ScenarioError as exc:
        raise ExperimentError(_reason(exc, key), file=file, key=where) from None


def _reason(exc: ScenarioError, key: str) -> str:
    """The rule's reason, naming the part of ``key`` at fault when it is not the whole key."""
    if exc.key and exc.key != key:
        return f"{exc.key!r}: {exc.reason}"
    return exc.reason


def apply_variant(base: dict[str, Any], variant: Variant, name: str, file: str) -> dict[str, Any]:
    """A copy of the base scenario dict with a variant's changes."""
    data = copy.deepcopy(base)
    deep_merge(data, variant.scenario)
    for key in variant.remove:
        remove_key(data, key, file, f"variants.{name}.remove")
    if variant.set:
        # New tables merged in above get their defaults before their keys can be set.
        full = full_dump(data, file, f"variants.{name}.scenario")
        for key, value in variant.set.items():
            set_key(full, key, value, file, f"variants.{name}.set.{key}")
        return full
    return data


def shorten(data: dict[str, Any], until: str) -> None:
    """End the run at ``until``; drop what starts (or is measured) after it, as `helix run` does."""
    last = month_index(until)
    data["end"] = until
    for table, key in (("targets", "end"), ("policies", "start"), ("shocks", "start")):
        items = data.get(table)
        if isinstance(items, dict):
            data[table] = {
                k: v
                for k, v in items.items()
                if not (isinstance(v, dict) and _month_after(v.get(key), last))
            }
    # A free parameter of a dropped policy or shock goes with it (as in load_scenario).
    free = data.get("calibration")
    if isinstance(free, dict):
        data["calibration"] = {k: v for k, v in free.items() if overrides.still_there(data, k)}


def _month_after(month: Any, last: int) -> bool:
    try:
        return isinstance(month, str) and month_index(month) > last
    except ValueError:
        return False


def full_dump(data: dict[str, Any], file: str, where: str) -> dict[str, Any]:
    """The scenario dict with every default filled in (so every key exists)."""
    try:
        return validate(data, file).model_dump(mode="json")
    except ScenarioError as exc:
        raise ExperimentError(exc.reason, file=file, key=f"{where}.{exc.key}") from None
