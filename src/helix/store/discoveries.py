"""Scenario discoveries in the store: PRIM's boxes over a stored experiment.

Writer and reader of ``discoveries``, ``discovery_boxes``, ``discovery_limits`` and
``discovery_parameters`` (the schema is in :mod:`helix.store.schema`). Rows come in as plain
dicts, so the store needs nothing of :mod:`helix.ema`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass
from typing import Any

from helix.store.runs import Store, helix_version, now

BOX_COLUMNS = ("box", "coverage", "density", "mass", "restricted")
LIMIT_COLUMNS = (
    "box",
    "parameter",
    "low",
    "high",
    "restricted",
    "quasi_p_low",
    "quasi_p_high",
)
PARAMETER_COLUMNS = ("parameter", "role", "key", "low", "high", "score")


@dataclass(frozen=True)
class StoredDiscovery:
    """The ``discoveries`` row of one discovery (its version and creation time are added)."""

    discovery_id: str
    experiment_id: str
    experiment: str
    file: str
    variant: str
    rule: str
    outcome: str
    comparison: str
    value: float
    cases: int
    of_interest: int
    left_out: int
    threshold: float
    chosen_box: int
    why: str
    ema_version: str


def _number(value: Any) -> Any:
    """NaN and infinities as NULL (a score PRIM could not give)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_discovery(
    store: Store,
    discovery: StoredDiscovery,
    *,
    boxes: Sequence[Mapping[str, Any]],
    limits: Sequence[Mapping[str, Any]],
    parameters: Sequence[Mapping[str, Any]],
) -> None:
    """Write a discovery with its boxes, limits and parameters in one transaction, replacing a
    discovery of the same id.

    Args:
        boxes: One mapping per box of the trajectory, with the keys of :data:`BOX_COLUMNS`.
        limits: One mapping per box and parameter, with the keys of :data:`LIMIT_COLUMNS`.
        parameters: One mapping per swept parameter, with the keys of
            :data:`PARAMETER_COLUMNS`.
    """
    did = discovery.discovery_id
    with store.transaction() as con:
        for table in ("discoveries", "discovery_boxes", "discovery_limits", "discovery_parameters"):
            con.execute(f"DELETE FROM {table} WHERE discovery_id = ?", [did])
        marks = ", ".join("?" * (len(astuple(discovery)) + 2))
        con.execute(
            f"INSERT INTO discoveries VALUES ({marks})",
            [*astuple(discovery), helix_version(), now()],
        )
        for table, columns, rows in (
            ("discovery_boxes", BOX_COLUMNS, boxes),
            ("discovery_limits", LIMIT_COLUMNS, limits),
            ("discovery_parameters", PARAMETER_COLUMNS, parameters),
        ):
            if rows:
                con.executemany(
                    f"INSERT INTO {table} (discovery_id, {', '.join(columns)})"
                    f" VALUES (?, {', '.join('?' * len(columns))})",
                    [[did, *(_number(r[c]) for c in columns)] for r in rows],
                )
