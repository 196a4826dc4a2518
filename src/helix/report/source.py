"""What a report is about: the runs it reads from the store, and how they are grouped.

A report's subject is one run, several runs, the latest run, an experiment or a calibration.
Runs are grouped for comparison by experiment variant, else by scenario name; the first group
(the baseline variant when there is one) is the one the main figures draw. The subject of an
experiment or a calibration is built in :mod:`helix.report.experiment` and
:mod:`helix.report.calibration`, which import this module (never the other way round);
:func:`helix.report.build.resolve` picks one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from helix.errors import HelixError, StoreError
from helix.scenario.load import scenario_from_json_dict
from helix.scenario.schema import Scenario, Target
from helix.store import Store, reports

BASELINE_NAMES = ("baseline", "base", "default", "control")


@dataclass
class RunInfo:
    """One stored run, as the ``runs`` table holds it.

    Attributes:
        run_id: The run's id.
        scenario_name: Name of its scenario.
        scenario: The stored scenario as a plain dict (the JSON of ``runs.scenario_json``).
        seed: Seed of its random stream.
        helix_version: Version of helix that ran it.
        finished: When it finished (UTC).
        variant: Experiment variant, or None.
        experiment_id: Experiment (or calibration) it belongs to, or None.
    """

    run_id: str
    scenario_name: str
    scenario: dict[str, Any]
    seed: int
    helix_version: str
    finished: datetime | None
    variant: str | None = None
    experiment_id: str | None = None

    @property
    def group(self) -> str:
        """Label under which the run is compared with others."""
        return self.variant or self.scenario_name

    def targets(self) -> dict[str, Target]:
        """The scenario's targets, each validated; a target that no longer validates is left out."""
        out: dict[str, Target] = {}
        for name, raw in (self.scenario.get("targets") or {}).items():
            try:
                out[name] = Target.model_validate(raw)
            except ValueError:
                continue
        return out

    def scenario_model(self) -> Scenario | None:
        """The stored scenario re-validated, or None if today's schema no longer accepts it."""
        try:
            return scenario_from_json_dict(self.scenario)
        except HelixError:
            return None


@dataclass
class Subject:
    """What one report shows.

    Attributes:
        kind: "run", "runs", "experiment" or "calibration".
        label: Human-readable name for the header.
        runs: Every run of the subject, oldest first.
        ident: Experiment or calibration id, when the subject is one.
        groups: Group label -> its runs, the baseline group first.
        meta: Header facts of a subject that has them apart from its runs (a calibration).
    """

    kind: str
    label: str
    runs: list[RunInfo]
    ident: str | None = None
    groups: dict[str, list[RunInfo]] = field(default_factory=dict)
    meta: list[tuple[str, str]] = field(default_factory=list)

    @property
    def main(self) -> list[RunInfo]:
        """The runs the main figures draw: the first (baseline) group (none for a bare
        calibration)."""
        return next(iter(self.groups.values()), [])

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.runs]


def open_store(db: str) -> Store:
    """Open the results store read-only; a missing or unreadable file is a :class:`StoreError`."""
    return Store(db, read_only=True)


def _run_info(row: tuple[Any, ...]) -> RunInfo:
    """A run from its :data:`helix.store.reports.RUN_COLUMNS`."""

    run_id, name, scenario_json, seed, version, finished, variant, experiment_id = row
    scenario = json.loads(scenario_json) if isinstance(scenario_json, str) else scenario_json
    return RunInfo(
        run_id=str(run_id),
        scenario_name=str(name),
        scenario=scenario or {},
        seed=int(seed or 0),
        helix_version=str(version or ""),
        finished=finished,
        variant=variant,
        experiment_id=experiment_id,
    )


def _require_runs_table(store: Store) -> None:
    if not reports.has_runs(store.con):
        raise StoreError("the store holds no runs (empty database)", file=store.path)


def load_runs(store: Store, run_ids: Sequence[str]) -> list[RunInfo]:
    """The finished runs named, in the order given; an unknown or failed id is a StoreError."""
    _require_runs_table(store)
    out = []
    for run_id in run_ids:
        row = reports.run_row(store.con, run_id)
        if row is None:
            raise StoreError(f"no run {run_id!r} in the store", file=store.path, key="run_id")
        if row[-1] != "done":
            raise StoreError(
                f"run {run_id!r} did not finish (status {row[-1]})", file=store.path, key="run_id"
            )
        out.append(_run_info(row[:-1]))
    return out


def latest_run_id(store: Store) -> str:
    """Id of the run that finished last; an empty store is a StoreError."""
    _require_runs_table(store)
    return store.latest_run()


def runs_of(store: Store, ident: str, what: str, required: bool = True) -> list[RunInfo]:
    """Finished runs whose ``experiment_id`` is ``ident`` (an experiment's or calibration's).

    Raises:
        StoreError: There is none and ``required`` is set.
    """
    if not required and not reports.has_runs(store.con):
        return []
    _require_runs_table(store)
    rows = reports.runs_of_experiment(store.con, ident)
    if not rows and required:
        raise StoreError(f"no finished run of {what} {ident!r} in the store", file=store.path)
    return [_run_info(r) for r in rows]


def group_runs(runs: list[RunInfo], baseline: str | None = None) -> dict[str, list[RunInfo]]:
    """Runs grouped by variant (else scenario name), the baseline group first.

    Args:
        runs: Runs in their order.
        baseline: Label of the baseline group, if known; else a group named like a baseline
            ("baseline", "base", ...), else the first group met.
    """
    groups: dict[str, list[RunInfo]] = {}
    for r in runs:
        groups.setdefault(r.group, []).append(r)
    first = baseline if baseline in groups else None
    if first is None:
        first = next((g for g in groups if g.lower() in BASELINE_NAMES), None)
    if first is None:
        return groups
    return {first: groups[first], **{k: v for k, v in groups.items() if k != first}}
