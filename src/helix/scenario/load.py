"""Reading scenarios: TOML files, the shipped default, overrides (``a.b.c=VALUE`` texts or a
mapping of dotted keys to Python values) and removed keys."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from helix.errors import HelixError, ScenarioError
from helix.scenario.overrides import key_parts, plain, remove_key, set_key, still_there
from helix.scenario.schema import Scenario, month_index
from helix.scenario.suggest import did_you_mean, looks_like_experiment, unknown_key_reason

DEFAULT_NAME = "shanghai-delta"
"""The world loaded when none is named."""

MAX_NESTING = 64
"""The deepest nesting of tables and arrays a scenario or experiment file may have. The deepest
real one is about six levels (``variants.X.scenario.policies.Y.cities``); thousands of levels
exhaust Python's recursion in the TOML parser, in copying and in validation."""


def nesting_depth(value: Any) -> int:
    """How deeply tables and arrays nest in ``value`` (0 for a plain value), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _check_nesting(data: Any, label: str, error: type[HelixError], key: str | None = None) -> None:
    if nesting_depth(data) > MAX_NESTING:
        raise error(f"nested more than {MAX_NESTING} levels deep", file=label, key=key)


def parse_toml_text(
    text: str, label: str, error: type[HelixError] = ScenarioError
) -> dict[str, Any]:
    """Parse TOML text; invalid or absurdly nested text is one ``error`` naming ``label``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML ({exc})", file=label) from None
    except RecursionError:
        raise error("not valid TOML (nested too deeply to read)", file=label) from None
    _check_nesting(data, label, error)
    return data


def shipped_worlds() -> list[str]:
    """Names of the worlds shipped in ``helix/scenario/defaults`` (loadable by name)."""
    folder = resources.files("helix.scenario") / "defaults"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def default_path_label(name: str = DEFAULT_NAME) -> str:
    return f"<default:{name}>"


def read_default_text(name: str = DEFAULT_NAME) -> str:
    """The TOML text of the shipped world ``name``."""
    return (resources.files("helix.scenario") / "defaults" / f"{name}.toml").read_text(
        encoding="utf-8"
    )


