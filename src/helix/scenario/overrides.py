"""Changing a scenario by dotted keys: setting values and removing keys, by one rule.

The rule, shared by ``helix run --set``, :func:`helix.load_scenario` (strings or a mapping of
Python values, and ``remove``) and an experiment file's ``set``, variants' ``set`` and
``remove``:

- **A key names something the world has**: a field the schema declares, whether the world's file
  writes it or leaves it at its default (``parameters.rents.natural_vacancy``, ``scale``), or an
  item of a list that exists (``travel_time.minutes.0.1``).
- **Except inside a named collection**, a table whose keys are names the world chooses
  (``sectors``, ``cities``, ``districts``, ``research``, ``networks``, ``policies``, ``shocks``,
  ``targets``, ``calibration``, a city's ``sector_mix``): there a key may name a new entry, given
  whole as a table (``shocks.vc-2026 = {kind = "vc_downturn", start = "2026-01"}``) or field by
  field (``shocks.vc-2026.kind = "vc_downturn"``, ...). The world is validated whole afterwards,
  so a new entry that lacks a required field is an error naming it.
- **Anything else is an error naming the key**: a field the schema does not declare (with the
  nearest known one if any is near), a key inside a plain value, a list item past the list's end.
- **A table merges** into the table it names, as a variant's ``scenario`` table does: the keys it
  gives are set, the others kept. To replace a table whole, remove it as well; removals come
  first.
- **A removed key must exist**: an entry of a named collection, or a field, which returns to its
  schema default (a required one is then reported missing). Removing a policy or shock frees its
  parameters from ``calibration`` too, as a run shortened by ``--until`` does.

Errors are :class:`~helix.errors.ScenarioError` carrying the dotted key; callers add the file.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin

import numpy as np
from pydantic import BaseModel

from helix.errors import ScenarioError
from helix.scenario.schema import Scenario
from helix.scenario.suggest import did_you_mean

Step = Literal["field", "entry", "item", "free", "value", "unknown"]


def _unwrap(annotation: Any) -> Any:
    """``X | None`` as ``X`` (a union of several types stays as it is)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _step(annotation: Any, part: str) -> tuple[Step, Any]:
    """What ``part`` is inside a table of type ``annotation``, and the type of its value.

    ``field``: a field a model declares; ``entry``: a name in a named collection (a
    ``dict[str, X]``); ``item``: an index into a list; ``free``: inside a type the schema does not
    describe (left to validation); ``value``: inside a plain value; ``unknown``: not a field of
    the model.
    """
    ann = _unwrap(annotation)
    if _is_model(ann):
        field = ann.model_fields.get(part)
        return ("field", field.annotation) if field is not None else ("unknown", None)
    origin = get_origin(ann)
    if origin is dict:
        return "entry", get_args(ann)[1]
    if origin is list:
        return "item", get_args(ann)[0]
    if ann is Any or origin in (Union, types.UnionType):
        return "free", Any
    return "value", None


def _holds_tables(annotation: Any) -> bool:
    """Whether a value of this type may hold keys (a model, a collection, or undescribed)."""
    ann = _unwrap(annotation)
    return _is_model(ann) or get_origin(ann) in (dict, Union, types.UnionType) or ann is Any


def _known(annotation: Any) -> list[str]:
    ann = _unwrap(annotation)
    return list(ann.model_fields) if _is_model(ann) else []


def key_parts(key: str) -> list[str]:
    """A dotted key's parts; an empty part (``a..b``, ``.a``) is an error naming the key."""
    parts = [p.strip() for p in key.split(".")]
    if not key.strip() or any(not p for p in parts):
        raise ScenarioError("malformed key, expected KEY.PATH (names joined by dots)", key=key)
    return parts


def plain(value: Any, key: str, max_depth: int) -> Any:
    """``value`` as a TOML file would hold it: numpy scalars and arrays become Python numbers
    and lists, tuples become lists; anything a scenario cannot hold is an error naming ``key``.

    ``max_depth`` bounds how deeply tables and lists may nest (a guard against runaway input).
    """
    if max_depth < 0:
        raise ScenarioError("nested too deeply", key=key)
    if isinstance(value, np.ndarray):
        return plain(value.tolist(), key, max_depth)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [plain(v, key, max_depth - 1) for v in value]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ScenarioError(f"a table's keys are strings (got {k!r})", key=key)
            out[k] = plain(v, f"{key}.{k}", max_depth - 1)
        return out
    if value is None:
        raise ScenarioError(
            "None is not a value; to take a key back to its default, remove it", key=key
        )
    raise ScenarioError(
        f"a value of type {type(value).__name__!r} is not a scenario value (give a number, "
        "a string, a bool, a list or a table)",
        key=key,
    )


