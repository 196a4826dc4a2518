"""scripts/size_tail.py reads the size tail and the age mix in every December of a run."""

from __future__ import annotations

import numpy as np
from conftest import load_script

size_tail = load_script("size_tail")


def _snapshots(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = 4000
    # December 2020: a Pareto tail with exponent 1, firms all older than the run;
    # December 2021: a lognormal with a thin tail, a tenth of the firms founded during the run.
    pareto = 1.0 + rng.pareto(1.0, n)
    lognormal = np.exp(0.5 * rng.standard_normal(n))
    ages_2020 = np.full(n, 60.0)
    ages_2021 = np.where(np.arange(n) % 10 == 0, 5.0, 72.0)
    return {
        "month": np.array(["2020-06"] * n + ["2020-12"] * n + ["2021-12"] * n),
        "employees": np.concatenate([lognormal, pareto, lognormal]),
        "age_months": np.concatenate([ages_2020, ages_2020, ages_2021]),
    }


def test_one_row_per_december_with_the_fact_statistics() -> None:
    rows = size_tail.tail_by_december(_snapshots(np.random.default_rng(3)), 2020)
    assert [r["december"] for r in rows] == ["2020-12", "2021-12"]
    zipf, thin = rows
    assert abs(zipf["hill"] - 1.0) < 0.25
    assert thin["hill"] > 3.0
    assert zipf["firms"] == 4000.0
    assert zipf["tail_from_start"] == 1.0
    assert 0.0 < zipf["top1_share"] < 1.0
    assert zipf["age_cv"] == 0.0


def test_firms_younger_than_the_run_are_not_from_the_start() -> None:
    snapshots = _snapshots(np.random.default_rng(4))
    snapshots["employees"][-4000:] = np.where(
        snapshots["age_months"][-4000:] < 10, 1e6, snapshots["employees"][-4000:]
    )
    (_, late) = size_tail.tail_by_december(snapshots, 2020)
    # The 400 young firms are now the largest: the top 5% (200 firms) are all young.
    assert late["tail_from_start"] == 0.0
    assert late["tail_from"] == 1e6
