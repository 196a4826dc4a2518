"""matplotlib rendering of a :class:`~helix.report.spec.FigureSpec` to a PNG file (Agg backend).

The PNGs are the static fallbacks of the interactive figures, for slides and for readers
without JavaScript; each carries its title, axes, legend and caption.

Each figure is a :class:`matplotlib.figure.Figure` on its own Agg canvas, without pyplot: no
global figure registry (a report may be written from a thread of the dashboard), and the
process's backend is left as it was. Where the time goes (benchmarks/RESULTS.md, "Report
PNGs"): drawing the axes' ticks, the legend and the text's glyphs, which matplotlib does one
glyph at a time; then the PNG encoding, done at zlib level 1 (PNG is lossless: the same pixels
in a file about 10% larger, encoded in about 40% less time).
"""

from __future__ import annotations

import functools
import textwrap
import threading
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

from helix.report.spec import FigureSpec, Series

MARKERS = {
    "circle": "o",
    "circle-open": "o",
    "diamond": "D",
    "triangle-up": "^",
    "triangle-down": "v",
    "square": "s",
}
DPI = 100
PNG_OPTIONS: dict[str, int] = {"compress_level": 1}
"""Pillow's PNG options: zlib level 1 instead of its default 6."""
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
)
"""Fonts with Chinese glyphs, in order of preference; the first installed one is the fallback
for city, district and firm names that DejaVu Sans cannot draw."""
MISSING_GLYPHS = (
    "Some names in the figures have characters the installed fonts cannot draw; the PNGs show"
    " them as boxes. Install a CJK font (e.g. apt-get install fonts-noto-cjk) to draw them."
)


@functools.cache
def _style() -> dict[str, Any]:
    """Matplotlib settings for every figure.

    User text (scenario, city, variant names) is drawn as written: ``$`` does not start
    mathtext, so a name like ``mathtext $\\frac{$`` neither fails nor changes the figure.
    """
    installed = {f.name for f in font_manager.fontManager.ttflist}
    fallback = [name for name in CJK_FONTS if name in installed]
    return {
        "text.parse_math": False,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", *fallback],
    }


class _Renderers(threading.local):
    """This thread's Agg renderers, one per canvas size in pixels and dpi."""

    def __init__(self) -> None:
        self.by_size: dict[tuple[int, int, float], RendererAgg] = {}


_RENDERERS = _Renderers()


class _Canvas(FigureCanvasAgg):
    """An Agg canvas that draws with its thread's renderer of its size.

    A fresh canvas would make a fresh renderer, and matplotlib keeps its measures of text per
    renderer: the figures of a report, which share tick labels, fonts and sizes, then measure
    each text again. The renderer is cleared before every figure is drawn and its pixels are
    written before the thread draws another, so the PNGs are the same, byte for byte.
    """

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        renderer = _RENDERERS.by_size.get(key)
        if renderer is None:
            renderer = _RENDERERS.by_size[key] = RendererAgg(w, h, self.figure.dpi)
        return renderer


def _x(spec: FigureSpec, values: list) -> np.ndarray:
    if spec.x_kind == "month":
        return np.array([np.datetime64(v, "M") if v else np.datetime64("NaT") for v in values])
    if spec.x_kind == "category":
        return np.asarray(values, dtype=object)
    return np.array([np.nan if v is None else float(v) for v in values])


def _y(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in list(values)])


