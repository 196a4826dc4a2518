"""Time series per city, sector or district: output, firms, VC, unicorns, rents, talent, support.

Flows are shown as calendar-year totals (x is the year), levels and shares month by month.
With several runs, each line is the median across runs and its band their spread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from helix.report.context import World
from helix.report.series import Cube, cube, is_flow, yearly
from helix.report.spec import PALETTE, FigureSpec, Series, band, band_label
from helix.scenario.schema import month_index, month_label

ECONOMY = "Economy"
CAPITAL = "Venture capital"
PROPERTY = "Offices and rents"
KNOWLEDGE = "Knowledge and IP"
TALENT = "Talent"
GOVERNMENT = "Government support"


def lines(
    c: Cube,
    labels: Sequence[str],
    factor: float,
    color: Callable[[str], str],
    *,
    name: Callable[[str], str] = str,
    dash: bool = False,
    width: float = 2.0,
) -> list[Series]:
    """One series per label, median across runs with a band, values times ``factor``."""
    out = []
    for label in labels:
        values = c.of(label) * factor
        if not np.isfinite(values).any():
            continue
        mid, low, high = band(values)
        out.append(
            Series(
                name=name(label),
                x=list(c.x),
                y=mid,
                key=label,
                low=low,
                high=high,
                color=color(label),
                dash=dash,
                width=width,
                group=name(label),
            )
        )
    return out


def summed(c: Cube, labels: Sequence[str], key: str) -> Cube:
    """A one-label cube summing ``labels`` (e.g. the corridor cities)."""
    return Cube([key], c.x, c.total(labels)[:, None, :])


def _city_cube(w: World, indicator: str, sector: str | None = None) -> Cube:
    c = cube(w.con, w.run_ids, indicator, "city", sector=sector, order=w.cities)
    return yearly(c, flow=True) if is_flow(indicator) else c


def _active(c: Cube, labels: Sequence[str], keep: str = "") -> list[str]:
    """Labels whose series is not all zero or missing (``keep`` stays, e.g. the core city)."""
    return [lb for lb in labels if lb == keep or np.nan_to_num(c.of(lb)).any()]


def _x_label(c: Cube) -> str:
    return "year" if c.x and isinstance(c.x[0], int) else "month"


def _x_kind(c: Cube) -> str:
    return "year" if _x_label(c) == "year" else "month"


def _regions(w: World, c: Cube) -> tuple[Cube, list[str], dict[str, str]]:
    """The core and rival cities one by one, the corridor summed, the global hubs one by one."""
    corridor = [x for x in w.with_role("corridor") if x in c.labels]
    keep = [x for x in w.cities if w.roles[x] != "corridor" and x in c.labels]
    label = f"Corridor ({len(corridor)} cities)"
    parts = [c.of(x) for x in keep]
    labels = list(keep)
    if corridor:
        parts.append(c.total(corridor))
        labels.append(label)
    values = np.stack(parts, axis=1) if parts else c.values[:, :0, :]
    colors = {**w.colors, label: w.colors.get(corridor[0], "#777777") if corridor else "#777777"}
    return Cube(labels, c.x, values), labels, colors


def output_per_city(w: World) -> FigureSpec:
    c = _city_cube(w, "output")
    return FigureSpec(
        key="output_per_city",
        section=ECONOMY,
        title="Tech-sector output per city",
        x_label=_x_label(c),
        y_label="output (¥ billion per year)",
        caption=f"Compare {w.core}'s growth with the corridor and the rivals; the dashed line is "
        "the report's growth path where a target sets one." + band_label(len(w.runs)),
        x_kind=_x_kind(c),
        series=lines(c, c.labels, 1e-9, w.colors.__getitem__),
        indicator="output",
        yearly=True,
        factor=1e-9,
    )


def output_per_sector(w: World) -> FigureSpec:
    c = yearly(
        cube(w.con, w.run_ids, "output", "sector", city=w.core, order=list(w.sectors)), flow=True
    )
    palette = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(c.labels)}
    return FigureSpec(
        key="output_per_sector",
        section=ECONOMY,
        title=f"{w.core}: output per sector",
        x_label=_x_label(c),
        y_label="output (¥ billion per year)",
        caption="Which sectors carry the boom, and whether the chip sector dips after the "
        "export controls." + band_label(len(w.runs)),
        x_kind=_x_kind(c),
        series=lines(c, c.labels, 1e-9, palette.__getitem__, name=lambda s: w.sectors.get(s, s)),
        yearly=True,
        factor=1e-9,
    )


def births_and_deaths(w: World) -> FigureSpec:
    births, labels, colors = _regions(w, _city_cube(w, "births"))
    deaths, _, _ = _regions(w, _city_cube(w, "deaths"))
    series = lines(births, labels, 1.0, colors.__getitem__, name=lambda x: f"{x}: births")
    series += lines(
        deaths, labels, 1.0, colors.__getitem__, name=lambda x: f"{x}: deaths", dash=True
    )
    return FigureSpec(
        key="births_deaths",
        section=ECONOMY,
        title="Firm births (solid) and deaths (dashed)",
        x_label=_x_label(births),
        y_label="firms founded or failed (firms per year)",
        caption="Where births stay above deaths the city's firm count grows; watch for deaths "
        "catching up as rents rise." + band_label(len(w.runs)),
        x_kind=_x_kind(births),
        series=series,
        yearly=True,
    )


def vc_per_city(w: World) -> FigureSpec:
    c = _city_cube(w, "vc_invested")
    rivals = w.with_role("core", "rival")
    corridor = [x for x in w.with_role("corridor") if x in c.labels]
    series = lines(c, rivals, 1e-9, w.colors.__getitem__, width=3.0)
    if corridor:
        key = f"Corridor ({len(corridor)} cities)"
        series += lines(
            summed(c, corridor, key), [key], 1e-9, lambda _: "#777777", dash=True, width=1.5
        )
    return FigureSpec(
        key="vc_per_city",
        section=CAPITAL,
        title=f"Venture capital invested: {' against '.join(rivals)}",
        x_label=_x_label(c),
        y_label="VC invested (US$ billion per year)",
        caption=f"The year {w.core}'s line crosses its rival's is when it becomes the top VC "
        "destination; the marker shows where the report puts it." + band_label(len(w.runs)),
        x_kind=_x_kind(c),
        series=series,
        indicator="vc_invested",
        yearly=True,
        factor=1e-9,
    )


def unicorns(w: World) -> FigureSpec:
    c = _city_cube(w, "unicorns")
    return FigureSpec(
        key="unicorns",
        section=CAPITAL,
        title="Unicorns per city (private firms valued at US$1 billion or more)",
        x_label="month",
        y_label="unicorns (firms)",
        caption="Count of living private firms valued at $1B or more; the report's count for "
        f"{w.core} is marked with its tolerance." + band_label(len(w.runs)),
        x_kind="month",
        series=lines(c, _active(c, c.labels, w.core), 1.0, w.colors.__getitem__),
        indicator="unicorns",
    )


def _district_cube(w: World, indicator: str) -> Cube:
    return cube(w.con, w.run_ids, indicator, "district", order=list(w.districts))


def rents(w: World) -> FigureSpec:
    c = _district_cube(w, "rent")
    series = lines(
        c, c.labels, 1.0, w.district_color, name=lambda d: f"{d} ({w.districts.get(d, '?')})"
    )
    core_districts = [d for d in c.labels if w.districts.get(d) == w.core]
    if core_districts:
        mean = Cube([w.core], c.x, c.total(core_districts, mean=True)[:, None, :])
        series += lines(
            mean,
            [w.core],
            1.0,
            lambda _: "#111111",
            name=lambda x: f"{x}: mean of its districts",
            width=4.0,
        )
    return FigureSpec(
        key="rents",
        section=PROPERTY,
        title="Office rents per district",
        x_label="month",
        y_label="rent (¥ per m² per month)",
        caption=f"The thick line is {w.core}'s average; compare its 2025 level with the report's "
        "tripling since 2020 (marker)." + band_label(len(w.runs)),
        series=series,
        indicator="rent",
    )


def vacancy(w: World) -> FigureSpec:
    c = _district_cube(w, "vacancy")
    return FigureSpec(
        key="vacancy",
        section=PROPERTY,
        title="Office vacancy per district",
        x_label="month",
        y_label="vacant office space (%)",
        caption="Rents rise where vacancy falls below its natural rate and ease once new "
        "buildings are delivered." + band_label(len(w.runs)),
        series=lines(
            c, c.labels, 100.0, w.district_color, name=lambda d: f"{d} ({w.districts.get(d, '?')})"
        ),
        indicator="vacancy",
        factor=100.0,
    )


def ip_disputes(w: World) -> FigureSpec:
    c = _city_cube(w, "ip_disputes")
    return FigureSpec(
        key="ip_disputes",
        section=KNOWLEDGE,
        title="IP disputes per city",
        x_label=_x_label(c),
        y_label="IP disputes filed (per year)",
        caption="Disputes follow imitation among crowded same-sector firms; the marker is the "
        "report's year-on-year rise." + band_label(len(w.runs)),
        x_kind=_x_kind(c),
        series=lines(c, _active(c, c.labels, w.core), 1.0, w.colors.__getitem__),
        indicator="ip_disputes",
        yearly=True,
    )


def chip_recovery(w: World, city: str, sector: str, start: str) -> FigureSpec:
    """Monthly output of one sector around a shock, for a recovery target."""
    c = cube(w.con, w.run_ids, "output", "city", city=city, sector=sector)
    name = w.sectors.get(sector, sector)
    return FigureSpec(
        key=f"recovery_{city}_{sector}".replace(" ", "_").lower(),
        section=KNOWLEDGE,
        title=f"{city}: {name} output around the shock of {start}",
        x_label="month",
        y_label="output (¥ billion per month)",
        caption="The dotted line is the level just before the shock; the report has output back "
        "at it before the end of the shaded window." + band_label(len(w.runs)),
        series=lines(c, [city], 1e-9, w.colors.__getitem__, name=lambda x: f"{x}: {name}"),
        indicator="output",
        sector=sector,
        factor=1e-9,
    )


def talent_net(w: World) -> FigureSpec:
    inflow = _city_cube(w, "talent_inflow")
    outflow = _city_cube(w, "talent_outflow")
    net = Cube(inflow.labels, inflow.x, inflow.values - outflow.values)
    return FigureSpec(
        key="talent_net",
        section=TALENT,
        title="Net talent flow per city (engineers arriving minus leaving)",
        x_label=_x_label(net),
        y_label="net engineers (people per year)",
        caption="Above zero a city gains engineers from elsewhere and from abroad; below zero "
        "it loses them." + band_label(len(w.runs)),
        x_kind=_x_kind(net),
        series=lines(net, _active(net, net.labels, w.core), 1.0, w.colors.__getitem__),
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


def abroad_share(w: World) -> FigureSpec:
    c = _city_cube(w, "top_graduate_abroad_share")
    china = [x for x in c.labels if w.roles.get(x) != "global"]
    return FigureSpec(
        key="abroad_share",
        section=TALENT,
        title="Share of top graduates leaving for the global hub",
        x_label="month",
        y_label="top graduates going abroad (%)",
        caption=f"A falling line means fewer top graduates go abroad; the report says {w.core}'s "
        "share fell since 2020 (marker: the 2020 level it should end below)."
        + band_label(len(w.runs)),
        series=lines(c, _active(c, china, w.core), 100.0, w.colors.__getitem__),
        indicator="top_graduate_abroad_share",
        factor=100.0,
    )


def support_share(w: World) -> FigureSpec:
    c = _city_cube(w, "government_support_share")
    china = [x for x in c.labels if w.roles.get(x) != "global"]
    return FigureSpec(
        key="government_support",
        section=GOVERNMENT,
        title="Government support as a share of firm funding",
        x_label="month",
        y_label="subsidies and tax breaks / (those + VC) (%)",
        caption="A high or rising share means firms lean on the state rather than on investors: "
        "the report's over-reliance risk." + band_label(len(w.runs)),
        series=lines(c, _active(c, china, w.core), 100.0, w.colors.__getitem__),
        indicator="government_support_share",
        factor=100.0,
    )


def recovery_figures(w: World) -> list[FigureSpec]:
    """One figure per recovery target of the first run's scenario."""
    out = []
    for t in w.runs[0].targets().values():
        if t.statistic == "recovery_months" and t.sector is not None:
            out.append(chip_recovery(w, t.city, t.sector, t.start))
    return out


def time_series(w: World) -> list[FigureSpec]:
    """Every time-series figure of the report, in reading order."""
    return [
        output_per_city(w),
        output_per_sector(w),
        births_and_deaths(w),
        vc_per_city(w),
        unicorns(w),
        rents(w),
        vacancy(w),
        ip_disputes(w),
        *recovery_figures(w),
        talent_net(w),
        talent_breakdown(w),
        abroad_share(w),
        support_share(w),
    ]


def months_after(month: str, n: float) -> str:
    """The month ``n`` months after ``month`` (rounded)."""
    return month_label(month_index(month) + round(n))