def read_toml_file(
    path: str | Path, error: type[HelixError] = ScenarioError
) -> tuple[dict[str, Any], str, str]:
    """Parse a TOML file into (data, text, label); a problem is one ``error`` naming the file."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found", file=label) from None
    except IsADirectoryError:
        raise error("is a directory, not a TOML file", file=label) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot be read ({exc.__class__.__name__})", file=label) from None
    return parse_toml_text(text, label, error), text, label


def read_toml(path: str | Path | None) -> tuple[dict[str, Any], str]:
    """Parse a scenario file into a dict: ``path`` is a file, or the name of a shipped world
    (when no such file exists), or None for the shipped default."""
    if path is None:
        path = DEFAULT_NAME
    if not Path(path).exists() and str(path) in shipped_worlds():
        return tomllib.loads(read_default_text(str(path))), default_path_label(str(path))
    data, _, label = read_toml_file(path)
    return data, label


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b.c=VALUE`` into its key path and value (a TOML value, else a bare string)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    parts = key.split(".")
    if not sep or not key or any(not p.strip() for p in parts):
        raise ScenarioError("malformed override, expected KEY.PATH=VALUE", key=f"--set {text}")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        if not raw or any(c in raw for c in "[]{}\"'"):
            raise ScenarioError(f"value {raw!r} is not a TOML value", key=f"--set {text}") from None
        value = raw
    _check_nesting(value, "", ScenarioError, key=f"--set {key}")
    return [p.strip() for p in parts], value


Overrides = str | Sequence[str] | Mapping[str, Any]
"""Overrides as ``KEY.PATH=VALUE`` texts (as ``--set`` takes them) or a mapping of dotted keys
to Python values (numbers, strings, bools, lists, tables, numpy scalars and arrays)."""


def read_overrides(overrides: Overrides | None) -> list[tuple[list[str], Any]]:
    """Each override as its key path and plain value (see :data:`Overrides`).

    Raises:
        ScenarioError: a malformed text or key, or a value no scenario can hold, naming it.
    """
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        out = []
        for key, value in overrides.items():
            if not isinstance(key, str):
                raise ScenarioError("a key is a dotted string, KEY.PATH", key=repr(key))
            out.append((key_parts(key), plain(value, key, MAX_NESTING)))
        return out
    texts = [overrides] if isinstance(overrides, str) else list(overrides)
    for text in texts:
        if not isinstance(text, str):
            # A list of pairs or numbers would otherwise fail far from its cause.
            raise ScenarioError(
                "an override is a text KEY.PATH=VALUE (or pass a mapping of keys to values)",
                key=repr(text),
            )
    return [parse_override(text) for text in texts]


def apply_overrides(
    data: dict[str, Any],
    overrides: Overrides | None,
    label: str,
    *,
    remove: Sequence[str] = (),
) -> dict[str, Any]:
    """A copy of ``data`` with the keys in ``remove`` deleted, then each override set, by the
    rule of :mod:`helix.scenario.overrides` (a key names a field of the schema or an entry of a
    named collection; a table merges)."""
    return _apply(data, overrides, remove, label)[0]


def _apply(
    data: dict[str, Any], overrides: Overrides | None, remove: Sequence[str], label: str
) -> tuple[dict[str, Any], list[tuple[str, str, list[str]]]]:
    """:func:`apply_overrides`, and the new entries made field by field (see
    :func:`helix.scenario.overrides.set_key`)."""
    out = copy.deepcopy(data)
    made = []
    try:
        if isinstance(remove, str):
            remove = [remove]
        for key in remove:
            if not isinstance(key, str):
                raise ScenarioError("a key to remove is a dotted string", key=repr(key))
            remove_key(out, key_parts(key))
        for path, value in read_overrides(overrides):
            entry = set_key(out, path, value)
            if entry is not None:
                made.append(entry)
    except ScenarioError as exc:
        raise ScenarioError(exc.reason, file=label, key=exc.key) from None
    return out, made


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def validate(data: dict[str, Any], label: str) -> Scenario:
    """Validate a scenario dict; any problem becomes one :class:`ScenarioError` line."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        kind = err.get("type", "")
        reason = err.get("msg", "invalid")
        if kind == "extra_forbidden":
            reason = unknown_key_reason(Scenario, tuple(err["loc"]))
        elif kind == "missing":
            reason = "required key is missing"
        elif kind != "extra_forbidden" and "input" in err:
            reason = f"{reason} (got {err['input']!r})"
        raise ScenarioError(reason, file=label, key=_location(tuple(err["loc"]))) from None
    except ScenarioError as exc:
        raise ScenarioError(exc.reason, file=label, key=exc.key) from None


