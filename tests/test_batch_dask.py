"""Calibration and validation on a real Dask cluster (a scheduler and two workers on
127.0.0.1) give the results they give in this process, number for number."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")

from dask_cluster import Cluster, start_cluster, stop

from helix.errors import ExperimentError
from helix.experiments.calibration import calibrate
from helix.experiments.validation import validate

# A quick calibration (one batch of candidates) and a short validation, at a small scale.
CALIBRATION: dict[str, Any] = {"trials": 4, "seeds": 2, "fit_seeds": 1, "scale": 0.03}
VALIDATION: dict[str, Any] = {"seeds": 2, "scale": 0.03, "until": "2023-12"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = start_cluster(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield c
    finally:
        stop([*c.workers, c.scheduler])


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN, through lists and dicts."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _calibration(folder: Path, **where: Any) -> dict[str, Any]:
    folder.mkdir()
    result = calibrate(db=folder / "c.duckdb", out=None, **CALIBRATION, **where)
    out = result.to_json()
    for key in ("calibration_id", "db", "study_file"):
        out.pop(key)
    return out


@pytest.mark.slow
def test_a_quick_calibration_on_the_cluster_matches_the_local_one(
    cluster: Cluster, tmp_path: Path
) -> None:
    local = _calibration(tmp_path / "local", workers=1)
    remote = _calibration(tmp_path / "dask", cluster=cluster.address)
    assert local["trials"] == remote["trials"] == CALIBRATION["trials"]
    assert _same(local, remote)


@pytest.mark.slow
def test_validation_on_the_cluster_matches_the_local_one(cluster: Cluster) -> None:
    local = validate(workers=1, **VALIDATION).to_json()
    remote = validate(cluster=cluster.address, **VALIDATION).to_json()
    per_seed = [f["simulated_per_seed"] for f in local["facts"]]
    assert any(v is not None for seeds in per_seed for v in seeds)  # something was measured
    assert _same(local, remote)


@pytest.mark.slow
def test_no_scheduler_is_one_error_naming_the_address(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError) as info:
        validate(cluster="tcp://127.0.0.1:9", **VALIDATION)
    assert "tcp://127.0.0.1:9" in info.value.line()


def _cli_json(cli: Any, *args: str | Path) -> dict[str, Any]:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_the_cli_calibrates_and_validates_on_the_cluster_as_it_does_locally(
    cluster: Cluster, cli: Any, tmp_path: Path
) -> None:
    """``helix calibrate --quick --cluster`` and ``helix validate --cluster`` on the second world."""
    out = {}
    for where, options in (("local", ["--workers", "1"]), ("dask", ["--cluster", cluster.address])):
        folder = tmp_path / where
        folder.mkdir()
        calibration = _cli_json(
            cli, "calibrate", "tiny-corridor", "--quick", *options,
            "--db", folder / "c.duckdb", "--out", folder / "calibrated.toml",
        )  # fmt: skip
        for key in ("calibration_id", "db", "study_file", "out"):
            calibration.pop(key)
        validation = _cli_json(cli, "validate", "tiny-corridor", "--seeds", "2", *options)
        out[where] = (calibration, validation)
    for part, (local, remote) in enumerate(zip(out["local"], out["dask"], strict=True)):
        differ = sorted(k for k in local if not _same(local[k], remote.get(k)))
        assert not differ, (part, differ, [(local[k], remote.get(k)) for k in differ])
