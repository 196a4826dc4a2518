"""The firm table: growing and compacting keep ids, order and every column row-aligned."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from helix.world.state import EVENT_CODE, EVENT_NAMES, Firms

# Each operation: add some firms, then kill some rows (by a mask seed), then maybe compact.
operation = st.tuples(st.integers(0, 700), st.integers(0, 2**32 - 1), st.booleans())


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(operation, min_size=1, max_size=8))
def test_add_and_compact_keep_ids_order_and_rows(ops):
    firms = Firms()
    model: list[int] = []  # ids of the rows in use, in order
    alive: dict[int, bool] = {}
    added = 0
    for count, seed, compact in ops:
        rows = firms.add(
            count,
            employees=np.arange(added, added + count, dtype=float),
            sector=np.arange(added, added + count) % 7,
        )
        assert rows == slice(len(model), len(model) + count)
        new_ids = list(range(added, added + count))
        model += new_ids
        alive.update(dict.fromkeys(new_ids, True))
        added += count
        kill = np.random.default_rng(seed).random(firms.n) < 0.3
        firms.alive[: firms.n][kill] = False
        for i in np.flatnonzero(kill):
            alive[model[i]] = False
        if compact:
            firms.compact()
            model = [i for i in model if alive[i]]
        assert firms.n == len(model)
        assert firms.next_id == added
        ids = firms.view("id")
        assert ids.tolist() == model
        assert (np.diff(ids) > 0).all()  # ids grow with the order of founding
        # Every column still belongs to its firm.
        assert np.array_equal(firms.view("employees"), ids.astype(float))
        assert np.array_equal(firms.view("sector"), ids % 7)
        assert firms.view("alive").tolist() == [alive[i] for i in model]
        assert all(len(getattr(firms, c)) >= firms.n for c in firms.columns())


def test_new_rows_start_at_zero_even_after_compaction():
    firms = Firms()
    firms.add(5, cash=np.full(5, 9.0), employees=np.full(5, 3.0))
    firms.alive[:5] = [True, False, True, False, False]
    firms.compact()
    rows = firms.add(3)
    assert (firms.cash[rows] == 0).all() and (firms.employees[rows] == 0).all()
    assert firms.alive[rows].all()
    assert firms.view("id").tolist() == [0, 2, 5, 6, 7]


def test_event_codes_round_trip():
    assert [EVENT_NAMES[EVENT_CODE[name]] for name in EVENT_NAMES] == list(EVENT_NAMES)
    assert set(EVENT_NAMES) == {
        "founded",
        "funded",
        "unicorn",
        "ipo",
        "acquired",
        "failed",
        "relocated",
    }
