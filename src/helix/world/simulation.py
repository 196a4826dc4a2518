"""Running a world: the scenario in, observations, firm events and yearly snapshots out.

The world takes any scenario that compiles itself into the world's inputs
(:class:`Compiled`: ``helix.scenario.schema.Scenario`` does), so the engine never imports the
scenario layer; :class:`RunResult` keeps the scenario as it was given, for the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from helix.world.build import initial_world
from helix.world.coded import Coded
from helix.world.indicators import Observations
from helix.world.schedule import Schedule
from helix.world.setting import Inputs, Setting
from helix.world.state import EVENT_NAMES, ORIGIN_NAMES, STAGE_PUBLIC, World

Progress = Callable[[int, int], None]


class Compiled(Protocol):
    """A scenario as the world sees it: a seed, and the inputs it compiles into."""

    @property
    def seed(self) -> int: ...

    def world_inputs(self) -> Inputs: ...


@dataclass
class RunResult:
    """Everything a run produced, as arrays; the store and reports read from here."""

    scenario: Any  # the helix.scenario.schema.Scenario that was run (opaque to the world)
    seed: int
    observations: Observations
    events: dict[str, np.ndarray]  # step, event, firm_id, city, sector, amount
    snapshots: dict[str, np.ndarray]  # step, firm_id, city, sector, age_months, employees, ...
    final_firms: int
    institutions: tuple[str, ...] = ()  # research institutions, for the events' origins

    @property
    def months(self) -> list[str]:
        return self.observations.months

    def event_table(self, *, coded: bool = False) -> dict[str, np.ndarray | Coded]:
        """Columns month, firm_id, city, sector, event, amount, origin and institution (one row
        per firm event; institution is a spin-off's research institution, else None).

        With ``coded``, month, city, sector and event come as :class:`~helix.coded.Coded`.
        """
        e = self.events
        if coded:
            return {
                "month": Coded(e["step"], self.months),
                "firm_id": e["firm_id"],
                "city": Coded(e["city"], self.observations.cities),
                "sector": Coded(e["sector"], self.observations.sectors),
                "event": Coded(e["event"], EVENT_NAMES),
                "amount": e["amount"],
                "origin": Coded(e["origin"], ORIGIN_NAMES),
                "institution": Coded(e["institution"], self._institution_labels()),
            }
        months = np.asarray(self.months)
        return {
            "month": months[e["step"]],
            "firm_id": e["firm_id"],
            "city": np.asarray(self.observations.cities)[e["city"]],
            "sector": np.asarray(self.observations.sectors)[e["sector"]],
            "event": np.asarray(EVENT_NAMES)[e["event"]],
            "amount": e["amount"],
            "origin": np.asarray(ORIGIN_NAMES)[e["origin"]],
            "institution": Coded(e["institution"], self._institution_labels()).decode(),
        }

    def _institution_labels(self) -> list[str | None]:
        """Labels of the events' institution codes: none (NULL), then each institution."""
        return [None, *self.institutions]

    def snapshot_table(self, *, coded: bool = False) -> dict[str, np.ndarray | Coded]:
        """One row per living firm per snapshot; month, city and sector as codes with ``coded``."""
        s = self.snapshots
        if coded:
            return {
                "month": Coded(s["step"], self.months),
                "firm_id": s["firm_id"],
                "city": Coded(s["city"], self.observations.cities),
                "sector": Coded(s["sector"], self.observations.sectors),
                "age_months": s["age_months"],
                "employees": s["employees"],
                "revenue": s["revenue"],
                "valuation": s["valuation"],
            }
        months = np.asarray(self.months)
        return {
            "month": months[s["step"]],
            "firm_id": s["firm_id"],
            "city": np.asarray(self.observations.cities)[s["city"]],
            "sector": np.asarray(self.observations.sectors)[s["sector"]],
            "age_months": s["age_months"],
            "employees": s["employees"],
            "revenue": s["revenue"],
            "valuation": s["valuation"],
        }


def _snapshot(world: World) -> dict[str, np.ndarray]:
    f = world.firms
    alive = np.flatnonzero(f.view("alive"))
    return {
        "step": np.full(len(alive), world.step, np.int32),
        "firm_id": f.id[alive].copy(),
        "city": f.city[alive].copy(),
        "sector": f.sector[alive].copy(),
        "age_months": (world.step - f.born[alive]).astype(np.int32),
        "employees": f.employees[alive].copy(),
        "revenue": f.revenue[alive].copy(),
        "valuation": np.where(f.stage[alive] < STAGE_PUBLIC, f.valuation_usd[alive], np.nan),
    }


def _concat(parts: list[dict[str, np.ndarray]], names: list[str]) -> dict[str, np.ndarray]:
    if not parts:
        # Typed like the filled columns: step, event, firm_id, city, sector, origin and
        # institution index arrays.
        index = {
            "step",
            "event",
            "firm_id",
            "city",
            "sector",
            "age_months",
            "origin",
            "institution",
        }
        return {k: np.zeros(0, np.int64 if k in index else float) for k in names}
    return {k: np.concatenate([p[k] for p in parts]) for k in names}


def prepare(scenario: Compiled) -> tuple[Setting, World, np.random.Generator]:
    """The setting, starting world and random stream of a run of ``scenario``."""
    rng = np.random.default_rng(np.random.SeedSequence(scenario.seed))
    setting, world = initial_world(scenario.world_inputs(), rng)
    return setting, world, rng


def simulate(
    scenario: Compiled,
    progress: Progress | None = None,
    *,
    keep_firms: bool = True,
) -> RunResult:
    """Run ``scenario`` from start to end; the same scenario (and seed) gives the same result.

    ``keep_firms=False`` skips firm events and snapshots (for large sweeps).
    """
    setting, world, rng = prepare(scenario)
    world.record_events = keep_firms
    schedule = Schedule(setting, world)
    observed = Observations.empty(setting)
    snapshots: list[dict[str, np.ndarray]] = []
    events: list[dict[str, np.ndarray]] = []
    for step in range(setting.steps):
        world.step = step
        schedule.step(world, rng)
        observed.observe(setting, world)
        if (setting.start_month + step) % 12 == 11:
            if keep_firms:
                snapshots.append(_snapshot(world))
            events.append(_drain_events(world, keep_firms))
            world.firms.compact()
        if progress is not None:
            progress(step + 1, setting.steps)
    events.append(_drain_events(world, keep_firms))
    event_names = ["step", "event", "firm_id", "city", "sector", "amount", "origin", "institution"]
    snap_names = [
        "step",
        "firm_id",
        "city",
        "sector",
        "age_months",
        "employees",
        "revenue",
        "valuation",
    ]
    return RunResult(
        scenario=scenario,
        seed=scenario.seed,
        observations=observed,
        events=_concat([e for e in events if len(e["step"])], event_names),
        snapshots=_concat(snapshots, snap_names),
        final_firms=int(world.firms.view("alive").sum()),
        institutions=tuple(setting.research_names),
    )


def _drain_events(world: World, keep: bool) -> dict[str, np.ndarray]:
    batch = world.events
    world.events = []
    if not keep or not batch:
        return {"step": np.zeros(0, np.int32)}
    return {
        "step": np.concatenate([np.full(len(ids), step, np.int32) for step, _, ids, *_ in batch]),
        "event": np.concatenate([np.full(len(ids), code, np.int8) for _, code, ids, *_ in batch]),
        "firm_id": np.concatenate([ids for _, _, ids, *_ in batch]),
        "city": np.concatenate([b[3] for b in batch]),
        "sector": np.concatenate([b[4] for b in batch]),
        "amount": np.concatenate([b[5] for b in batch]),
        "origin": np.concatenate([b[6] for b in batch]),
        "institution": np.concatenate([b[7] for b in batch]),
    }