def set_key(
    data: dict[str, Any], parts: list[str], value: Any
) -> tuple[str, str, list[str]] | None:
    """Set the dotted key ``parts`` of the scenario dict ``data`` to ``value``, by the rule.

    Returns:
        ``(collection, name, existing names)`` when the key made a new entry of a named
        collection field by field (``cities.Shangai.firms``), so that a caller can say "not one
        of the cities (did you mean 'Shanghai'?)" if the new entry turns out incomplete; else
        None.

    Raises:
        ScenarioError: the key breaks the rule (its ``key`` is the part of the path at fault).
    """
    node: Any = data
    annotation: Any = Scenario
    made: tuple[str, str, list[str]] | None = None
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not (part.isdigit() and int(part) < len(node)):
                raise ScenarioError(f"no item {part} in a list of {len(node)}", key=here)
            _, annotation = _step(annotation, part)
            if last:
                node[int(part)] = _merged(node[int(part)], value, annotation, here)
                return made
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise ScenarioError("cannot set a key inside a value", key=".".join(parts[:i]))
        kind, child = _step(annotation, part)
        if kind == "unknown":
            raise ScenarioError("unknown key" + did_you_mean(part, _known(annotation)), key=here)
        if last:
            node[part] = _merged(node.get(part), value, child, here)
            return made
        if part not in node:
            if not _holds_tables(child):
                raise ScenarioError("cannot set a key inside a value", key=here)
            if kind == "entry" and made is None:
                made = (".".join(parts[:i]), part, list(node))
            node[part] = {}
        node, annotation = node[part], child
    return made


def _merged(old: Any, value: Any, annotation: Any, key: str) -> Any:
    """``value`` merged into ``old`` if both are tables (its keys checked by the rule), else a
    copy of ``value``."""
    if not (isinstance(old, dict) and isinstance(value, dict)):
        return copy.deepcopy(value)
    out = dict(old)
    for k, v in value.items():
        kind, child = _step(annotation, k)
        if kind == "unknown":
            raise ScenarioError(
                "unknown key" + did_you_mean(k, _known(annotation)), key=f"{key}.{k}"
            )
        out[k] = _merged(old.get(k), v, child, f"{key}.{k}")
    return out


def remove_key(data: dict[str, Any], parts: list[str]) -> None:
    """Delete the dotted key ``parts`` (a value or a whole table) from the scenario dict.

    A field the file leaves at its default is already as removal leaves it: nothing to do.

    Raises:
        ScenarioError: no such key (an unknown field, or a name not in its collection), or an
            item of a list.
    """
    node: Any = data
    annotation: Any = Scenario
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        if isinstance(node, list):
            raise ScenarioError("cannot remove an item of a list: set the whole list", key=here)
        if not isinstance(node, dict):
            raise ScenarioError("cannot remove a key inside a value", key=".".join(parts[:i]))
        kind, child = _step(annotation, part)
        if kind == "unknown":
            raise ScenarioError("unknown key" + did_you_mean(part, _known(annotation)), key=here)
        if part not in node:
            if kind == "field":
                # Not in the file: the field stands at its default already, if it is one.
                _check_declared(child, parts, i + 1)
                return
            where = ".".join(parts[:i])
            raise ScenarioError(
                f"nothing to remove: not one of the {where}{did_you_mean(part, list(node))}",
                key=here,
            )
        if i == len(parts) - 1:
            del node[part]
            if parts[0] in ("policies", "shocks") and len(parts) <= 2:
                _free_removed(data)
            return
        node, annotation = node[part], child


def _check_declared(annotation: Any, parts: list[str], start: int) -> None:
    """Raise for the first of ``parts[start:]`` that is not a field declared below a type."""
    for j in range(start, len(parts)):
        kind, child = _step(annotation, parts[j])
        if kind != "field":
            raise ScenarioError(
                "unknown key" + did_you_mean(parts[j], _known(annotation)),
                key=".".join(parts[: j + 1]),
            )
        annotation = child


def still_there(data: dict[str, Any], path: Any) -> bool:
    """False for a ``policies.NAME...`` or ``shocks.NAME...`` path whose item is gone."""
    parts = str(path).split(".")
    if len(parts) < 2 or parts[0] not in ("policies", "shocks"):
        return True
    items = data.get(parts[0])
    return isinstance(items, dict) and parts[1] in items


def _free_removed(data: dict[str, Any]) -> None:
    """Drop the free parameters (``calibration``) of policies and shocks no longer there."""
    free = data.get("calibration")
    if isinstance(free, dict):
        data["calibration"] = {k: v for k, v in free.items() if still_there(data, k)}
