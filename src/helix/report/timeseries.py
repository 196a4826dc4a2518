"""Time series per city, sector or district: output, firms, VC, unicorns, rents, talent, support.

Flows are shown as calendar-year totals (x is the year), levels and shares month by month.
With several runs, each line is the median across runs and its band their spread.
"""

from __future__ import annotations

from helix.report.context import World
from helix.report.lines import (
    active,
    city_cube,
    district_cube,
    lines,
    regions,
    summed,
    target_of,
    x_kind,
    x_label,
)
from helix.report.series import Cube, cube, yearly
from helix.report.spec import PALETTE, FigureSpec, band_label
from helix.report.talent import abroad_share, support_share, talent_breakdown, talent_net
from helix.scenario.measures import Target
from helix.world.catalogue import INDICATORS

ECONOMY = "Economy"
CAPITAL = "Venture capital"
PROPERTY = "Offices and rents"
KNOWLEDGE = "Knowledge and IP"


def output_per_city(w: World) -> FigureSpec:
    c = city_cube(w, "output")
    return FigureSpec(
        key="output_per_city",
        section=ECONOMY,
        title="Tech-sector output per city",
        x_label=x_label(c),
        y_label="output (¥ billion per year)",
        caption=f"Compare {w.core}'s growth with the corridor and the rivals; the dashed line is "
        "the report's growth path where a target sets one." + band_label(len(w.runs)),
        x_kind=x_kind(c),
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
        x_label=x_label(c),
        y_label="output (¥ billion per year)",
        caption="Which sectors carry the boom, and whether the chip sector dips after the "
        "export controls." + band_label(len(w.runs)),
        x_kind=x_kind(c),
        series=lines(c, c.labels, 1e-9, palette.__getitem__, name=lambda s: w.sectors.get(s, s)),
        yearly=True,
        factor=1e-9,
    )


def births_and_deaths(w: World) -> FigureSpec:
    births, labels, colors = regions(w, city_cube(w, "births"))
    deaths, _, _ = regions(w, city_cube(w, "deaths"))
    series = lines(births, labels, 1.0, colors.__getitem__, name=lambda x: f"{x}: births")
    series += lines(
        deaths, labels, 1.0, colors.__getitem__, name=lambda x: f"{x}: deaths", dash=True
    )
    return FigureSpec(
        key="births_deaths",
        section=ECONOMY,
        title="Firm births (solid) and deaths (dashed)",
        x_label=x_label(births),
        y_label="firms founded or failed (firms per year)",
        caption="Where births stay above deaths the city's firm count grows; watch for deaths "
        "catching up as rents rise." + band_label(len(w.runs)),
        x_kind=x_kind(births),
        series=series,
        yearly=True,
    )


def vc_per_city(w: World) -> FigureSpec:
    c = city_cube(w, "vc_invested")
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
        title=f"Private venture capital invested: {' against '.join(rivals)}",
        x_label=x_label(c),
        y_label="private VC invested (US$ billion per year)",
        caption=f"The year {w.core}'s line crosses its rival's is when it becomes the top "
        "destination private investors choose; the marker shows where the report puts it. "
        "State guidance-fund money is left out, as in the target (indicator state_vc)."
        + band_label(len(w.runs)),
        x_kind=x_kind(c),
        series=series,
        indicator="vc_invested",
        yearly=True,
        factor=1e-9,
    )


def unicorns(w: World) -> FigureSpec:
    c = city_cube(w, "unicorns")
    return FigureSpec(
        key="unicorns",
        section=CAPITAL,
        title="Unicorns per city (private firms valued at US$1 billion or more)",
        x_label="month",
        y_label="unicorns (firms)",
        caption="Count of living private firms valued at $1B or more; the report's count for "
        f"{w.core} is marked with its tolerance." + band_label(len(w.runs)),
        x_kind="month",
        series=lines(c, active(c, c.labels, w.core), 1.0, w.colors.__getitem__),
        indicator="unicorns",
    )


def _rent_target(w: World) -> str:
    """The part of the rents caption that points at the report's figure, in its own years."""
    t = target_of(w, "rent")
    if t is None:
        return ""
    if t.statistic == "ratio":
        change = f"×{t.observed:g} since {t.start[:4]}"
    else:
        change = f"{t.statistic} since {t.start[:4]}"
    return f"; compare its {t.end[:4]} level with the report's {change} (marker)"


def rents(w: World) -> FigureSpec:
    c = district_cube(w, "rent")
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
        caption=f"The thick line is {w.core}'s average"
        + _rent_target(w)
        + "."
        + band_label(len(w.runs)),
        series=series,
        indicator="rent",
    )


def vacancy(w: World) -> FigureSpec:
    c = district_cube(w, "vacancy")
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
    c = city_cube(w, "ip_disputes")
    return FigureSpec(
        key="ip_disputes",
        section=KNOWLEDGE,
        title="IP disputes per city",
        x_label=x_label(c),
        y_label="IP disputes filed (per year)",
        caption="Disputes follow imitation among crowded same-sector firms; the marker is the "
        "report's year-on-year rise." + band_label(len(w.runs)),
        x_kind=x_kind(c),
        series=lines(c, active(c, c.labels, w.core), 1.0, w.colors.__getitem__),
        indicator="ip_disputes",
        yearly=True,
    )


def chip_recovery(w: World, target: Target) -> FigureSpec:
    """A recovery target's indicator in one sector around the shock (T6: chip inputs)."""
    city, sector, start = target.city, target.sector or "", target.start
    c = cube(w.con, w.run_ids, target.indicator, "city", city=city, sector=sector)
    name = w.sectors.get(sector, sector)
    what = target.indicator.replace("_", " ")
    share = INDICATORS[target.indicator].unit == "share"
    factor, unit = (1.0, "share") if share else (1e-9, "¥ billion per month")
    back = (
        "back at it"
        if target.recovered == 1.0
        else f"{target.recovered:.0%} of the way back to it from its lowest point"
    )
    return FigureSpec(
        key=f"recovery_{city}_{sector}".replace(" ", "_").lower(),
        section=KNOWLEDGE,
        title=f"{city}: {name} {what} around the shock of {start}",
        x_label="month",
        y_label=f"{what} ({unit})",
        caption=f"The dotted line is the level just before the shock; the report has {what} "
        f"{back} before the end of the shaded window." + band_label(len(w.runs)),
        series=lines(c, [city], factor, w.colors.__getitem__, name=lambda x: f"{x}: {name}"),
        indicator=target.indicator,
        sector=sector,
        factor=factor,
    )


def recovery_figures(w: World) -> list[FigureSpec]:
    """One figure per recovery target of the first run's scenario."""
    return [
        chip_recovery(w, t)
        for t in w.runs[0].targets().values()
        if t.statistic == "recovery_months" and t.sector is not None
    ]


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
