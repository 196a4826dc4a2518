"""Re-export of :mod:`helix.world.coded` (the store and reports import it from here)."""

from helix.world.coded import Coded, column_length

__all__ = ["Coded", "column_length"]
