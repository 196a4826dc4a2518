"""Group operations over firms, as numba kernels beside their plain NumPy references.

The mechanisms work on flat per-firm arrays with a group label per row (a (city, sector) cell, a
district, a city). The operations here are the ones a profile showed to be slow in plain NumPy
(sorting by two keys to find a group's largest rows, repeated ``bincount`` passes, fancy
indexing of small per-group tables), written as single passes in numba.

Every kernel gives bit-identical results to its reference: floating-point sums are taken in the
same order (``bincount`` adds rows in row order; a sum "in descending order" adds the group's
values from largest to smallest; ``cumsum`` adds sequentially), and ties are broken the same way
(the earlier row first, as a stable sort would). ``tests/test_kernels.py`` checks this on random
inputs.

The NumPy path is used when numba is switched off: ``HELIX_NUMBA=0`` in the environment before
import, or ``kernels.USE_NUMBA = False`` at run time. Kernels are compiled on first use and
cached on disk (``cache=True``, or in a temporary folder when the install and the home folder
are read-only: :mod:`helix.world.kernel_cache`); they are single-threaded, since experiments run
one process per core.

Group labels must lie in ``[0, n_groups)``. Values may be any floats; NaN sorts after every
number, as in ``np.lexsort``.

Importing this module also tells glibc's malloc to keep freed memory for reuse
(:func:`keep_freed_memory`; ``HELIX_MALLOC=0`` to leave malloc alone). A month allocates and
frees a few hundred firm-sized temporaries; by default glibc hands each one back to the kernel
and takes it again, and the page faults (zeroing the pages again) cost about a quarter of a
default run. Results do not change.
"""

from __future__ import annotations

import ctypes
import os
import sys

import numpy as np
from numba import njit

from helix.world.kernel_cache import cache_on_disk

_OFF = ("0", "false", "no", "off")
USE_NUMBA: bool = os.environ.get("HELIX_NUMBA", "1").strip().lower() not in _OFF

CACHE: bool = cache_on_disk(__file__)
"""Whether the kernels are cached on disk: numba needs a writable folder for that
(:mod:`helix.world.kernel_cache` finds one, or compiles them in each process)."""


def keep_freed_memory(
    mmap_threshold: int = 64 << 20, trim_threshold: int = 512 << 20, top_pad: int = 64 << 20
) -> bool:
    """Make glibc's malloc reuse freed memory instead of returning it to the OS at once.

    Blocks under ``mmap_threshold`` bytes come from the heap (not a fresh ``mmap`` each), the
    heap is trimmed only when ``trim_threshold`` bytes are free at its top, and it grows by
    ``top_pad`` extra bytes at a time. Peak memory stays about the same (the same temporaries
    are live at once). Returns whether the settings were applied (glibc on Linux only).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc only (musl ignores these options)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    return all(
        mallopt(option, value) == 1
        for option, value in (
            (m_mmap_threshold, mmap_threshold),
            (m_trim_threshold, trim_threshold),
            (m_top_pad, top_pad),
        )
    )


if os.environ.get("HELIX_MALLOC", "1").strip().lower() not in _OFF:
    keep_freed_memory()


def _index(a: np.ndarray) -> np.ndarray:
    """Indices as they come if int32 or int64 (casting costs as much as the gather), else int64."""
    a = np.ascontiguousarray(a)
    return a if a.dtype in (np.int32, np.int64) else a.astype(np.int64)


def _f(a: np.ndarray) -> np.ndarray:
    """Values as a contiguous float64 array (``bincount`` casts its weights the same way)."""
    return np.ascontiguousarray(a, dtype=np.float64)


def _mask(where: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """A row mask for a kernel, and whether there is one."""
    if where is None:
        return np.ones(1, np.bool_), False
    return np.ascontiguousarray(where, dtype=np.bool_), True


def _bincount(groups: np.ndarray, weights: np.ndarray, n_groups: int) -> np.ndarray:
    """``np.bincount`` with weights, float even for no rows (where NumPy gives int zeros)."""
    return np.bincount(groups, weights=weights, minlength=n_groups).astype(float, copy=False)


# --- grouping --------------------------------------------------------------------------------


@njit(cache=CACHE)
def _group_starts(groups, n_groups):  # pragma: no cover - compiled
    """Counting sort: start of each group, and the rows in group order (stable)."""
    starts = np.zeros(n_groups + 1, np.int64)
    for g in groups:
        starts[g + 1] += 1
    for g in range(n_groups):
        starts[g + 1] += starts[g]
    fill = starts[:-1].copy()
    rows = np.empty(len(groups), np.int64)
    for i in range(len(groups)):
        g = groups[i]
        rows[fill[g]] = i
        fill[g] += 1
    return starts, rows


# --- top-k sum per group ---------------------------------------------------------------------


def top_k_sums_numpy(
    groups: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    k: int,
    where: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum of each group's ``k`` largest values, and of all its values, by sorting.

    Both sums add the group's values from the largest down (the order of the sort). With
    ``where``, only the rows where it is True take part.
    """
    if where is not None:
        rows = np.flatnonzero(where)
        groups, values = groups[rows], values[rows]
    values = _f(values)
    order = np.lexsort((-values, groups))
    cells = groups[order]
    rank = np.arange(len(cells)) - np.searchsorted(cells, cells, side="left")
    top = _bincount(cells[rank < k], values[order][rank < k], n_groups)
    total = _bincount(cells, values[order], n_groups)
    return top, total


