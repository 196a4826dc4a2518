"""HTML reports and figures of stored runs, experiments and calibrations.

>>> from helix.report import write_report
>>> files = write_report("helix-runs.duckdb", out_dir="helix-report")  # doctest: +SKIP

The report reads only the store. Figures are described once (:mod:`helix.report.spec`) and
drawn twice: with Plotly into one self-contained HTML page and with matplotlib into PNGs.
"""

from __future__ import annotations

from helix.report.build import HTML_NAME, ReportFiles, write_report

__all__ = ["HTML_NAME", "ReportFiles", "write_report"]
