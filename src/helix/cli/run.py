"""``helix run``: one world, stored, summarised per city and against its targets, reported."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from helix.cli.app import (
    DB,
    REPORT_DIR,
    DbOpt,
    JsonOpt,
    LazyProgress,
    PngOpt,
    ScenarioArg,
    SetOpt,
    app,
    err,
    handles_errors,
    out,
    report_stages,
    said,
    warn,
)
from helix.errors import HelixError
from helix.jsonsafe import json_safe

if TYPE_CHECKING:
    from helix.runner import StoredRun
    from helix.scenario.schema import Scenario

SUMMARY_METRICS = (
    ("firms", "firms", 1, False),
    ("employees", "employment", 1e3, False),
    ("unicorns", "unicorns", 1, False),
    ("output ¥bn", "output", 1e9, True),
    ("VC $bn", "vc_invested", 1e9, True),
)
"""Columns of the per-city summary: label, indicator, unit divided by, whether a flow."""


OutOpt = Annotated[
    Path,
    typer.Option(
        "--out", help="Folder for the run's report (replaced; two runs can keep two folders)."
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Write the report into a folder holding other files (beside them)."
    ),
]


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
    out_dir: OutOpt = REPORT_DIR,
    force: ForceOpt = False,
    png: PngOpt = False,
) -> None:
    """Run a world (the shipped world by default) and store the results."""
    # Imported here, not above: the simulator loads numba and the scenario's schema, which
    # ``helix --help`` and the other commands should not wait for.
    from helix.experiments.smallest_scale import below_smallest_scale
    from helix.runner import run_and_store
    from helix.scenario.load import load_scenario
    from helix.scenario.memory import check_memory
    from helix.scenario.spread import seed_spread
    from helix.store import Store

    world = load_scenario(scenario, set_ or [], seed=seed, until=until, scale=scale)
    # Before the store is opened: a run that cannot fit is refused with nothing written.
    check_memory(world, label=str(scenario) if scenario is not None else None)
    progress = LazyProgress(
        f"{world.name} {world.start}..{world.end}", after=f"storing the run in {db}"
    )
    try:
        with Store(db) as store:
            stored = run_and_store(world, store, progress)
        report_html = (
            None
            if no_report
            else _run_report(db, stored.run_id, out_dir, force, progress, pngs=png)
        )
    finally:
        progress.close()
    # The summary always counts firms and unicorns; the targets may count more (T2, T5).
    counts = ["firms", "unicorns", *(t.indicator for t in world.targets.values())]
    small = below_smallest_scale(world.scale, counts, "the summary and the targets")
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
        spread = seed_spread(world)
        if spread is not None:
            payload["over_seeds"] = {"seeds": spread["seeds"], "targets": spread["targets"]}
        if report_html is not None:
            payload["report"] = str(report_html)
        payload["warnings"] = [small] if small else []
        sys.stdout.write(json.dumps(payload) + "\n")
        warn(small)
        return
    _print_summary(stored, world)
    if report_html is not None:
        out.print(
            f"report of this run: [bold]{said(report_html)}[/]", highlight=False, soft_wrap=True
        )
    warn(small)


def _run_report(
    db: Path, run_id: str, out_dir: Path, force: bool, progress: LazyProgress, *, pngs: bool
) -> Path | None:
    """Write the report of a run that just finished; a problem is a warning, not a failure."""
    # Imported here, not above: plotly and matplotlib take over a second to load, and only the
    # commands that write a report should pay for them (helix --help, helix scenario show ...).
    from helix.report import write_report

    try:
        files = write_report(
            db,
            [run_id],
            out_dir=out_dir,
            force=force,
            pngs=pngs,
            progress=report_stages(progress),
        )
    # Any exception: the run is stored already, and a bug in a figure must not hide that.
    except Exception as exc:
        progress.close()
        reason = exc.line() if isinstance(exc, HelixError) else f"{type(exc).__name__}: {exc}"
        err.print(
            f"helix: warning: no report: {reason} (the run is stored; helix report {run_id}"
            " retries)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return None
    progress.close()
    for note in files.notes:
        err.print(f"helix: note: {note}", markup=False, highlight=False, soft_wrap=True)
    return files.html


def summary_years(months: list[str], present: str | None) -> list[str]:
    """The years the summary shows: the first, the world's present (if simulated), the last."""
    years = sorted({m[:4] for m in months})
    wanted = (years[0], present[:4] if present else years[0], years[-1])
    return list(dict.fromkeys(y for y in wanted if y in years))