def _draw(
    ax: Any, spec: FigureSpec, s: Series, categories: dict[str, float], bar: tuple[float, float]
) -> None:
    """Draw one series; ``bar`` is (offset, width) of its bars within a category."""
    x = _x(spec, list(s.x))
    if spec.x_kind == "category":
        x = np.array([categories.setdefault(str(v), float(len(categories))) for v in s.x])
    y = _y(s.y)
    label = s.name if s.show_legend else None
    yerr = _y(s.error) if s.error is not None else None
    if s.mode in ("markers", "bar") and s.low is not None and s.high is not None:
        # A point may lie outside its band (a calibration's best value outside the 10-90% range
        # of the top trials): the bar then reaches from the point to the band's far end.
        yerr = np.clip(np.vstack([y - _y(s.low), _y(s.high) - y]), 0.0, None)
    elif s.low is not None and s.high is not None:
        step = "post" if s.mode == "step" else None
        ax.fill_between(x, _y(s.low), _y(s.high), color=s.color, alpha=0.18, lw=0, step=step)
    if s.mode == "bar":
        ax.bar(x + bar[0], y, width=bar[1], color=s.color, label=label, yerr=yerr, capsize=3)
        return
    if s.mode == "markers":
        size = (np.asarray(s.size, dtype=float) * 0.75) ** 2 if s.size is not None else 36.0
        hollow = s.symbol.endswith("-open")
        ax.scatter(
            x,
            y,
            s=size,
            marker=MARKERS.get(s.symbol, "o"),
            facecolors="none" if hollow else s.color,
            edgecolors=s.color,
            linewidths=1.5,
            label=label,
            zorder=3,
        )
        if yerr is not None:
            ax.errorbar(x, y, yerr=yerr, fmt="none", ecolor=s.color, capsize=4, zorder=3)
        if s.show_text and s.text:
            for xi, yi, t in zip(x, y, s.text, strict=False):
                ax.annotate(t, (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=8)
        return
    style = {"color": s.color, "lw": s.width * 0.75, "ls": "--" if s.dash else "-"}
    if s.mode == "step":
        ax.step(x, y, where="post", label=label, **style)
    else:
        ax.plot(x, y, label=label, **style)


def render(spec: FigureSpec, path: Path, missing: set[str] | None = None) -> Path:
    """Draw ``spec`` into the PNG file ``path``.

    Args:
        spec: The figure.
        path: The PNG file to write.
        missing: Collects the characters no installed font can draw (their warnings are
            silenced here; the caller says so once).
    """
    with matplotlib.rc_context(_style()), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _render(spec, path)
    for w in caught:
        text = str(w.message)
        if text.startswith("Glyph ") and "missing from" in text:
            if missing is not None:
                missing.add(text.split("(", 1)[-1].split(")", 1)[0])
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return path


def _render(spec: FigureSpec, path: Path) -> None:
    height = 6.0 if spec.equal_aspect else 5.2
    fig = Figure(figsize=(13, height), dpi=DPI)
    _Canvas(fig)
    # A fixed layout (plot left, legend right, caption at the foot) draws once; saving with
    # bbox_inches="tight" would draw every figure twice.
    ax = fig.add_axes((0.065, 0.25, 0.6, 0.67))
    categories = {c: float(i) for i, c in enumerate(spec.categories or [])}
    bars = [s for s in spec.series if s.mode == "bar"]
    width = 0.8 / max(len(bars), 1)
    for s in spec.series:
        i = next((k for k, b in enumerate(bars) if b is s), 0)
        _draw(ax, spec, s, categories, ((i - (len(bars) - 1) / 2) * width, width))
    for sh in spec.shades:
        x0, x1 = _x(spec, [sh.x0, sh.x1])
        ax.axvspan(x0, x1, color=sh.color, alpha=0.2, lw=0, label=sh.label)
    for lv in spec.levels:
        ax.axhline(lv.y, color=lv.color, ls=":", lw=1.2, label=lv.label)
    crowded = False
    if categories:
        names = list(categories)
        # Many long category names would overprint: slant them down to the right, where the
        # legend's column leaves room, and let them stand for the axis title.
        crowded = sum(len(n) for n in names) > 90
        ax.set_xticks(
            list(categories.values()),
            names,
            rotation=-12 if crowded else 0,
            ha="left" if crowded else "center",
            rotation_mode="anchor",
            fontsize=8 if crowded else None,
        )

    if spec.log_x:
        ax.set_xscale("log")
    if spec.log_y:
        ax.set_yscale("log")
    if spec.equal_aspect:
        ax.set_aspect(spec.equal_aspect, adjustable="datalim")
    ax.set_title(spec.title, loc="left", fontsize=12)
    ax.set_xlabel("" if crowded else spec.x_label)
    ax.set_ylabel(spec.y_label)
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        # The legend has the right third of a fixed-size figure: long labels wrap.
        labels = [textwrap.fill(textwrap.shorten(lb, 110), 48) for lb in labels]
        legend = ax.legend(
            handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8
        )
        for handle in legend.legend_handles:
            if hasattr(handle, "set_sizes"):
                handle.set_sizes([60.0])
    fig.text(0.01, 0.105, textwrap.fill(spec.caption, 150), fontsize=8, va="top", ha="left")
    fig.savefig(path, dpi=DPI, pil_kwargs=dict(PNG_OPTIONS))
