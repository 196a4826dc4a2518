"""The numba kernels give exactly what their NumPy references give (bits, order, ties)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helix.world import kernels

# Few distinct values, so ties and equal-valued zeros of both signs are common; plus any float.
TIES = st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0, 1e300, -1e-300, np.inf, -np.inf, np.nan])
FLOATS = st.one_of(TIES, st.floats(allow_nan=True, allow_infinity=True, width=64))
FINITE = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 2.5, 7.0]), st.floats(-1e12, 1e12, allow_nan=False)
)


@st.composite
def grouped(draw, elements=FLOATS, max_groups: int = 6, max_rows: int = 60):
    """Group labels in [0, n_groups) (some groups empty or single-row) and one value per row."""
    n_groups = draw(st.integers(1, max_groups))
    n = draw(st.integers(0, max_rows))
    groups = draw(arrays(np.int32, n, elements=st.integers(0, n_groups - 1)))
    values = draw(arrays(np.float64, n, elements=elements))
    return groups, values, n_groups


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal arrays with the same dtype, NaN equal to NaN."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.slow
@given(grouped(), st.integers(1, 5), st.data(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_top_k_sums(case, k, data, masked):
    groups, values, n_groups = case
    where = data.draw(arrays(np.bool_, len(groups))) if masked else None
    mask = where if masked else np.ones(1, np.bool_)
    starts, grouped = kernels._group_values(groups, values, n_groups, mask, masked)
    for g in range(n_groups):
        grouped[starts[g] : starts[g + 1]].sort()
    top, total = kernels._top_k_sorted(grouped, starts, k)
    ref_top, ref_total = kernels.top_k_sums_numpy(groups, values, n_groups, k, where)
    assert same(top, ref_top)
    assert same(total, ref_total)


@pytest.mark.slow
@given(grouped(), st.data(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_group_argmax(case, data, masked):
    groups, values, n_groups = case
    where = data.draw(arrays(np.bool_, len(groups))) if masked else None
    mask = where if masked else np.ones(1, np.bool_)
    for labels in (groups, groups.astype(np.int64)):
        got = kernels._group_argmax(labels, values, n_groups, mask, masked)
        assert same(got, kernels.group_argmax_numpy(groups, values, n_groups, where))


@pytest.mark.slow
@given(grouped(elements=FINITE), st.data())
@settings(max_examples=300, deadline=None)
def test_ranked_allocation(case, data):
    groups, score, n_groups = case
    n = len(groups)
    cost = data.draw(arrays(np.float64, n, elements=st.floats(0.0, 100.0)))
    budget = data.draw(arrays(np.float64, n_groups, elements=st.floats(0.0, 300.0)))
    own = data.draw(st.sampled_from([1.0, 0.5, 0.25, 2.0]))
    # the compiled kernel walks the budgets over the rows as ranked_allocation ranks them
    g = groups.astype(np.int64)
    order = kernels._ranked_rows(g, score)
    got = kernels._ranked_allocation(order, g[order], cost, budget, own)
    assert same(got, kernels.ranked_allocation_numpy(groups, score, cost, budget, own))


@pytest.mark.slow
@given(grouped(), st.data(), st.integers(1, 6), st.booleans())
@settings(max_examples=300, deadline=None)
def test_group_sums(case, data, n_weights, masked):
    groups, first, n_groups = case
    n = len(groups)
    weights = [first] + [
        data.draw(arrays(np.float64, n, elements=FLOATS)) for _ in range(n_weights - 1)
    ]
    where = data.draw(arrays(np.bool_, n)) if masked else None
    # the compiled path takes four weights at a time (more than four: a second pass)
    if not kernels.USE_NUMBA:
        pytest.skip("HELIX_NUMBA=0: group_sums is its NumPy reference")
    got = kernels.group_sums(groups.astype(np.int64), n_groups, *weights, where=where)
    ref = kernels.group_sums_numpy(groups, n_groups, *weights, where=where)
    assert len(got) == len(ref)
    for g, r in zip(got, ref, strict=True):
        assert same(g, r)


@given(arrays(np.float64, st.integers(1, 8), elements=FLOATS), st.data())
@settings(max_examples=200, deadline=None)
def test_take(table, data):
    index = data.draw(arrays(np.int32, st.integers(0, 40), elements=st.integers(0, len(table) - 1)))
    assert same(kernels._take(table, index), kernels.take_numpy(table, index))


@pytest.mark.slow
@given(
    arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=FLOATS),
    st.data(),
)
@settings(max_examples=200, deadline=None)
def test_take2(table, data):
    n = data.draw(st.integers(0, 40))
    row = data.draw(arrays(np.int32, n, elements=st.integers(0, table.shape[0] - 1)))
    col = data.draw(arrays(np.int64, n, elements=st.integers(0, table.shape[1] - 1)))
    assert same(kernels._take2(table, row, col), kernels.take2_numpy(table, row, col))


def test_take_keeps_integer_tables():
    table = np.array([-1, 7, 3], np.int64)
    index = np.array([2, 0, 0, 1], np.int32)
    assert same(kernels.take(table, index), table[index])


@pytest.mark.parametrize("use_numba", [True, False])
def test_public_functions_follow_the_switch(monkeypatch, use_numba):
    """The dispatching functions agree with the references either way, on the empty input too."""
    monkeypatch.setattr(kernels, "USE_NUMBA", use_numba)
    rng = np.random.default_rng(1)
    for n in (0, 1, 500):
        groups = rng.integers(0, 7, n).astype(np.int32)
        values = rng.lognormal(0, 2, n)
        cost = rng.random(n)
        budget = rng.random(7) * 20
        for where in (None, values > 1.0):
            for got, ref in zip(
                kernels.top_k_sums(groups, values, 7, 4, where),
                kernels.top_k_sums_numpy(groups, values, 7, 4, where),
                strict=True,
            ):
                assert same(got, ref)
        for where in (None, values > 1.0):
            assert same(
                kernels.group_argmax(groups, values, 7, where),
                kernels.group_argmax_numpy(groups, values, 7, where),
            )
        for own in (1.0, 0.5):
            assert same(
                kernels.ranked_allocation(groups, values, cost, budget, own),
                kernels.ranked_allocation_numpy(groups, values, cost, budget, own),
            )
        alive = values > 1.0
        for where in (None, alive):
            got = kernels.group_sums(groups, 7, values, cost, where=where)
            ref = kernels.group_sums_numpy(groups, 7, values, cost, where=where)
            assert all(same(g, r) for g, r in zip(got, ref, strict=True))
        table = rng.random(7)
        assert same(kernels.take(table, groups), kernels.take_numpy(table, groups))
        grid = rng.random((7, 3))
        col = groups % 3
        assert same(kernels.take2(grid, groups, col), kernels.take2_numpy(grid, groups, col))


def test_ranked_allocation_of_a_sample_tests_each_row_as_the_population_would():
    """At scale s each row stands for 1/s rows like it, spread over its rank: a deal is funded
    as the middle one of them would be, when the better-ranked deals plus (1 + s)/2 of its own
    cost fit the sample's budget, so a half-size sample funds large deals about as often as the
    whole population does (the whole cost turns them down too often, s·cost too rarely)."""
    groups = np.zeros(2, np.int64)
    score = np.array([2.0, 1.0])
    cost = np.array([4.0, 10.0])
    budget = np.array([10.0])
    for fn in (kernels.ranked_allocation, kernels.ranked_allocation_numpy):
        assert list(fn(groups, score, cost, budget)) == [0]  # 4 + 10 > 10: the second is too dear
        assert list(fn(groups, score, cost, budget, 0.5)) == [0, 1]  # 4 + 0.5·10 <= 10
        assert list(fn(groups, score, cost, budget, 1.0)) == list(fn(groups, score, cost, budget))

    # A population of small deals and a few large ones, and half-size samples of it: with the
    # sample's weight the large deals are funded about as often as in the population.
    rng = np.random.default_rng(0)
    n, reps = 200, 400
    big = np.arange(n) % 20 == 0
    population_cost = np.where(big, 40.0, 1.0)
    full_budget = 0.5 * population_cost.sum()
    rates = {"population": [], 1.0: [], 0.75: []}
    for _ in range(reps):
        s = rng.random(n)
        got = kernels.ranked_allocation_numpy(
            np.zeros(n, np.int64), s, population_cost, np.array([full_budget])
        )
        rates["population"].append(big[got].sum() / big.sum())
        keep = rng.random(n) < 0.5
        for own in (1.0, 0.75):  # the whole cost; (1 + s)/2 at s = 0.5
            got = kernels.ranked_allocation_numpy(
                np.zeros(keep.sum(), np.int64),
                s[keep],
                population_cost[keep],
                np.array([0.5 * full_budget]),
                own,
            )
            rates[own].append(big[keep][got].sum() / max(big[keep].sum(), 1))
    population, whole, weighted = (np.mean(rates[k]) for k in ("population", 1.0, 0.75))
    assert abs(weighted - population) < abs(whole - population)
    assert abs(weighted - population) < 0.03