def _print_summary(stored: StoredRun, world: Scenario) -> None:
    from helix.scenario.spread import seed_spread

    obs = stored.result.observations
    cs = obs.city_sector
    months = obs.months
    out.print(
        f"[bold]helix[/] ran [cyan]{said(world.name)}[/] {world.start}..{world.end} seed"
        f" {world.seed} scale {world.scale:g} in {stored.seconds:.2f} s; run"
        f" [bold]{stored.run_id}[/] stored in {said(stored.db)}",
        highlight=False,
    )
    shown = summary_years(months, world.present)
    # Narrow borders and no padding: the tables fit an 80-column terminal.
    table = Table(
        title=f"Each city, {' → '.join(shown)} (year-end stocks, yearly flows)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("city")
    for label, *_ in SUMMARY_METRICS:
        table.add_column(label, justify="right")
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
        table.add_row(said(city), *cells)
    out.print(table)
    if stored.targets:
        out.print(targets_table(stored, world, seed_spread(world)))


def targets_table(
    stored: StoredRun, world: Scenario, spread: dict[str, Any] | None = None
) -> Table:
    """The targets in the words of the HTML report ("crosses 1 between 2020 and 2025", "falls"),
    in five columns that fit 80; each target's source is in the report and the scenario file.

    With the shipped world's ``spread`` over seeds (:mod:`helix.scenario.spread`), a sixth
    column gives each target's mean over those seeds and how many meet it, so that one seed's
    miss reads as what it is.
    """
    # Imported here, as write_report is: helix.report loads plotly and matplotlib.
    from helix.report.targets import Verdict, scalar

    seeds = spread["seeds"] if spread else []
    caption = (
        f"One run, one seed. Beside it, the shipped world over seeds {seeds[0]}-{seeds[-1]}: "
        "mean ± standard deviation, and how many seeds meet the figure (docs/calibration.md)."
        if spread
        else "One run, one seed: it may miss a tolerance that the mean over seeds meets "
        "(docs/calibration.md)."
    )
    t = Table(
        title="The report's figures: simulated against reported",
        caption=caption + " Each target's source: helix report.",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    t.add_column("")
    t.add_column("measured", overflow="fold")
    t.add_column("report", overflow="fold")
    t.add_column("simulated", overflow="fold")
    t.add_column("agrees")
    if spread:
        t.add_column(f"{len(seeds)} seeds", overflow="fold")
    for name, v in stored.targets.items():
        target = world.targets[name]
        verdict = Verdict(name, target, [scalar(target, v["simulated"])], [bool(v["pass"])])
        where = target.city + (f" {target.sector}" if target.sector else "")
        row = [
            said(name),
            said(f"{target.indicator.replace('_', ' ')}, {where}"),
            said(verdict.report_text()),
            said(verdict.simulated_text()),
            "[green]yes[/]" if verdict.ok else "[red]no[/]",
        ]
        if spread:
            row.append(said(_over_seeds(target, spread["targets"].get(name))))
        t.add_row(*row)
    return t


def _over_seeds(target: Any, seeds: dict[str, Any] | None) -> str:
    """A target over the shipped world's seeds: mean ± standard deviation, and how many seeds
    meet it ("38.6 ± 6.6, 6/8")."""
    from helix.report.targets import fmt_value, scalar

    if not seeds:
        return "—"
    values = [scalar(target, s) for s in seeds["simulated"]]
    finite = [x for x in values if x is not None]
    met = f"{sum(seeds['pass'])}/{len(seeds['pass'])}"
    if not finite:
        return f"—, {met}"
    mean = sum(finite) / len(finite)
    sd = (sum((x - mean) ** 2 for x in finite) / (len(finite) - 1)) ** 0.5 if len(finite) > 1 else 0
    spread = f" ± {fmt_value(target, sd, signed=False)}" if sd > 0 else ""
    return f"{fmt_value(target, mean)}{spread}, {met}"