@njit(cache=CACHE)
def _group_values(groups, values, n_groups, mask, masked):  # pragma: no cover - compiled
    """Counting sort: the values grouped (row order within a group), and each group's start."""
    starts = np.zeros(n_groups + 1, np.int64)
    for i in range(len(groups)):
        if not masked or mask[i]:
            starts[groups[i] + 1] += 1
    for g in range(n_groups):
        starts[g + 1] += starts[g]
    fill = starts[:-1].copy()
    out = np.empty(starts[n_groups])
    for i in range(len(groups)):
        if not masked or mask[i]:
            g = groups[i]
            out[fill[g]] = values[i]
            fill[g] += 1
    return starts, out


@njit(cache=CACHE)
def _top_k_sorted(grouped, starts, k):  # pragma: no cover - compiled
    """Top-k and total sums of groups whose values are each sorted ascending (NaN last)."""
    n_groups = len(starts) - 1
    top = np.zeros(n_groups)
    total = np.zeros(n_groups)
    for g in range(n_groups):
        lo, hi = starts[g], starts[g + 1]
        last = hi - 1
        while last >= lo and np.isnan(grouped[last]):
            last -= 1
        t = 0.0
        s = 0.0
        r = 0
        # Numbers from the largest down, then the NaNs (a descending sort puts them last).
        for j in range(last, lo - 1, -1):
            s += grouped[j]
            if r < k:
                t += grouped[j]
            r += 1
        for j in range(last + 1, hi):
            s += grouped[j]
            if r < k:
                t += grouped[j]
            r += 1
        top[g] = t
        total[g] = s
    return top, total


