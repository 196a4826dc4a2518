"""Changing scenario dicts: a variant's merge, removals and settings, and a shorter run.

Keys are dotted paths (``policies.fast-rail.value``); a key to set must already exist, so a
typo is an error naming the file and the key, never a silently new setting.
"""

from __future__ import annotations

import copy
from typing import Any

from helix.errors import ExperimentError, ScenarioError
from helix.experiments.spec import Variant
from helix.scenario.load import validate
from helix.scenario.suggest import did_you_mean
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


def _walk(data: Any, parts: list[str]) -> Any:
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(part)
    return node


def set_key(data: dict[str, Any], key: str, value: Any, file: str, where: str) -> None:
    """Set an existing dotted ``key`` of a scenario dict; an unknown key is an error."""
    parts = key_path(key)
    try:
        parent = _walk(data, parts[:-1])
        last = parts[-1]
        if isinstance(parent, dict) and last in parent:
            parent[last] = value
            return
        if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            parent[int(last)] = value
            return
    except KeyError:
        pass
    raise ExperimentError(
        f"unknown key {key!r} in the scenario{_nearest_key(data, parts)}", file=file, key=where
    )


def _nearest_key(data: dict[str, Any], parts: list[str]) -> str:
    """ " (did you mean ...)" for the first part of a dotted key that does not exist."""
    node: Any = data
    for part in parts:
        if not isinstance(node, dict):
            return ""
        if part not in node:
            return did_you_mean(part, list(node))
        node = node[part]
    return ""


def remove_key(data: dict[str, Any], key: str, file: str, where: str) -> None:
    parts = key_path(key)
    try:
        parent = _walk(data, parts[:-1])
    except KeyError:
        parent = None
    if not isinstance(parent, dict) or parts[-1] not in parent:
        raise ExperimentError(
            f"unknown key {key!r} in the scenario{_nearest_key(data, parts)}", file=file, key=where
        )
    del parent[parts[-1]]


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
        data["calibration"] = {k: v for k, v in free.items() if _still_there(data, k)}


def _still_there(data: dict[str, Any], path: str) -> bool:
    """False for a ``policies.NAME...`` or ``shocks.NAME...`` path whose item is gone."""
    parts = path.split(".")
    if len(parts) < 2 or parts[0] not in ("policies", "shocks"):
        return True
    items = data.get(parts[0])
    return isinstance(items, dict) and parts[1] in items


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