def load_scenario(
    path: str | Path | None = None,
    overrides: Overrides | None = None,
    *,
    remove: Sequence[str] = (),
    seed: int | None = None,
    until: str | None = None,
    scale: float | None = None,
) -> Scenario:
    """Read, override and validate a scenario.

    Args:
        path: a TOML file or a shipped world's name (:func:`shipped_worlds`; None: the
            default world).
        overrides: ``KEY.PATH=VALUE`` texts, as ``helix run --set`` takes them, or a mapping of
            dotted keys to Python values: ``{"parameters.rents.natural_vacancy": 0.15,
            "shocks.vc-2026": {"kind": "vc_downturn", "start": "2026-01", "severity": 0.4}}``
            (numbers, strings, bools, lists, tables; numpy scalars and arrays are converted).
            A key must name a field of the world (written in its file or left at its default)
            or an entry, new or not, of a named collection such as ``shocks`` or ``cities``; a
            table merges into the one it names. The whole rule: :mod:`helix.scenario.overrides`.
        remove: dotted keys deleted before the overrides are set: a whole table
            (``"shocks.export-controls-2023"``) or a field (back to its default). A key that
            does not exist is an error.
        seed, until, scale: the run's seed, last month (``YYYY-MM``; what starts after it is
            dropped) and agent-count multiplier.

    Raises:
        ScenarioError: one line naming the file, the key and the reason.
    """
    data, label = read_toml(path)
    if looks_like_experiment(data):
        raise ScenarioError(
            f"an experiment file, not a scenario: run it with `helix experiment {label}`",
            file=label,
        )
    # The horizon is read before the overrides, so that `--set end=...` cannot carry a run past
    # it; a world's own `horizon` (or one set with --set) may move it.
    file_horizon = data.get("horizon") or data.get("end")
    data, new_tables = _apply(data, overrides, remove, label)
    own: dict[str, Any] = {}
    if seed is not None:
        own["seed"] = int(seed)
    if scale is not None:
        own["scale"] = float(scale)
    data = apply_overrides(data, own, label)
    if until is not None:
        _check_horizon(until, data.get("horizon") or file_horizon, label, "--until")
        try:
            last = month_index(until)
        except ValueError as exc:
            raise ScenarioError(str(exc), file=label, key="--until") from None
        own_end = data.get("end")
        if own_end is None:
            raise ScenarioError("required key is missing", file=label, key="end")
        try:
            own_last = month_index(own_end)
        except (TypeError, ValueError):
            raise ScenarioError(
                f"{own_end!r} is not a month of the form YYYY-MM", file=label, key="end"
            ) from None
        data["end"] = until
        # What starts (policies, shocks) or is measured (targets) after the shortened end
        # cannot happen in this run; it is dropped rather than reported as an error. What lies
        # beyond the scenario's own end is an error of the file, reported by validation.
        for table, field in (("targets", "end"), ("policies", "start"), ("shocks", "start")):
            items = data.get(table, {})
            if isinstance(items, dict):
                data[table] = {
                    k: v
                    for k, v in items.items()
                    if not (
                        isinstance(v, dict)
                        and _after(v.get(field), last)
                        and not _after(v.get(field), own_last)
                    )
                }
        # A free parameter of a dropped policy or shock goes with it.
        free = data.get("calibration")
        if isinstance(free, dict):
            data["calibration"] = {
                path: bounds for path, bounds in free.items() if still_there(data, path)
            }
    elif data.get("end") != file_horizon:
        _check_horizon(data.get("end"), data.get("horizon") or file_horizon, label, "end")
    try:
        return validate(data, label)
    except ScenarioError as exc:
        # `--set cities.Shangai.firms=1` makes a new city that lacks every required key; the
        # user meant an existing one, so say that instead of "cities.Shangai.role: missing".
        for parent, name, known in new_tables:
            prefix = f"{parent}.{name}."
            if exc.reason == "required key is missing" and (exc.key or "").startswith(prefix):
                missing = (exc.key or "").removeprefix(prefix)
                raise ScenarioError(
                    f"not one of the {parent}{did_you_mean(name, known)}; "
                    f"as a new one it lacks the required key {missing!r}",
                    file=label,
                    key=f"{parent}.{name}",
                ) from None
        raise


def _check_horizon(last: Any, horizon: Any, label: str, key: str) -> None:
    """Refuse a run that ends after the world's horizon (its own ``horizon``, else its ``end``):
    the figures and parameters of a world are meant for the years it describes, and a projection
    decades past them compounds growth into meaningless numbers (``--until 2200-01`` gave 1e32).
    A month that cannot be read is left to validation, which names it."""
    try:
        last_index, horizon_index = month_index(last), month_index(horizon)
    except (TypeError, ValueError):
        return
    if last_index > horizon_index:
        raise ScenarioError(
            f"{last} is past the world's horizon {horizon}, the last month its figures are meant "
            "for (a world may declare a later `horizon`)",
            file=label,
            key=key,
        )


def _after(month: Any, last: int) -> bool:
    try:
        return isinstance(month, str) and month_index(month) > last
    except ValueError:
        return False


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    return s.model_dump(mode="json", exclude_none=True)


def scenario_to_toml(s: Scenario) -> str:
    return tomli_w.dumps(scenario_to_dict(s))


def scenario_from_json_dict(data: dict[str, Any], label: str = "<stored scenario>") -> Scenario:
    return validate(data, label)
