"""HTML reports and figures of stored runs, experiments and calibrations.

>>> from helix.report import write_report
>>> files = write_report("helix-runs.duckdb", out_dir="helix-report")  # doctest: +SKIP

The report reads only the store. Figures are described once (:mod:`helix.report.spec`) and
drawn twice: with Plotly into one self-contained HTML page and with matplotlib into PNGs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from helix.report.build import HTML_NAME, ReportFiles, write_report

__all__ = ["HTML_NAME", "ReportFiles", "write_report"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: plotly and matplotlib take over a second to import, and the command
    # line reads a few light modules of this package (a target's wording) without drawing.
    if name in __all__:
        from helix.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'helix.report' has no attribute {name!r}")