def top_k_sums(
    groups: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    k: int,
    where: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum of each group's ``k`` largest values and of all its values (largest first).

    The values are grouped in numba (a counting sort), each group is sorted by NumPy (whose
    vectorised sort is far faster than numba's), and one numba pass adds each group's values
    from the largest down; the order of equal values does not change a sum.
    """
    if not USE_NUMBA:
        return top_k_sums_numpy(groups, values, n_groups, k, where)
    starts, grouped = _group_values(_index(groups), _f(values), int(n_groups), *_mask(where))
    for g in range(int(n_groups)):
        if starts[g + 1] - starts[g] > 1:
            grouped[starts[g] : starts[g + 1]].sort()
    return _top_k_sorted(grouped, starts, int(k))


# --- argmax per group ------------------------------------------------------------------------


def group_argmax_numpy(
    groups: np.ndarray, values: np.ndarray, n_groups: int, where: np.ndarray | None = None
) -> np.ndarray:
    """Position of each group's largest value (the first on ties), -1 for an empty group.

    With ``where``, only the rows where it is True take part (positions are still rows of the
    full arrays).
    """
    rows = None if where is None else np.flatnonzero(where)
    if rows is not None:
        groups, values = groups[rows], values[rows]
    order = np.lexsort((-_f(values), groups))
    cells = groups[order]
    first = np.ones(len(cells), bool)
    first[1:] = cells[1:] != cells[:-1]
    best = np.full(n_groups, -1, np.int64)
    best[cells[first]] = order[first] if rows is None else rows[order[first]]
    return best


@njit(cache=CACHE)
def _group_argmax(groups, values, n_groups, mask, masked):  # pragma: no cover - compiled
    best = np.full(n_groups, -1, np.int64)
    for i in range(len(groups)):
        if masked and not mask[i]:
            continue
        g = groups[i]
        b = best[g]
        if b < 0:
            best[g] = i
        else:
            v = values[i]
            vb = values[b]
            if v > vb or (np.isnan(vb) and not np.isnan(v)):
                best[g] = i
    return best


def group_argmax(
    groups: np.ndarray, values: np.ndarray, n_groups: int, where: np.ndarray | None = None
) -> np.ndarray:
    """Position of each group's largest value (the first on ties), -1 for an empty group."""
    if not USE_NUMBA:
        return group_argmax_numpy(groups, values, n_groups, where)
    return _group_argmax(_index(groups), _f(values), int(n_groups), *_mask(where))


# --- budget allocation in ranked order -------------------------------------------------------


def _ranked_rows(groups: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rows by group, then best score first, the earlier row on ties (one stable lexsort)."""
    return np.lexsort((-_f(score), groups))


def ranked_allocation_numpy(
    groups: np.ndarray,
    score: np.ndarray,
    cost: np.ndarray,
    budget: np.ndarray,
    own_weight: float = 1.0,
) -> np.ndarray:
    """Rows funded when each group's budget pays for its rows, best score first.

    Rows are ranked by group, then by score (highest first, earlier row on ties). Running
    totals are one ``cumsum`` over the ranked rows minus its value where the group starts; a row
    is funded when its group's running total before it, plus ``own_weight`` times its own cost,
    is within the budget. The totals include rows left unfunded, so the first row too dear for
    what is left ends its group's funding (deals too large for the whole cell are filtered out
    before). With ``own_weight`` 1 a row must fit whole into what is left. A sample of a
    population (a run at scale s: each row stands for 1/s rows like it, spread over its rank)
    passes (1 + s)/2: the row is funded as the middle one of its 1/s would be in the
    population, whose budget is budget/s, i.e. when before/s + ((1/s - 1)/2 + 1)·cost <=
    budget/s. A group may then spend up to (1 - own_weight)·cost over its budget on its last
    row. Returns the funded rows' positions in ranked order.
    """
    order = _ranked_rows(groups, score)
    ordered = groups[order]
    cost_ranked = _f(cost)[order]
    spent = np.cumsum(cost_ranked)
    start = np.searchsorted(ordered, ordered, side="left")
    offset = np.concatenate(([0.0], spent))[start]
    # (1 - 1.0)·cost is 0.0 exactly, so own_weight 1 funds the same rows as a whole-row test.
    return order[spent - offset - (1.0 - own_weight) * cost_ranked <= _f(budget)[ordered]]


@njit(cache=CACHE)
def _ranked_allocation(order, ordered_groups, cost, budget, own_weight):  # pragma: no cover
    # ``order`` ranks the rows as the NumPy reference does (one lexsort, outside the kernel: a
    # stable argsort inside numba compiles numba's mergesort, about 3 of the 7 seconds the first
    # run after an install spent compiling). The running total goes on across groups, as the
    # reference's cumsum does, so both add in the same order and give the same bits.
    out = np.empty(len(order), np.int64)
    n_out = 0
    spent = 0.0
    offset = 0.0
    previous = -1
    for i in range(len(order)):
        r = order[i]
        g = ordered_groups[i]
        if g != previous:
            offset = spent
            previous = g
        spent += cost[r]
        if spent - offset - (1.0 - own_weight) * cost[r] <= budget[g]:
            out[n_out] = r
            n_out += 1
    return out[:n_out]


def ranked_allocation(
    groups: np.ndarray,
    score: np.ndarray,
    cost: np.ndarray,
    budget: np.ndarray,
    own_weight: float = 1.0,
) -> np.ndarray:
    """Rows funded within each group's budget, best score first (see the NumPy reference)."""
    if not USE_NUMBA:
        return ranked_allocation_numpy(groups, score, cost, budget, own_weight)
    groups = _index(groups)
    order = _ranked_rows(groups, score)
    return _ranked_allocation(order, groups[order], _f(cost), _f(budget), float(own_weight))


# --- sums per group (several bincounts in one pass) ------------------------------------------


def group_sums_numpy(
    groups: np.ndarray, n_groups: int, *weights: np.ndarray, where: np.ndarray | None = None
) -> list[np.ndarray]:
    """``np.bincount(groups, weights=w, minlength=n_groups)`` for each ``w``.

    With ``where``, rows where it is False count as 0.0 (``np.where(where, w, 0.0)``).
    """
    out = []
    for w in weights:
        out.append(_bincount(groups, w if where is None else np.where(where, w, 0.0), n_groups))
    return out


# Weights go to the kernel as a tuple of this many arrays (the unused places repeat the first),
# so numba compiles one signature, not one per number of weights: each costs about 0.3 s on the
# first run after an install.
_SUM_ARITY = 4


@njit(cache=CACHE)
def _group_sums(groups, n_groups, weights, k, mask, masked):  # pragma: no cover - compiled
    # One pass over the rows for the first k weights. A masked row goes to a spare bin that is
    # dropped: where NumPy would add +0.0, the sum is left as it is, which is the same bits
    # (a sum that starts at +0.0 is never -0.0, and x + 0.0 == x for every other x). One loop
    # per k, with the weights named, so each is as tight as a kernel compiled for that k.
    w0, w1, w2, w3 = weights
    out = np.zeros((n_groups + 1, 4))  # 4, not k: with a stride of k, k = 3 and 4 ran 25% slower
    n = len(groups)
    if k == 1:
        for i in range(n):
            g = groups[i]
            if masked:  # (as one conditional expression, numba's loop ran 2-3 times slower)
                g = g if mask[i] else n_groups
            out[g, 0] += w0[i]
    elif k == 2:
        for i in range(n):
            g = groups[i]
            if masked:
                g = g if mask[i] else n_groups
            out[g, 0] += w0[i]
            out[g, 1] += w1[i]
    elif k == 3:
        for i in range(n):
            g = groups[i]
            if masked:
                g = g if mask[i] else n_groups
            out[g, 0] += w0[i]
            out[g, 1] += w1[i]
            out[g, 2] += w2[i]
    else:
        for i in range(n):
            g = groups[i]
            if masked:
                g = g if mask[i] else n_groups
            out[g, 0] += w0[i]
            out[g, 1] += w1[i]
            out[g, 2] += w2[i]
            out[g, 3] += w3[i]
    return out[:n_groups, :k].T.copy()


def group_sums(
    groups: np.ndarray, n_groups: int, *weights: np.ndarray, where: np.ndarray | None = None
) -> list[np.ndarray]:
    """Sums of each weight array per group, as ``np.bincount`` gives them (row order)."""
    if not USE_NUMBA:
        return group_sums_numpy(groups, n_groups, *weights, where=where)
    if not weights:
        return []
    index, mask = _index(groups), _mask(where)
    values = [_f(w) for w in weights]
    out: list[np.ndarray] = []
    for start in range(0, len(values), _SUM_ARITY):
        part = values[start : start + _SUM_ARITY]
        padded = tuple(part + [part[0]] * (_SUM_ARITY - len(part)))
        out.extend(_group_sums(index, int(n_groups), padded, len(part), *mask))
    return out


# --- gather ------------------------------------------------------------------------------------


def take_numpy(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]``: a per-city, per-district or per-cell value for each row."""
    return table[index]


@njit(cache=CACHE)
def _take(table, index):  # pragma: no cover - compiled
    out = np.empty(len(index), table.dtype)
    for i in range(len(index)):
        out[i] = table[index[i]]
    return out


def take(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` for a 1-d table and in-range indices (NumPy casts int32 indices first)."""
    if not USE_NUMBA:
        return take_numpy(table, index)
    return _take(np.ascontiguousarray(table), _index(index))


def take2_numpy(table: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """``table[row, col]`` for a 2-d table, e.g. a (district, sector) value for each firm."""
    return table[row, col]


@njit(cache=CACHE)
def _take2(table, row, col):  # pragma: no cover - compiled
    out = np.empty(len(row), table.dtype)
    for i in range(len(row)):
        out[i] = table[row[i], col[i]]
    return out


def take2(table: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """``table[row, col]`` for a 2-d table and in-range indices of equal length."""
    if not USE_NUMBA:
        return take2_numpy(table, row, col)
    return _take2(np.ascontiguousarray(table), _index(row), _index(col))
