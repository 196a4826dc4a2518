"""Validation statistics on synthetic samples with known answers, and ``helix validate``.

The model's own values are never asserted (they are being re-tuned): only that each statistic
measures what it claims, and that the command reports every fact with its source and verdict.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from helix.experiments.validation import (
    FACT_IDS,
    FACTS,
    Fact,
    annual_growth,
    coefficient_of_variation,
    firm_statistics,
    funnel_shares,
    hill_alpha,
    laplace_minus_gauss_loglik,
    subbotin_shape,
    summarise,
    survival_share,
    volatility_size_slope,
)
from helix.experiments.validation.statistics import (
    survival_gap,
    venture_fates,
    wipeout_share,
    zero_exit_share,
)

FACT = {f.id: f for f in FACTS}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_hill_estimate_of_a_pareto_sample_recovers_its_exponent(alpha: float) -> None:
    sizes = rng().pareto(alpha, 200_000) + 1.0  # P(S > s) = s^-alpha for s >= 1
    assert hill_alpha(sizes) == pytest.approx(alpha, rel=0.05)


def test_zipf_sample_passes_and_lognormal_sample_fails_the_tail_fact() -> None:
    assert FACT["zipf_tail"].passes(hill_alpha(rng(1).pareto(1.0, 100_000) + 1.0))
    # a Gibrat lognormal has no power-law tail: its Hill estimate on the top 5% is far above 1
    assert not FACT["zipf_tail"].passes(hill_alpha(rng(2).lognormal(2.0, 0.6, 100_000)))


def test_hill_estimate_needs_a_tail() -> None:
    assert math.isnan(hill_alpha(np.arange(1, 10)))
    assert math.isnan(hill_alpha(np.array([-1.0, 0.0, np.nan])))


def test_laplace_sample_passes_the_tent_test_and_gaussian_fails() -> None:
    laplace = rng(3).laplace(0.0, 0.3, 50_000)
    gauss = rng(4).normal(0.0, 0.3, 50_000)
    b_laplace, b_gauss = subbotin_shape(laplace), subbotin_shape(gauss)
    assert b_laplace == pytest.approx(1.0, abs=0.05)
    assert b_gauss == pytest.approx(2.0, abs=0.1)
    assert FACT["tent_growth"].passes(b_laplace)
    assert not FACT["tent_growth"].passes(b_gauss)
    assert laplace_minus_gauss_loglik(laplace) > 0 > laplace_minus_gauss_loglik(gauss)


def test_annual_growth_pairs_consecutive_years_of_the_same_firm() -> None:
    firm = np.array([1, 1, 1, 2, 2, 3])
    year = np.array([2020, 2021, 2023, 2020, 2021, 2021])
    size = np.array([10.0, 20.0, 40.0, 5.0, 5.0, 7.0])
    before, growth, later = annual_growth(firm, year, size)
    # firm 1: 2020->2021 only (2023 is not consecutive); firm 2: 2020->2021; firm 3: alone
    assert sorted(before.tolist()) == [5.0, 10.0]
    assert later.tolist() == [2021, 2021]
    raw = np.array([math.log(2.0), 0.0])
    assert sorted(growth.tolist()) == pytest.approx(sorted((raw - raw.mean()).tolist()))


def test_annual_growth_drops_zero_sizes() -> None:
    _, growth, _ = annual_growth(np.array([1, 1]), np.array([2020, 2021]), np.array([0.0, 3.0]))
    assert len(growth) == 0


def test_volatility_size_slope_recovers_the_scaling_exponent() -> None:
    r = rng(5)
    size = np.exp(r.uniform(0.0, 8.0, 40_000))
    growth = r.normal(0.0, 0.5 * size**-0.2)
    assert volatility_size_slope(size, growth) == pytest.approx(-0.2, abs=0.03)
    flat = r.normal(0.0, 0.3, len(size))
    assert volatility_size_slope(size, flat) == pytest.approx(0.0, abs=0.03)
    assert math.isnan(volatility_size_slope(size[:10], growth[:10]))


def test_survival_share_counts_only_cohorts_with_follow_up() -> None:
    founded = np.array([0, 0, 0, 0, 100])
    failed = np.array([30, 61, np.nan, -1, np.nan])  # 30: failed in time; 61: after 60 months
    assert survival_share(founded, failed, last=80) == pytest.approx(0.75)
    assert math.isnan(survival_share(np.array([50]), np.array([np.nan]), last=80))


def test_funnel_shares() -> None:
    first = np.array([0, 0, 0, 0, 90])
    rounds = np.array([1, 2, 3, 1, 5])
    unicorn = np.array([False, False, True, False, True])
    follow_on, unicorns = funnel_shares(first, rounds, unicorn, last=100, horizon=72)
    assert follow_on == pytest.approx(0.5)
    assert unicorns == pytest.approx(0.25)


def test_coefficient_of_variation_of_exponential_and_uniform_ages() -> None:
    assert coefficient_of_variation(rng(6).exponential(40.0, 50_000)) == pytest.approx(1, abs=0.03)
    uniform = coefficient_of_variation(rng(7).uniform(0, 100, 50_000))
    assert uniform == pytest.approx(1 / math.sqrt(3), abs=0.02)
    assert not FACT["age_exponential"].passes(uniform)


def test_fact_comparisons() -> None:
    linear = Fact("x", "x", "x", "x", 1.0, 0.3, "within", "x")
    assert linear.passes(1.3) and linear.passes(0.7) and not linear.passes(1.31)
    assert not linear.passes(None) and not linear.passes(float("nan"))
    log = Fact("y", "y", "y", "y", 0.01, 0.5, "log10", "y")
    assert log.passes(0.03) and log.passes(0.004) and not log.passes(0.04)
    assert not log.passes(0.0)
    lo, hi = log.band()
    assert lo == pytest.approx(0.01 / 10**0.5) and hi == pytest.approx(0.01 * 10**0.5)


def test_an_above_fact_passes_only_past_its_margin() -> None:
    above = Fact("z", "z", "z", "z", 0.0, 0.05, "above", "z")
    assert above.passes(0.05) and above.passes(0.3)
    assert not above.passes(0.04) and not above.passes(-0.2) and not above.passes(float("nan"))
    assert above.band() == (0.05, math.inf)


def test_venture_fates_count_each_startup_by_its_first_ending() -> None:
    nan = np.nan
    first = np.array([0.0, 0, 0, 0, 0, 50])  # the last one has too little follow-up
    failed = np.array([10.0, nan, 80, 40, nan, nan])
    acquired = np.array([nan, 20.0, nan, 30, nan, nan])
    listed = np.array([nan, nan, nan, nan, 100.0, nan])
    fates = venture_fates(first, failed, acquired, listed, last=100, horizon=72)
    # 5 in the cohort: failed at 10; acquired at 20; failed after 72 (alive); acquired at 30
    # before failing at 40; listed after 72 (alive)
    assert fates == pytest.approx({"failed": 0.2, "acquired": 0.4, "listed": 0.0, "alive": 0.4})


def test_zero_exit_share_counts_failures_and_sales_below_the_money_raised() -> None:
    nan = np.nan
    first = np.zeros(5)
    failed = np.array([10.0, nan, nan, nan, nan])
    acquired = np.array([nan, 20.0, 20.0, nan, nan])
    price = np.array([nan, 5.0, 50.0, nan, nan])
    raised = np.array([3.0, 10.0, 10.0, 10.0, 10.0])
    listed = np.array([nan, nan, nan, 30.0, nan])
    # ended: failed (zero), sold for 5 < 10 raised (zero), sold for 50 (not), listed (not)
    share = zero_exit_share(first, failed, acquired, price, raised, listed, 100, 72)
    assert share == pytest.approx(0.5)


def test_wipeout_share_counts_failures_and_sales_for_under_half_the_money_over_the_cohort() -> None:
    nan = np.nan
    first = np.array([0.0, 0, 0, 0, 0, 0, 60])  # the last one has too little follow-up
    failed = np.array([10.0, nan, nan, nan, nan, 90, 70])
    acquired = np.array([nan, 20.0, 20.0, nan, nan, nan, nan])
    price = np.array([nan, 4.0, 6.0, nan, nan, nan, nan])
    raised = np.full(7, 10.0)
    listed = np.array([nan, nan, nan, 30.0, nan, nan, nan])
    # cohort of 6: failed (lost), sold for 4 <= 5 (lost), sold for 6 > 5 (not: investors got
    # most back), listed, alive, failed after 72 months (alive at the horizon)
    share = wipeout_share(first, failed, acquired, price, raised, listed, 100, 72)
    assert share == pytest.approx(2 / 6)
    # the zero-exit share counts the same ventures among those ended, at the full money raised
    assert zero_exit_share(first, failed, acquired, price, raised, listed, 100, 72) == 0.75


def test_survival_gap_compares_backed_startups_with_others_from_the_same_age() -> None:
    nan = np.nan
    # Backed: founded at 0, first round at 12; one of two fails within five years of it.
    # Others: one fails at 6 (before the comparison age: left out), one at 30 (within five years
    # of age 12), two survive.
    founded = np.zeros(6)
    failed = np.array([40.0, nan, 6.0, 30.0, nan, nan])
    backed = np.array([True, True, False, False, False, False])
    first = np.array([12.0, 12.0])
    gap = survival_gap(first, failed[backed], founded, failed, backed, last=200)
    assert gap == pytest.approx(0.5 - 2 / 3)


def test_every_fact_has_a_citation_a_value_and_a_reason() -> None:
    assert len(FACTS) >= 6
    assert {"zipf_tail", "tent_growth"} <= set(FACT_IDS)
    for f in FACTS:
        assert f.citation and f.why and f.statistic
        assert f.tolerance > 0 and math.isfinite(f.published)
        assert f.comparison in ("within", "log10", "above")


def test_summarise_reports_mean_spread_and_verdict() -> None:
    per_seed = [dict.fromkeys(FACT_IDS, float("nan")) for _ in range(3)]
    for s, v in zip(per_seed, (1.0, 1.1, 1.2), strict=True):
        s["zipf_tail"] = v
    rows = {r.fact.id: r for r in summarise(per_seed)}
    zipf = rows["zipf_tail"]
    assert zipf.mean == pytest.approx(1.1) and zipf.sd == pytest.approx(0.1)
    assert zipf.passed and zipf.seeds_passed == 1.0
    assert rows["survival_5y"].mean is None and not rows["survival_5y"].passed


def test_firm_statistics_of_a_small_run_gives_every_fact(run) -> None:
    result = run(until="2023-12", keep_firms=True)
    stats = firm_statistics(result.snapshot_table(), result.event_table(), "2023-12")
    assert set(stats) == set(FACT_IDS)
    assert all(isinstance(v, float) for v in stats.values())
    # the size and growth statistics exist on a four-year run; funnel shares need six years
    assert math.isfinite(stats["zipf_tail"]) and math.isfinite(stats["tent_growth"])
    assert math.isnan(stats["seed_to_unicorn"])


def test_validate_command_reports_every_fact_as_json(cli) -> None:
    res = cli(
        "validate", "--seeds", "2", "--scale", "0.05", "--until", "2022-12",
        "--workers", "1", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["seeds"] and len(payload["seeds"]) == 2
    assert [f["id"] for f in payload["facts"]] == list(FACT_IDS)
    for f in payload["facts"]:
        assert {
            "citation",
            "published",
            "tolerance",
            "why",
            "simulated_mean",
            "simulated_sd",
        } <= set(f)
        assert isinstance(f["pass"], bool) and len(f["simulated_per_seed"]) == 2


def test_validate_command_prints_a_table_and_says_what_fails(cli) -> None:
    res = cli("validate", "--seeds", "1", "--scale", "0.05", "--until", "2021-12", "--workers", "1")
    assert res.exit_code == 0, res.output
    assert "Axtell" in res.stdout and "Bottazzi" in res.stdout
    # a two-year run cannot measure five-year survival: that fact must be reported as failing
    assert "The model fails" in res.stdout


def test_validate_strict_exits_1_when_a_fact_fails(cli) -> None:
    res = cli(
        "validate", "--seeds", "1", "--scale", "0.05", "--until", "2021-12", "--workers", "1",
        "--strict", "--json",
    )  # fmt: skip
    assert res.exit_code == 1


def test_validate_bad_seeds_is_one_line(cli) -> None:
    res = cli("validate", "--seeds", "0")
    assert res.exit_code == 2
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
