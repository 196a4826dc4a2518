"""Experiments and calibrations written through the store's real writers and read back
through its readers; a stored run's observations give the measures the live run gave."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from helix.errors import StoreError
from helix.experiments.calibration import (
    CalibrationResult,
    ParameterSummary,
    TargetFit,
    calibration_markdown,
    store_calibration,
)
from helix.experiments.design import load_experiment
from helix.experiments.executors import ExecutorBackend
from helix.experiments.runner import run_experiment
from helix.experiments.summary import outcome_value
from helix.experiments.targets import measure_all
from helix.scenario.load import load_scenario, scenario_to_dict
from helix.store import Store, now, observations
from helix.store.calibrations import calibration, latest_calibration
from helix.store.experiments import (
    experiment_row,
    finished_runs,
    outcome_values,
    summary_rows,
)
from helix.world.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"until": "2020-06", "scale": 0.02}


def test_a_stored_run_gives_the_measures_of_the_live_run(tmp_path: Path) -> None:
    scenario = load_scenario(until="2021-12", scale=0.02)
    result = simulate(scenario, keep_firms=False)
    with Store(tmp_path / "r.duckdb") as store:
        store.write_run(
            "r",
            scenario_name=scenario.name,
            scenario_json=scenario_to_dict(scenario),
            seed=scenario.seed,
            started=now(),
            indicators=result.observations.long_form(coded=True),
        )
        stored = observations(store.con, "r")
    live = result.observations
    assert stored.months == live.months and stored.cities == live.cities
    for table in ("city_sector", "city", "district"):
        for name, arr in getattr(live, table).items():
            np.testing.assert_array_equal(getattr(stored, table)[name], arr, err_msg=name)
    assert measure_all(stored, scenario) == measure_all(live, scenario)


def test_an_experiment_round_trips_through_the_store(tmp_path: Path) -> None:
    exp = load_experiment(ROOT / "examples" / "no-tax-break.toml", replicates=2, **SMALL)
    db = tmp_path / "e.duckdb"
    with Store(db) as store, ExecutorBackend(ThreadPoolExecutor(2), 2) as backend:
        report = run_experiment(exp, store, backend)
    assert report.done == exp.total
    with Store(db, read_only=True) as store:
        con = store.con
        row = experiment_row(con, exp.experiment_id)
        assert row is not None and row["name"] == exp.name
        assert row["resolved_json"]["total"] == exp.total
        runs = finished_runs(con, exp.experiment_id)
        assert len(runs) == exp.total
        values = outcome_values(con, exp.experiment_id)
        assert len(values) == exp.total * len(exp.outcomes)
        rows = summary_rows(con, exp.experiment_id)
        assert rows == report.summary.rows
        # The outcomes the workers measured are those of the stored runs' indicators.
        first = runs[0]
        stored = observations(con, first.run_id)
        scale = exp.base["scale"]
        for v in values:
            if v.run_id == first.run_id:
                again = outcome_value(stored, exp.outcomes[v.outcome], scale)
                assert again == v.value or (math.isnan(again) and math.isnan(v.value))


def _calibration_result(cid: str) -> CalibrationResult:
    fit = TargetFit(
        "T1", "output", "cagr", "within", 0.2, 0.01, None, 0.21, 0.05, True, 1.0, 2, 0.04
    )
    param = ParameterSummary(
        "parameters.funding.hurdle", 0.1, 1.0, False, 0.6, 0.55, None, None, None, None, None,
        0.4, 0.7, 0.33, 0.8, "partly",
    )  # fmt: skip
    return CalibrationResult(
        calibration_id=cid,
        scenario_name="world",
        study_name="helix-abc",
        study_file="c.duckdb.optuna.log",
        trials=3,
        complete=3,
        failed=0,
        best_trial=1,
        best_loss=1.5,
        fit_loss=2.5,
        values={"parameters.funding.hurdle": 0.55},
        seeds=[1, 2],
        fit_seeds=[10001],
        scale=0.05,
        until="2025-12",
        fits=[fit],
        parameters=[param],
        correlation=[[1.0]],
        profiles={"parameters.funding.hurdle": [(0.2, 3.0), (0.5, math.inf)]},
        out="calibrated.toml",
    )


def test_a_calibration_round_trips_through_the_store(tmp_path: Path) -> None:
    world = load_scenario()
    with Store(tmp_path / "c.duckdb") as store:
        store_calibration(store, _calibration_result("c1"), world, "helix calibrate --quick")
        cal = calibration(store.con, "c1")
        assert latest_calibration(store.con) == cal
    assert cal is not None
    assert cal["best_loss"] == 1.5 and cal["command"] == "helix calibrate --quick"
    assert cal["fit"][0]["target"] == "T1" and cal["fit"][0]["simulated_mean"] == 0.2
    assert cal["parameters"][0]["verdict"] == "partly"
    assert cal["correlations"] == [
        {
            "calibration_id": "c1",
            "parameter": "parameters.funding.hurdle",
            "other": "parameters.funding.hurdle",
            "correlation": 1.0,
        }
    ]
    assert [(p["value"], p["loss"]) for p in cal["profiles"]] == [(0.2, 3.0), (0.5, None)]
    assert "c1" in calibration_markdown(cal)["provenance"]


def test_readers_answer_none_on_a_store_without_calibrations(tmp_path: Path) -> None:
    with Store(tmp_path / "x.duckdb") as store:
        assert latest_calibration(store.con) is None
        assert calibration(store.con, "nope") is None


def test_observations_of_an_unknown_run_is_a_store_error(tmp_path: Path) -> None:
    with Store(tmp_path / "x.duckdb") as store, pytest.raises(StoreError, match="missing"):
        observations(store.con, "missing")
