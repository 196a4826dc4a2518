"""What the shipped world's targets look like over many seeds, stored beside the world.

One run is one seed: a rare count such as Shanghai's unicorns (T2) misses its tolerance on some
seeds that the mean over seeds meets. So that a single run's miss reads as what it is, each
shipped world may carry ``defaults/<name>.seeds.json``: its targets' mean, lowest and highest
value and the number of seeds that meet each, over the seeds the calibration reports
(written by ``scripts/readme_figures.py``, with the hash of the world's text it was measured
on). :func:`seed_spread` returns it for a scenario that is the shipped world unchanged (any
seed) and whose text is the one measured; for anything else it returns ``None``, since the
spread of another world is unknown.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

from helix.scenario.load import DEFAULT_NAME, load_scenario, read_default_text
from helix.scenario.schema import Scenario


def world_fingerprint(name: str = DEFAULT_NAME) -> str:
    """A hash of a shipped world's text: a spread measured on another text does not apply."""
    return hashlib.sha256(read_default_text(name).encode("utf-8")).hexdigest()[:16]


def spread_file_name(name: str = DEFAULT_NAME) -> str:
    return f"{name}.seeds.json"


def read_spread(name: str = DEFAULT_NAME) -> dict[str, Any] | None:
    """The stored spread of a shipped world, or ``None`` if it has none."""
    path = resources.files("helix.scenario") / "defaults" / spread_file_name(name)
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def is_shipped_world(world: Scenario, name: str = DEFAULT_NAME) -> bool:
    """The shipped world ``name`` as shipped, whatever its seed."""
    shipped = load_scenario(None if name == DEFAULT_NAME else name, seed=world.seed)
    return world.model_dump(mode="json") == shipped.model_dump(mode="json")


def seed_spread(world: Scenario, name: str = DEFAULT_NAME) -> dict[str, Any] | None:
    """The targets' spread over seeds if ``world`` is the shipped world it was measured on."""
    spread = read_spread(name)
    if spread is None or spread.get("world") != world_fingerprint(name):
        return None
    return spread if is_shipped_world(world, name) else None
