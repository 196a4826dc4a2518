"""Helping a user who typed the wrong key or gave the wrong kind of file.

An unknown key gets the nearest known key of its table ("did you mean ..."); a scenario given
where an experiment is expected (or the other way round) is named as what it is, with the
command that reads it.
"""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

EXPERIMENT_KEYS = frozenset(
    {
        "variants",
        "uncertainties",
        "levers",
        "sweep",
        "outcomes",
        "replicates",
        "baseline",
        "microdata",
        "common_random_numbers",
    }
)
"""Top-level keys only an experiment file has."""

SCENARIO_KEYS = frozenset({"sectors", "cities", "districts", "travel_time", "relatedness"})
"""Top-level keys only a scenario (a world) has."""


def looks_like_experiment(data: dict[str, Any]) -> bool:
    """Whether a parsed file is an experiment file rather than a scenario."""
    return bool(EXPERIMENT_KEYS & data.keys()) and not SCENARIO_KEYS & data.keys()


def looks_like_scenario(data: dict[str, Any]) -> bool:
    """Whether a parsed file is a scenario (a world) rather than an experiment file."""
    return bool(SCENARIO_KEYS & data.keys()) and not EXPERIMENT_KEYS & data.keys()


def _unwrap(annotation: Any) -> Any:
    """``X | None`` as ``X`` (a union of several models stays as it is)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the table holding the key at ``loc`` may have (empty if not a model's table).

    ``loc`` is a pydantic error location: field names, dict keys and list indices from the top.
    """
    node: Any = model
    for part in loc[:-1]:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return []
            node = field.annotation
        elif get_origin(node) is dict:
            node = get_args(node)[1]
        elif get_origin(node) is list:
            node = get_args(node)[0]
        else:
            return []
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def nearest(word: str, choices: list[str]) -> str | None:
    """The known key nearest to ``word``: by spelling, else the one that begins with it."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return close[0]
    # A shortened key (``decay`` for ``decay_per_minute``) is too short for a spelling match.
    starting = [c for c in choices if word and (c.startswith(word) or word.startswith(c))]
    return starting[0] if len(starting) == 1 else None


def did_you_mean(word: str, choices: list[str]) -> str:
    """``" (did you mean 'x'?)"`` for the nearest known key, or ``""`` if none is near."""
    best = nearest(word, choices)
    return f" (did you mean {best!r}?)" if best else ""


def unknown_key_reason(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The reason given for an unknown key at ``loc``, with the nearest known key if any."""
    if not loc:
        return "unknown key"
    return "unknown key" + did_you_mean(str(loc[-1]), known_keys(model, loc))
