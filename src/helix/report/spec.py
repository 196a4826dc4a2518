"""What a figure shows, apart from how it is drawn.

A :class:`FigureSpec` is plain data (titles, units, series, marks). Two renderers draw the same
spec: :mod:`helix.report.interactive` with Plotly for the HTML page and :mod:`helix.report.static`
with matplotlib for the PNG files, so the two never disagree about what is on a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

XKind = Literal["month", "year", "number", "category"]
Mode = Literal["line", "markers", "bar", "step", "network"]

# A qualitative palette (Okabe-Ito first, then Tableau), readable by the colour-blind.
PALETTE = (
    "#d55e00",
    "#0072b2",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#7f7f7f",
    "#8c564b",
    "#bcbd22",
    "#17becf",
    "#9467bd",
    "#1f77b4",
    "#2ca02c",
    "#ff7f0e",
    "#e377c2",
)
REPORT_COLOR = "#111111"


@dataclass
class Series:
    """One trace: a line, markers or bars, optionally with a band and error bars.

    Attributes:
        name: Legend label.
        x: Months ``YYYY-MM``, years, numbers or categories.
        y: Values (the median across runs when there are several).
        key: What the series is about (a city, a district), for target marks to find it.
        low: Lower edge of the band across runs, or None.
        high: Upper edge of the band across runs, or None.
        error: Symmetric error bar half-widths, or None.
        color: CSS colour.
        dash: Dashed line.
        mode: How to draw it.
        width: Line width in pixels (network links: by travel time).
        size: Marker sizes in pixels, one per point, or None.
        symbol: Plotly marker symbol ("circle", "triangle-up", ...).
        text: Hover or point labels, one per point, or None.
        show_legend: Whether the series has a legend entry.
        show_text: Write ``text`` beside the points (map labels), not only on hover.
        group: Legend group (a band and its line share one).
    """

    name: str
    x: list
    y: np.ndarray
    key: str | None = None
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    error: np.ndarray | None = None
    color: str | None = None
    dash: bool = False
    mode: Mode = "line"
    width: float = 2.0
    size: np.ndarray | None = None
    symbol: str = "circle"
    text: list[str] | None = None
    show_legend: bool = True
    show_text: bool = False
    group: str | None = None


@dataclass
class Shade:
    """A shaded window of the x axis, e.g. the months a target allows for a recovery."""

    x0: str | float
    x1: str | float
    label: str
    color: str = "#999999"


@dataclass
class Level:
    """A horizontal reference line, e.g. a pre-shock level or a target value."""

    y: float
    label: str
    color: str = REPORT_COLOR


@dataclass
class FigureSpec:
    """A figure: a title, axes with units, a legend, a caption and what to draw.

    Attributes:
        key: File-safe identifier (the PNG is ``<key>.png``).
        section: Heading of the report section the figure belongs to.
        title: Figure title.
        x_label: X axis label with its unit.
        y_label: Y axis label with its unit.
        caption: One sentence saying what to look at.
        x_kind: What the x values are.
        series: Traces, drawn in order.
        shades: Shaded x windows.
        levels: Horizontal reference lines.
        log_x: Logarithmic x axis.
        log_y: Logarithmic y axis.
        equal_aspect: For maps, the y unit drawn this many times the x unit (0: free).
        indicator: Indicator shown (for target marks), or None.
        sector: Sector the figure is restricted to, or None for all.
        yearly: Flows summed per calendar year (x is the year).
        factor: Displayed value = stored value x factor (1e-9 for billions, 100 for %).
        categories: Order of the x categories (``x_kind`` "category"), or None.
    """

    key: str
    section: str
    title: str
    x_label: str
    y_label: str
    caption: str
    x_kind: XKind = "month"
    series: list[Series] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)
    log_x: bool = False
    log_y: bool = False
    equal_aspect: float = 0.0
    indicator: str | None = None
    sector: str | None = None
    yearly: bool = False
    factor: float = 1.0
    categories: list[str] | None = None

    def find(self, key: str) -> Series | None:
        """The first series about ``key`` (a city or district), if any."""
        return next((s for s in self.series if s.key == key), None)

    def is_empty(self) -> bool:
        """True when no series has a finite value to draw."""
        for s in self.series:
            y = np.asarray(s.y, dtype=float)
            if y.size and np.isfinite(y).any():
                return False
        return True


def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Median and band of ``values`` (runs x points) across runs.

    The band is the min-max range for fewer than ten runs and the 5-95% range from ten on;
    a single run has no band.

    Args:
        values: Array of shape (runs, points).

    Returns:
        The median, the lower and the upper edge (None for a single run).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return values, None, None
    if values.shape[0] < 2:  # the median of one run is that run (NaN where it has none)
        return (values[0].copy() if len(values) else np.zeros(values.shape[1])), None, None
    mid = np.nanmedian(values, axis=0)
    if values.shape[0] < 10:
        return mid, np.nanmin(values, axis=0), np.nanmax(values, axis=0)
    low, high = np.nanpercentile(values, [5, 95], axis=0)
    return mid, low, high


def band_label(n_runs: int) -> str:
    """How the band of ``n_runs`` runs is defined, for captions."""
    if n_runs < 2:
        return ""
    if n_runs < 10:
        return f" Lines are the median of {n_runs} runs, bands their range."
    return f" Lines are the median of {n_runs} runs, bands their 5-95% range."
