"""A categorical column given as integer codes into a small table of labels.

Producers of large tables (firm events, snapshots, indicators) already hold their string columns
as codes into short label lists; handing the store the codes and the labels lets DuckDB build
the VARCHAR column itself instead of converting millions of NumPy strings one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class Coded(NamedTuple):
    """``labels[codes]`` as a column; a label may be ``None`` (stored as NULL)."""

    codes: np.ndarray
    labels: Sequence[str | None]

    def decode(self) -> np.ndarray:
        """The column as a NumPy array of strings (object array if a label is ``None``)."""
        labels = list(self.labels)
        table = np.array(labels, dtype=object if None in labels else None)
        return table[self.codes]


def column_length(column: np.ndarray | Coded) -> int:
    return len(column.codes) if isinstance(column, Coded) else len(column)
