"""``helix run``: one world, stored, summarised per city and against its targets, reported."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from helix.cli.app import (
    DB,
    REPORT_DIR,
    DbOpt,
    JsonOpt,
    LazyProgress,
    ScenarioArg,
    SetOpt,
    app,
    err,
    fmt,
    handles_errors,
    out,
)
from helix.errors import HelixError
from helix.jsonsafe import json_safe
from helix.runner import StoredRun, run_and_store
from helix.scenario.load import load_scenario
from helix.scenario.memory import check_memory
from helix.scenario.schema import Scenario
from helix.store import Store

SUMMARY_METRICS = (
    ("firms", "firms", 1, False),
    ("employees", "employment", 1e3, False),
    ("unicorns", "unicorns", 1, False),
    ("output ¥bn", "output", 1e9, True),
    ("VC $bn", "vc_invested", 1e9, True),
)
"""Columns of the per-city summary: label, indicator, unit divided by, whether a flow."""


@app.command()
@handles_errors
def run(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the run's random stream.")] = None,
    until: Annotated[str | None, typer.Option(help="Last month to simulate, YYYY-MM.")] = None,
    scale: Annotated[float | None, typer.Option(help="Multiply agent counts by this.")] = None,
    db: DbOpt = DB,
    as_json: JsonOpt = False,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the HTML report of the run.")
    ] = False,
) -> None:
    """Run a world (the shipped world by default) and store the results."""
    world = load_scenario(scenario, set_ or [], seed=seed, until=until, scale=scale)
    # Before the store is opened: a run that cannot fit is refused with nothing written.
    check_memory(world, label=str(scenario) if scenario is not None else None)
    progress = LazyProgress(f"{world.name} {world.start}..{world.end}", enabled=True)
    with Store(db) as store:
        try:
            stored = run_and_store(world, store, progress)
        finally:
            progress.close()
    if as_json:
        payload: dict[str, Any] = {
            "run_id": stored.run_id,
            "seconds": round(stored.seconds, 3),
            "db": str(db),
            "targets": {
                k: {
                    "simulated": json_safe(v["simulated"]),
                    "report": v["report"],
                    "pass": v["pass"],
                }
                for k, v in stored.targets.items()
            },
        }
        report_html = None if no_report else _run_report(db, stored.run_id)
        if report_html is not None:
            payload["report"] = str(report_html)
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    _print_summary(stored, world)
    report_html = None if no_report else _run_report(db, stored.run_id)
    if report_html is not None:
        out.print(f"report of this run: [bold]{report_html}[/]", highlight=False, soft_wrap=True)


def _run_report(db: Path, run_id: str) -> Path | None:
    """Write the report of a run that just finished; a problem is a warning, not a failure."""
    # Imported here, not above: plotly and matplotlib take over a second to load, and only the
    # commands that write a report should pay for them (helix --help, helix scenario show ...).
    from helix.report import write_report

    try:
        return write_report(db, [run_id], out_dir=REPORT_DIR).html
    except HelixError as exc:
        err.print(f"helix: warning: no report: {exc.line()}", markup=False, highlight=False)
        return None


def summary_years(months: list[str], present: str | None) -> list[str]:
    """The years the summary shows: the first, the world's present (if simulated), the last."""
    years = sorted({m[:4] for m in months})
    wanted = (years[0], present[:4] if present else years[0], years[-1])
    return list(dict.fromkeys(y for y in wanted if y in years))


def _print_summary(stored: StoredRun, world: Scenario) -> None:
    obs = stored.result.observations
    cs = obs.city_sector
    months = obs.months
    out.print(
        f"[bold]helix[/] ran [cyan]{world.name}[/] {world.start}..{world.end} seed {world.seed} "
        f"scale {world.scale:g} in {stored.seconds:.2f} s; run [bold]{stored.run_id}[/] "
        f"stored in {stored.db}"
    )
    shown = summary_years(months, world.present)
    table = Table(title=f"Each city, {' → '.join(shown)} (year-end stocks, yearly flows)")
    table.add_column("city")
    for label, *_ in SUMMARY_METRICS:
        table.add_column(label + (" (k)" if label == "employees" else ""), justify="right")
    for ci, city in enumerate(obs.cities):
        cells = []
        for _, key, unit, flow in SUMMARY_METRICS:
            values = []
            for y in shown:
                idx = [i for i, m in enumerate(months) if m.startswith(y)]
                series = cs[key][idx, ci].sum(axis=1)
                values.append((series.sum() if flow else series[-1]) / unit)
            digits = 1 if flow else 0
            cells.append(" → ".join(f"{v:,.{digits}f}" for v in values))
        table.add_row(city, *cells)
    out.print(table)
    if stored.targets:
        t = Table(
            title="The report's figures: simulated against reported",
            caption="One run, one seed: the calibration matches the mean over seeds, so a single "
            "run may miss a tolerance (docs/calibration.md).",
        )
        for col in ("target", "indicator", "simulated", "report", "agrees", "source"):
            t.add_column(col)
        for name, v in stored.targets.items():
            target = world.targets[name]
            t.add_row(
                name,
                f"{target.indicator} ({target.statistic}, {target.city})",
                fmt(v["simulated"]),
                fmt(v["report"]),
                "[green]yes[/]" if v["pass"] else "[red]no[/]",
                target.source,
            )
        out.print(t)
