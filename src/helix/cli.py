"""The command line: ``helix run``, ``helix scenario show`` and friends.

Any :class:`~helix.errors.HelixError` becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from helix.errors import HelixError
from helix.scenario.load import load_scenario, scenario_to_toml

app = typer.Typer(
    help="helix: simulate Shanghai's innovation ecosystem and ask it what-if questions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(help="Look at scenarios.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

out = Console()
err = Console(stderr=True)

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario TOML file (default: the shipped Shanghai-Delta world)."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a parameter, KEY.PATH=VALUE (repeatable)."),
]
DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB file to write results to.")]


def fail(exc: HelixError) -> None:
    err.print(f"helix: error: {exc.line()}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


class LazyProgress:
    """A progress bar on stderr that appears only once a run has taken over a second."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled and err.is_terminal
        self.start = time.perf_counter()
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.start < 1.0:
                return
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


@app.command()
def run(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the run's random stream.")] = None,
    until: Annotated[str | None, typer.Option(help="Last month to simulate, YYYY-MM.")] = None,
    scale: Annotated[float | None, typer.Option(help="Multiply agent counts by this.")] = None,
    db: DbOpt = Path("helix-runs.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only.")] = False,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the HTML report of the run.")
    ] = False,
) -> None:
    """Run a world (the shipped Shanghai-Delta world by default) and store the results."""
    from helix.runner import run_and_store
    from helix.store import Store

    try:
        world = load_scenario(scenario, set_ or [], seed=seed, until=until, scale=scale)
        store = Store(db)
    except HelixError as exc:
        fail(exc)
    progress = LazyProgress(f"{world.name} {world.start}..{world.end}", enabled=True)
    try:
        stored = run_and_store(world, store, progress)
    finally:
        progress.close()
        store.close()
    if as_json:
        payload = {
            "run_id": stored.run_id,
            "seconds": round(stored.seconds, 3),
            "db": str(db),
            "targets": {
                k: {
                    "simulated": _json_safe(v["simulated"]),
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


RunIdsArg = Annotated[
    list[str] | None, typer.Argument(help="Run ids to report (default: the latest run).")
]
REPORT_DIR = Path("helix-report")


def _run_report(db: Path, run_id: str) -> Path | None:
    """Write the report of a run that just finished; a problem is a warning, not a failure."""
    from helix.report import write_report

    try:
        return write_report(db, [run_id], out_dir=REPORT_DIR).html
    except HelixError as exc:
        err.print(f"helix: warning: no report: {exc.line()}", markup=False, highlight=False)
        return None


@app.command()
def report(
    run_ids: RunIdsArg = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="Report the latest run (the default).")
    ] = False,
    experiment: Annotated[
        str | None, typer.Option("--experiment", help="Report an experiment by its id.")
    ] = None,
    calibration: Annotated[
        str | None, typer.Option("--calibration", help="Report a calibration by its id.")
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="DuckDB file to read results from.")] = Path(
        "helix-runs.duckdb"
    ),
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for report.html and one PNG per figure.")
    ] = REPORT_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only.")] = False,
) -> None:
    """Write an HTML report (offline, interactive) and PNG figures of runs from the store."""
    from helix.report import write_report

    chosen = [bool(run_ids) or latest, experiment is not None, calibration is not None]
    try:
        if sum(chosen) > 1:
            raise HelixError(
                "name run ids (or --latest), --experiment or --calibration, not several",
                key="report",
            )
        ids = list(run_ids or [])
        if latest and ids:
            from helix.store import Store

            with Store(db, read_only=True) as store:
                ids.append(store.latest_run())
        files = write_report(
            db, ids, experiment=experiment, calibration=calibration, out_dir=out_dir
        )
    except HelixError as exc:
        fail(exc)
    size_mb = files.html.stat().st_size / 1e6
    if as_json:
        payload = {
            "html": str(files.html),
            "pngs": [str(p) for p in files.pngs],
            "runs": files.subject.run_ids,
            "seconds": round(files.seconds, 3),
            "bytes": files.html.stat().st_size,
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    out.print(
        f"[bold]helix[/] wrote {files.html} ({files.figures} figures, {size_mb:.1f} MB, offline) "
        f"and {len(files.pngs)} PNGs for {len(files.subject.runs)} run(s) in {files.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )


def _print_summary(stored: Any, world: Any) -> None:
    obs = stored.result.observations
    cs = obs.city_sector
    months = obs.months
    cities = obs.cities
    out.print(
        f"[bold]helix[/] ran [cyan]{world.name}[/] {world.start}..{world.end} seed {world.seed} "
        f"scale {world.scale:g} in {stored.seconds:.2f} s; run [bold]{stored.run_id}[/] "
        f"stored in {stored.db}"
    )
    years = sorted({m[:4] for m in months})
    shown = list(dict.fromkeys(y for y in (years[0], "2025", years[-1]) if y in years))
    table = Table(title=f"Each city, {' → '.join(shown)} (year-end stocks, yearly flows)")
    table.add_column("city")
    metrics = (
        ("firms", "firms", 1, False),
        ("employees", "employment", 1e3, False),
        ("unicorns", "unicorns", 1, False),
        ("output ¥bn", "output", 1e9, True),
        ("VC $bn", "vc_invested", 1e9, True),
    )
    for label, *_ in metrics:
        table.add_column(label + (" (k)" if label == "employees" else ""), justify="right")
    for ci, city in enumerate(cities):
        cells = []
        for _, key, unit, flow in metrics:
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
        t = Table(title="The report's figures: simulated against reported")
        for col in ("target", "indicator", "simulated", "report", "agrees", "source"):
            t.add_column(col)
        for name, v in stored.targets.items():
            target = world.targets[name]
            t.add_row(
                name,
                f"{target.indicator} ({target.statistic}, {target.city})",
                _fmt(v["simulated"]),
                _fmt(v["report"]),
                "[green]yes[/]" if v["pass"] else "[red]no[/]",
                target.source,
            )
        out.print(t)


@scenario_app.command("show")
def scenario_show(scenario: ScenarioArg = None, set_: SetOpt = None) -> None:
    """Print a scenario fully resolved (defaults filled in), as TOML to copy and edit."""
    try:
        world = load_scenario(scenario, set_ or [])
    except HelixError as exc:
        fail(exc)
    sys.stdout.write(scenario_to_toml(world))


def main() -> None:
    try:
        app()
    except HelixError as exc:  # raised outside a command's own handling
        err.print(f"helix: error: {exc.line()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
