"""Errors a user can cause, each carrying the file and key it is about.

The CLI turns any :class:`HelixError` into a single line ``file: key: reason`` and exit code 2.
"""

from __future__ import annotations


class HelixError(Exception):
    """A problem with the user's input, reported as one line naming file, key and reason."""

    def __init__(self, reason: str, *, file: str | None = None, key: str | None = None) -> None:
        self.reason = reason
        self.file = file
        self.key = key
        super().__init__(self.line())

    def line(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        return ": ".join([*parts, self.reason])


class ScenarioError(HelixError):
    """A scenario file that is missing, malformed or describes an inconsistent world."""


class StoreError(HelixError):
    """A results database that cannot be opened, written or does not hold what was asked."""


class ExperimentError(HelixError):
    """An experiment file or cluster that cannot be used."""
