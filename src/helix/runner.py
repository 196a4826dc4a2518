"""Run one scenario and keep it in the store: the main job behind ``helix run``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from helix.experiments.targets import measure_all
from helix.scenario.load import scenario_to_dict
from helix.scenario.schema import Scenario
from helix.store import Store, new_run_id, now
from helix.world.simulation import Progress, RunResult, simulate


@dataclass
class StoredRun:
    run_id: str
    seconds: float
    db: str
    result: RunResult
    targets: dict[str, dict[str, Any]]


def run_and_store(scenario: Scenario, store: Store, progress: Progress | None = None) -> StoredRun:
    """Simulate, write the run in one transaction, and measure its targets."""
    run_id = new_run_id()
    started = now()
    clock = time.perf_counter()
    try:
        result = simulate(scenario, progress)
    except Exception as exc:
        store.write_failed_run(
            run_id,
            scenario_name=scenario.name,
            scenario_json=scenario_to_dict(scenario),
            seed=scenario.seed,
            started=started,
            error=f"{exc.__class__.__name__}: {exc}",
        )
        raise
    seconds = time.perf_counter() - clock
    store.write_run(
        run_id,
        scenario_name=scenario.name,
        scenario_json=scenario_to_dict(scenario),
        seed=scenario.seed,
        started=started,
        indicators=result.observations.long_form(coded=True),
        events=result.event_table(coded=True),
        snapshots=result.snapshot_table(coded=True),
    )
    targets = measure_all(result.observations, scenario)
    return StoredRun(run_id, seconds, store.path, result, targets)
