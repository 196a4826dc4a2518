"""Plotly rendering of a :class:`~helix.report.spec.FigureSpec` for the HTML page.

Figures are written as ``<div>`` plus a script calling ``Plotly.newPlot``; the page embeds
plotly.js once, inline (:func:`plotly_js`), so nothing is fetched from any host. No geo traces
are used (they would download map data): the corridor is drawn on longitude/latitude axes.

Figures are built as plain Plotly JSON (dicts), not ``plotly.graph_objects``: the objects
validate and deep-copy every property, and setting the template on each figure's layout alone
took about 0.1 s a figure, most of the report's interactive part (issue 15). The test suite
validates the dicts against Plotly's schema (``go.Figure(figure(spec))``) instead.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import plotly.io as pio
from plotly.offline import get_plotlyjs

from helix.report.spec import FigureSpec, Series

CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False}


def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package, to embed inline."""
    return get_plotlyjs()


@cache
def _template() -> dict[str, Any]:
    """The ``plotly_white`` template as JSON, built once (what ``template="plotly_white"``
    puts into each figure)."""
    return pio.templates["plotly_white"].to_plotly_json()


def _without_none(d: dict[str, Any]) -> dict[str, Any]:
    """``d`` without its None values, at every depth of nested dicts (graph objects drop an
    unset property the same way)."""
    return {
        k: _without_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None
    }


def _rgba(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    if len(c) != 6:
        return f"rgba(120,120,120,{alpha})"
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _values(a: Any) -> list:
    """JSON-friendly list: NaN and None become gaps."""
    out = []
    for v in list(a):
        if v is None or (isinstance(v, float | np.floating) and not math.isfinite(float(v))):
            out.append(None)
        elif isinstance(v, np.generic):
            out.append(v.item())
        else:
            out.append(v)
    return out


def _error(s: Series) -> dict[str, Any] | None:
    """Error bars: symmetric from ``error``, or from ``low``/``high`` for markers and bars."""
    if s.error is not None:
        return {"type": "data", "array": _values(s.error), "color": s.color}
    if s.low is not None and s.high is not None:
        y = np.asarray(s.y, dtype=float)
        # As in the PNGs: a point outside its band gets a bar to the band's far end only.
        return {
            "type": "data",
            "symmetric": False,
            "array": _values(np.maximum(np.asarray(s.high, dtype=float) - y, 0.0)),
            "arrayminus": _values(np.maximum(y - np.asarray(s.low, dtype=float), 0.0)),
            "color": s.color,
        }
    return None


def _band(s: Series) -> list[dict[str, Any]]:
    if s.low is None or s.high is None or s.mode in ("markers", "bar"):
        return []
    common = {
        "type": "scatter",
        "x": _values(s.x),
        "mode": "lines",
        "line": {"width": 0, "shape": "hv" if s.mode == "step" else "linear"},
        "legendgroup": s.group or s.name,
        "showlegend": False,
        "hoverinfo": "skip",
    }
    return [
        {"y": _values(s.low), **common},
        {
            "y": _values(s.high),
            "fill": "tonexty",
            "fillcolor": _rgba(s.color or "#777777", 0.18),
            **common,
        },
    ]


def _trace(s: Series) -> dict[str, Any]:
    group = s.group or s.name
    if s.mode == "bar":
        trace = {
            "type": "bar",
            "x": _values(s.x),
            "y": _values(s.y),
            "name": s.name,
            "marker": {"color": s.color},
            "error_y": _error(s),
            "legendgroup": group,
            "showlegend": s.show_legend,
        }
    elif s.mode == "markers":
        trace = {
            "type": "scatter",
            "x": _values(s.x),
            "y": _values(s.y),
            "name": s.name,
            "mode": "markers+text" if s.show_text else "markers",
            "text": s.text,
            "textposition": "top right",
            "hovertext": s.text,
            "hoverinfo": "text+name" if s.text else None,
            "marker": {
                "color": s.color,
                "size": None if s.size is None else _values(s.size),
                "symbol": s.symbol,
                "line": {"width": 2, "color": s.color},
            },
            "error_y": _error(s),
            "legendgroup": group,
            "showlegend": s.show_legend,
        }
    else:
        trace = {
            "type": "scatter",
            "x": _values(s.x),
            "y": _values(s.y),
            "name": s.name,
            "mode": "lines",
            "hovertext": s.text,
            "line": {
                "color": s.color,
                "width": s.width,
                "dash": "dash" if s.dash else "solid",
                "shape": "hv" if s.mode == "step" else "linear",
            },
            "connectgaps": False,
            "legendgroup": group,
            "showlegend": s.show_legend,
        }
    return _without_none(trace)


def _axis(title: str, log: bool, kind: str) -> dict[str, Any]:
    axis: dict[str, Any] = {"title": {"text": title}, "zeroline": False}
    if log:
        axis["type"] = "log"
    elif kind == "year":
        axis["tickformat"] = "d"
    elif kind == "month":
        axis["type"] = "date"
    elif kind == "category":
        axis["type"] = "category"
    return axis


def figure(spec: FigureSpec) -> dict[str, Any]:
    """The Plotly figure of a spec, as Plotly JSON (``{"data": [...], "layout": {...}}``)."""
    traces: list[dict[str, Any]] = []
    for s in spec.series:
        traces += _band(s)
        traces.append(_trace(s))
    shapes: list[dict[str, Any]] = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": sh.x0,
            "x1": sh.x1,
            "y0": 0,
            "y1": 1,
            "fillcolor": _rgba(sh.color, 0.2),
            "line": {"width": 0},
            "layer": "below",
            "name": sh.label,
            "showlegend": True,
        }
        for sh in spec.shades
    ]
    shapes += [
        {
            "type": "line",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": lv.y,
            "y1": lv.y,
            "line": {"color": lv.color, "width": 1.5, "dash": "dot"},
            "name": lv.label,
            "showlegend": True,
        }
        for lv in spec.levels
    ]
    xaxis = _axis(spec.x_label, spec.log_x, spec.x_kind)
    if spec.categories:
        xaxis.update(categoryorder="array", categoryarray=spec.categories)
    yaxis = _axis(spec.y_label, spec.log_y, "number")
    if spec.equal_aspect:
        yaxis.update(scaleanchor="x", scaleratio=spec.equal_aspect)
    layout = {
        "title": {"text": spec.title, "x": 0.01, "xanchor": "left"},
        "xaxis": xaxis,
        "yaxis": yaxis,
        "template": _template(),
        "height": 520 if spec.equal_aspect else 460,
        "margin": {"l": 70, "r": 20, "t": 60, "b": 60},
        "legend": {"font": {"size": 11}, "itemsizing": "constant"},
        "barmode": "group",
        "hovermode": "closest",
    }
    if shapes:  # as graph objects write it: no empty list
        layout["shapes"] = shapes
    return {"data": traces, "layout": layout}


def html_div(spec: FigureSpec, div_id: str) -> str:
    """The figure as an HTML fragment (div and script) that expects plotly.js on the page."""
    return pio.to_html(
        figure(spec),
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        # The camera button saves the figure as a PNG named after it, as the page shows it: a
        # figure for a slide without drawing them all (``helix report --png``).
        config={**CONFIG, "toImageButtonOptions": {"format": "png", "filename": spec.key}},
        validate=False,
    )
