"""The geography a report draws: cities, their roles and colours, districts and sectors.

Read from the stored scenario JSON of the first run, so a report needs nothing but the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from helix.report.source import RunInfo
from helix.report.spec import PALETTE
from helix.store import reports


@dataclass
class World:
    """What the figures need to know about the stored world.

    Attributes:
        con: The store's connection.
        runs: The runs the figures draw (bands across them).
        cities: City names in scenario order.
        roles: City -> role ("core", "corridor", "rival", "global").
        districts: District -> its city.
        sectors: Sector key -> human-readable label.
        colors: City -> colour, the same on every figure.
    """

    con: duckdb.DuckDBPyConnection
    runs: list[RunInfo]
    cities: list[str]
    roles: dict[str, str]
    districts: dict[str, str]
    sectors: dict[str, str]
    colors: dict[str, str] = field(default_factory=dict)
    _read: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def firm_lifetimes(self, run_id: str) -> dict[str, np.ndarray]:
        """A run's firms' lifetimes (:func:`helix.store.reports.firm_lifetimes`), read from the
        store once per report: the survival figures read them per origin."""
        return self._once("lifetimes", run_id, reports.firm_lifetimes)

    def last_month_number(self, run_id: str) -> int | None:
        """:func:`helix.store.reports.last_month_number`, read once per report."""
        return self._once("last month", run_id, reports.last_month_number)

    def _once(self, what: str, run_id: str, read: Any) -> Any:
        if (what, run_id) not in self._read:
            self._read[what, run_id] = read(self.con, run_id)
        return self._read[what, run_id]

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.runs]

    @property
    def scenario(self) -> dict[str, Any]:
        return self.runs[0].scenario

    @property
    def core(self) -> str:
        """The focal city (role "core"), else the first."""
        return next((c for c in self.cities if self.roles.get(c) == "core"), self.cities[0])

    def with_role(self, *roles: str) -> list[str]:
        return [c for c in self.cities if self.roles.get(c) in roles]

    def district_color(self, district: str) -> str:
        return PALETTE[list(self.districts).index(district) % len(PALETTE)]


def world_of(con: duckdb.DuckDBPyConnection, runs: list[RunInfo]) -> World:
    """The world of ``runs`` (from the first run's scenario)."""
    scenario = runs[0].scenario
    cities_raw: dict[str, Any] = scenario.get("cities") or {}
    cities = list(cities_raw)
    if not cities:
        cities = reports.indicator_cities(con, runs[0].run_id)
    roles = {c: str((cities_raw.get(c) or {}).get("role", "corridor")) for c in cities}
    districts = {d: str(v.get("city", "")) for d, v in (scenario.get("districts") or {}).items()}
    sectors = {k: str(v.get("label", k)) for k, v in (scenario.get("sectors") or {}).items()}
    colors = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cities)}
    return World(con, runs, cities, roles, districts, sectors, colors)
