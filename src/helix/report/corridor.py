"""The corridor as a network on a map: cities at their real coordinates, links by travel time.

Links are drawn between cities within 90 minutes of each other (thicker when closer), and
from the focal city to every corridor city, so the report's "under 90 minutes" can be checked. Node sizes show the engineers each city drew in
over the run, rings the VC rounds led by funds from other cities. The store keeps flows per
city, not per pair of cities, so flows are drawn on the nodes, not on the links.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helix.report.context import World
from helix.report.series import cube
from helix.report.spec import FigureSpec, Series

CORRIDOR = "The corridor"

# (upper bound in minutes, legend label, line width in px)
LINK_CLASSES = (
    (45.0, "link ≤ 45 min", 5.0),
    (90.0, "link 46-90 min", 2.5),
    (math.inf, "link > 90 min (from the core city only)", 1.2),
)


def _coordinates(w: World) -> dict[str, tuple[float, float]]:
    """City -> (lon, lat) of the core and corridor cities (rival and global hubs are off the map)."""
    raw: dict[str, Any] = w.scenario.get("cities") or {}
    out = {}
    for city in w.cities:
        c = raw.get(city) or {}
        if w.roles.get(city) not in ("core", "corridor") or ("lat" not in c and "lon" not in c):
            continue
        out[city] = (float(c.get("lon", 0.0)), float(c.get("lat", 0.0)))
    return out


def _travel(w: World) -> dict[tuple[str, str], float]:
    tt = w.scenario.get("travel_time") or {}
    names = list(tt.get("cities") or [])
    minutes = tt.get("minutes") or []
    out = {}
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i < j and i < len(minutes) and j < len(minutes[i]):
                out[(a, b)] = float(minutes[i][j])
    return out


def _links(w: World, where: dict[str, tuple[float, float]]) -> list[Series]:
    travel = _travel(w)
    series = []
    for k, (upper, label, width) in enumerate(LINK_CLASSES):
        lower = 0.0 if k == 0 else LINK_CLASSES[k - 1][0]
        xs: list[float | None] = []
        ys: list[float | None] = []
        text: list[str] = []
        for (a, b), minutes in travel.items():
            if a not in where or b not in where or not lower < minutes <= upper:
                continue
            if math.isinf(upper) and w.core not in (a, b):
                continue
            for city in (a, b):
                xs.append(where[city][0])
                ys.append(where[city][1])
                text.append(f"{a} – {b}: {minutes:.0f} min")
            xs.append(None)
            ys.append(None)
            text.append("")
        if xs:
            series.append(
                Series(
                    name=label,
                    x=xs,
                    y=np.array([np.nan if v is None else v for v in ys]),
                    text=text,
                    color="#8a8a8a",
                    width=width,
                    dash=math.isinf(upper),
                    group="links",
                )
            )
    return series


def _run_totals(w: World, indicator: str) -> dict[str, float]:
    """City -> median over runs of the indicator summed over the whole run."""
    c = cube(w.con, w.run_ids, indicator, "city", order=w.cities)
    totals = np.nansum(c.values, axis=2)  # runs x cities
    return {city: float(np.median(totals[:, i])) for i, city in enumerate(c.labels)}


def _sizes(values: list[float], biggest: float) -> np.ndarray:
    v = np.sqrt(np.maximum(np.asarray(values, dtype=float), 0.0))
    top = v.max() if v.size and v.max() > 0 else 1.0
    return 8.0 + (biggest - 8.0) * v / top


def corridor_map(w: World) -> FigureSpec | None:
    """The map, or None when the scenario gives no coordinates."""
    where = _coordinates(w)
    if len(where) < 2:
        return None
    cities = list(where)
    arriving = _run_totals(w, "talent_inflow")
    leaving = _run_totals(w, "talent_outflow")
    deals = _run_totals(w, "cross_city_deals")
    lon = [where[c][0] for c in cities]
    lat = np.array([where[c][1] for c in cities])
    hover = [
        f"{c}: {arriving.get(c, 0):,.0f} engineers arrived, {leaving.get(c, 0):,.0f} left; "
        f"{deals.get(c, 0):,.0f} VC rounds led from other cities"
        for c in cities
    ]
    nodes = Series(
        name="engineers arriving over the run (area)",
        x=lon,
        y=lat,
        size=_sizes([arriving.get(c, 0.0) for c in cities], 46.0),
        text=hover,
        color="#0072b2",
        mode="markers",
        group="talent",
    )
    rings = Series(
        name="VC rounds led from other cities (ring)",
        x=lon,
        y=lat,
        size=_sizes([deals.get(c, 0.0) for c in cities], 60.0) + 6.0,
        text=hover,
        color="#d55e00",
        mode="markers",
        symbol="circle-open",
        group="deals",
    )
    labels = Series(
        name="cities",
        x=lon,
        y=lat,
        text=cities,
        color="#111111",
        mode="markers",
        size=np.full(len(cities), 4.0),
        show_text=True,
        show_legend=False,
    )
    off_map = [c for c in w.cities if c not in where]
    travel = _travel(w)
    notes = [
        f"{c} ({travel.get((w.core, c), travel.get((c, w.core), math.nan)):.0f} min from {w.core})"
        for c in off_map
    ]
    caption = (
        "Thick links are the corridor's fast rail connections: check which cities really sit "
        f"within 90 minutes of {w.core}, and where engineers and outside investors go."
    )
    if notes:
        caption += f" Off the map: {', '.join(notes)}."
    return FigureSpec(
        key="corridor_map",
        section=CORRIDOR,
        title="The corridor: cities by location, links by travel time, flows of talent and deals",
        x_label="longitude (°E)",
        y_label="latitude (°N)",
        caption=caption,
        x_kind="number",
        series=[*_links(w, where), rings, nodes, labels],
        equal_aspect=1.0 / math.cos(math.radians(float(lat.mean()))),
    )
