"""Talent and government support over time: engineers arriving and leaving each city, top
graduates going abroad, and how far firms lean on the state rather than on investors."""

from __future__ import annotations

from helix.report.context import World
from helix.report.lines import active, city_cube, lines, target_of, x_kind, x_label
from helix.report.series import Cube, cube, yearly
from helix.report.spec import PALETTE, FigureSpec, Series, band_label

TALENT = "Talent"
GOVERNMENT = "Government support"


def talent_net(w: World) -> FigureSpec:
    inflow = city_cube(w, "talent_inflow")
    outflow = city_cube(w, "talent_outflow")
    net = Cube(inflow.labels, inflow.x, inflow.values - outflow.values)
    return FigureSpec(
        key="talent_net",
        section=TALENT,
        title="Net talent flow per city (engineers arriving minus leaving)",
        x_label=x_label(net),
        y_label="net engineers (people per year)",
        caption="Above zero a city gains engineers from elsewhere and from abroad; below zero "
        "it loses them." + band_label(len(w.runs)),
        x_kind=x_kind(net),
        series=lines(net, active(net, net.labels, w.core), 1.0, w.colors.__getitem__),
        yearly=True,
    )


TALENT_PARTS = {
    "graduates": "graduates",
    "talent_inflow": "arriving (all)",
    "foreign_inflow": "foreign arriving",
    "returnees": "returnees",
    "talent_outflow": "leaving (all)",
    "abroad": "top graduates going abroad",
}


def talent_breakdown(w: World) -> FigureSpec:
    series: list[Series] = []
    x: list = []
    for i, (indicator, label) in enumerate(TALENT_PARTS.items()):
        c = yearly(cube(w.con, w.run_ids, indicator, "city", city=w.core), flow=True)
        x = c.x
        series += lines(
            c,
            [w.core],
            1.0,
            lambda _, i=i: PALETTE[i % len(PALETTE)],
            name=lambda _, label=label: label,
            dash=indicator in ("talent_outflow", "abroad"),
        )
    return FigureSpec(
        key="talent_flows",
        section=TALENT,
        title=f"{w.core}: talent flows",
        x_label="year" if x and isinstance(x[0], int) else "month",
        y_label="engineers (people per year)",
        caption="Dashed lines are departures; returnees and foreign arrivals show whether the "
        "visa and return policies pull talent in." + band_label(len(w.runs)),
        x_kind="year",
        series=series,
        yearly=True,
    )


def _abroad_target(w: World) -> str:
    """The part of the abroad-share caption that points at the report's figure."""
    t = target_of(w, "top_graduate_abroad_share")
    if t is None:
        return ""
    year = t.start[:4]
    if t.comparison == "falls":
        return (
            f"; the report says {w.core}'s share fell since {year} (marker: the {year} level it "
            "should end below)"
        )
    return f"; the report's figure for {w.core} from {year} is marked"


def abroad_share(w: World) -> FigureSpec:
    c = city_cube(w, "top_graduate_abroad_share")
    china = [x for x in c.labels if w.roles.get(x) != "global"]
    return FigureSpec(
        key="abroad_share",
        section=TALENT,
        title="Share of top graduates leaving for the global hub",
        x_label="month",
        y_label="top graduates going abroad (%)",
        caption="A falling line means fewer top graduates go abroad"
        + _abroad_target(w)
        + "."
        + band_label(len(w.runs)),
        series=lines(c, active(c, china, w.core), 100.0, w.colors.__getitem__),
        indicator="top_graduate_abroad_share",
        factor=100.0,
    )


def support_share(w: World) -> FigureSpec:
    c = city_cube(w, "government_support_share")
    china = [x for x in c.labels if w.roles.get(x) != "global"]
    return FigureSpec(
        key="government_support",
        section=GOVERNMENT,
        title="Government support as a share of firm funding",
        x_label="month",
        y_label="subsidies and tax breaks / (those + VC) (%)",
        caption="A high or rising share means firms lean on the state rather than on investors: "
        "the report's over-reliance risk." + band_label(len(w.runs)),
        series=lines(c, active(c, china, w.core), 100.0, w.colors.__getitem__),
        indicator="government_support_share",
        factor=100.0,
    )
