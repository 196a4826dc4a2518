"""The command line: ``helix run``, ``helix experiment``, ``helix report`` and friends.

One module per command group; each registers its commands on :data:`helix.cli.app.app` when
imported, which this package does for all of them, in the order ``helix --help`` lists them.
Any :class:`~helix.errors.HelixError` becomes one line on stderr and exit code 2
(:func:`helix.cli.app.handles_errors`).
"""

from __future__ import annotations

from helix.cli.app import app, main

# The order of these imports is the order of the commands in ``helix --help``.
# isort: off
from helix.cli import run
from helix.cli import report
from helix.cli import scenario
from helix.cli import experiment
from helix.cli import discover
from helix.cli import calibrate
from helix.cli import dashboard

# isort: on

__all__ = [
    "app",
    "calibrate",
    "dashboard",
    "discover",
    "experiment",
    "main",
    "report",
    "run",
    "scenario",
]
