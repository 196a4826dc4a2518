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
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from typer.core import TyperGroup

from helix.errors import HelixError
from helix.jsonsafe import json_safe
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
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object only.")]


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


@app.command()
def run(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the run's random stream.")] = None,
    until: Annotated[str | None, typer.Option(help="Last month to simulate, YYYY-MM.")] = None,
    scale: Annotated[float | None, typer.Option(help="Multiply agent counts by this.")] = None,
    db: DbOpt = Path("helix-runs.duckdb"),
    as_json: JsonOpt = False,
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
    as_json: JsonOpt = False,
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


# ------------------------------------------------------------------------------- experiments


class _ExperimentGroup(TyperGroup):
    """``helix experiment FILE`` runs FILE; ``helix experiment status FILE`` reports on it."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


experiment_app = typer.Typer(
    cls=_ExperimentGroup,
    help="Run an experiment file (variants x sweep points x replicates), or ask how far it got."
    " `helix experiment FILE` is `helix experiment run FILE`.",
    no_args_is_help=True,
)
app.add_typer(experiment_app, name="experiment")

ExperimentArg = Annotated[Path, typer.Argument(help="Experiment TOML file.")]
ExpUntilOpt = Annotated[
    str | None, typer.Option("--until", help="Last month of every run, YYYY-MM (a short run).")
]
ExpScaleOpt = Annotated[float | None, typer.Option("--scale", help="Multiply agent counts.")]
ReplicatesOpt = Annotated[
    int | None, typer.Option("--replicates", help="Seeds per variant and sweep point.")
]
SamplesOpt = Annotated[int | None, typer.Option("--samples", help="The sweep's sample count.")]


def _load_experiment(
    file: Path, until: str | None, scale: float | None, replicates: int | None, samples: int | None
) -> Any:
    from helix.experiments.design import load_experiment

    return load_experiment(file, until=until, scale=scale, replicates=replicates, samples=samples)


class ExperimentBar:
    """Renders an experiment's progress on stderr: runs done, failed and left, and the ETA."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.last: Any = None
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, p: Any) -> None:
        self.last = p
        if not err.is_terminal:
            return
        fields = {"done": p.done, "failed": p.failed, "left": p.pending}
        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("done {task.fields[done]} · failed {task.fields[failed]}"),
                TextColumn("· left {task.fields[left]} · ETA"),
                TimeRemainingColumn(),
                console=err,
            )
            self.bar.start()
            self.task = self.bar.add_task(
                self.label, total=p.total, completed=p.done + p.failed, **fields
            )
        self.bar.update(self.task, completed=p.done + p.failed, **fields)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@experiment_app.command("run")
def experiment_run(
    file: ExperimentArg,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Dask scheduler, tcp://HOST:PORT (default: this machine)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local processes (default: all cores).")
    ] = None,
    db: DbOpt = Path("helix-runs.duckdb"),
    as_json: JsonOpt = False,
    until: ExpUntilOpt = None,
    scale: ExpScaleOpt = None,
    replicates: ReplicatesOpt = None,
    samples: SamplesOpt = None,
) -> None:
    """Run every (variant, sweep point, replicate) not yet done, then summarise; rerun to resume."""
    from helix.experiments.executors import backend_for
    from helix.experiments.runner import run_experiment
    from helix.store import Store

    try:
        exp = _load_experiment(file, until, scale, replicates, samples)
        backend = backend_for(cluster, workers)
    except HelixError as exc:
        fail(exc)
    try:
        store = Store(db)
    except HelixError as exc:
        backend.close()
        fail(exc)
    bar = ExperimentBar(f"{exp.name} on {backend.label}")
    report: Any = None
    try:
        report = run_experiment(exp, store, backend, bar)
    except KeyboardInterrupt:
        p = bar.last
        done = f"{p.done} of {p.total} runs done, {p.failed} failed" if p else "interrupted"
        bar.close()
        err.print(f"helix: interrupted: {done}; rerun the same command to resume", markup=False)
        raise typer.Exit(130) from None
    except HelixError as exc:
        bar.close()
        fail(exc)
    finally:
        bar.close()
        backend.close(cancel=report is None)
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(json_safe({**report.to_json(), "db": str(db)})) + "\n")
        return
    _print_experiment(report, exp, db)


def _num(value: Any) -> str:
    """A number in a few characters: 3 significant digits, k / M / bn for thousands and up."""
    if value is None or not math.isfinite(value):
        return "—"
    for size, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _band(low: Any, high: Any) -> str:
    return "—" if low is None or high is None else f"{_num(low)} … {_num(high)}"


def _print_experiment(report: Any, exp: Any, db: Path) -> None:
    out.print(
        f"[bold]helix[/] experiment [cyan]{report.name}[/] ({report.experiment_id}) on "
        f"{report.backend}: {report.done} of {report.total} runs done, {report.failed} failed, "
        f"{report.pending} pending; ran {report.ran} in {report.seconds:.1f} s "
        f"({report.runs_per_minute:.1f} runs/min), {report.skipped} done before; stored in {db}"
    )
    rows = report.summary.rows
    level = f"{exp.spec.confidence:.0%}"
    for outcome, spec in exp.outcomes.items():
        where = " ".join(x for x in (spec.city, spec.sector, spec.district) if x)
        t = Table(
            title=f"{outcome}: {spec.indicator} {where} ({spec.statistic})".replace("  ", " ")
        )
        for col in ("variant", "mean", "90% band", "vs baseline", f"{level} CI", "runs", "failed"):
            t.add_column(col, justify="left" if col == "variant" else "right")
        for variant in exp.variants:
            mean = next(
                (
                    r
                    for r in rows
                    if (r.variant, r.outcome, r.statistic) == (variant, outcome, "mean")
                ),
                None,
            )
            diff = next(
                (
                    r
                    for r in rows
                    if (r.variant, r.outcome, r.statistic) == (variant, outcome, "difference")
                ),
                None,
            )
            if mean is None:
                continue
            t.add_row(
                variant,
                _num(mean.value),
                _band(mean.low, mean.high),
                "baseline" if diff is None else _num(diff.value),
                "" if diff is None else _band(diff.low, diff.high),
                str(mean.n),
                str(mean.failed),
            )
        out.print(t)
    indices = [r for r in rows if r.parameter is not None]
    for variant in exp.variants:
        for outcome in exp.outcomes:
            mine = [r for r in indices if r.variant == variant and r.outcome == outcome]
            if not mine:
                continue
            stats = list(dict.fromkeys(r.statistic for r in mine))
            t = Table(title=f"Sensitivity of {outcome} ({variant}), ± {level} confidence")
            t.add_column("parameter")
            for s in stats:
                t.add_column(s, justify="right")
            for param in dict.fromkeys(r.parameter for r in mine):
                cells = []
                for s in stats:
                    r = next((x for x in mine if x.parameter == param and x.statistic == s), None)
                    if r is None or r.value is None:
                        cells.append("—")
                    elif r.high is None:
                        cells.append(_num(r.value))
                    else:
                        cells.append(f"{_num(r.value)} ± {_num(r.high - r.value)}")
                t.add_row(str(param), *cells)
            out.print(t)
    for note in report.summary.notes:
        out.print(f"[yellow]note:[/] {note}", highlight=False)


@experiment_app.command("status")
def experiment_status(
    file: ExperimentArg,
    db: Annotated[Path, typer.Option("--db", help="DuckDB file the results are in.")] = Path(
        "helix-runs.duckdb"
    ),
    as_json: JsonOpt = False,
    until: ExpUntilOpt = None,
    scale: ExpScaleOpt = None,
    replicates: ReplicatesOpt = None,
    samples: SamplesOpt = None,
) -> None:
    """How many runs of an experiment are done, failed and pending (also while it runs)."""
    from helix.experiments.runner import read_status

    try:
        exp = _load_experiment(file, until, scale, replicates, samples)
        status = read_status(db, exp)
    except HelixError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(status) + "\n")
        return
    out.print(
        f"{exp.name} ({exp.experiment_id}): {status['done']} done, {status['failed']} failed, "
        f"{status['pending']} pending of {status['total']} runs in {db}"
    )


# ------------------------------------------------------------------- calibration and validation


@app.command()
def calibrate(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    trials: Annotated[
        int | None,
        typer.Option(
            help="Trials in the study in all; rerun with more to extend it. (default: 200)"
        ),
    ] = None,
    seeds: Annotated[int | None, typer.Option(help="Seeds per candidate. (default: 4)")] = None,
    fit_seeds: Annotated[
        int | None,
        typer.Option(
            "--fit-seeds", help="Fresh seeds to re-run the best candidate over. (default: 8)"
        ),
    ] = None,
    scale: Annotated[
        float | None, typer.Option(help="Agent scale of the runs. (default: the scenario's)")
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="A small budget: 8 trials, 2 seeds, scale 0.05.")
    ] = False,
    profile_points: Annotated[
        int,
        typer.Option(
            "--profile-points", help="Re-run this many points along each parameter for its profile."
        ),
    ] = 0,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes. (default: all cores)")
    ] = None,
    db: DbOpt = Path("helix-runs.duckdb"),
    out_file: Annotated[
        Path, typer.Option("--out", help="Where to write the calibrated scenario TOML.")
    ] = Path("calibrated.toml"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the fit table as one JSON object only.")
    ] = False,
) -> None:
    """Estimate the free parameters (table calibration) against the targets; rerun to resume."""
    from helix.experiments import calibration as cal

    n_trials = trials if trials is not None else (cal.QUICK_TRIALS if quick else 200)
    n_seeds = seeds if seeds is not None else (cal.QUICK_SEEDS if quick else 4)
    n_fit = fit_seeds if fit_seeds is not None else (cal.QUICK_SEEDS if quick else 8)
    run_scale = scale if scale is not None else (cal.QUICK_SCALE if quick else None)
    command = " ".join(
        ["helix calibrate", *([str(scenario)] if scenario else [])]
        + [f"--set {s}" for s in set_ or []]
        + [f"--trials {n_trials} --seeds {n_seeds} --fit-seeds {n_fit}"]
        + ([f"--scale {run_scale:g}"] if run_scale is not None else [])
        + ([f"--profile-points {profile_points}"] if profile_points else [])
        + [f"--db {db} --out {out_file}"]
    )
    progress = LazyProgress("calibrating", enabled=True)
    try:
        result = cal.calibrate(
            scenario,
            set_ or [],
            trials=n_trials,
            seeds=n_seeds,
            fit_seeds=n_fit,
            scale=run_scale,
            workers=workers,
            db=db,
            out=out_file,
            profile_points=profile_points,
            command=command,
            progress=progress,
        )
    except KeyboardInterrupt:
        progress.close()
        err.print(
            "helix: interrupted; the trials done are kept in the study: rerun the same command"
            " to resume",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(130) from None
    except HelixError as exc:
        progress.close()
        fail(exc)
    finally:
        progress.close()
    if as_json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
        return
    cal.print_report(result, out)


@app.command("validate")
def validate_command(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    seeds: Annotated[int, typer.Option(help="Seeds to run the world over.")] = 8,
    scale: Annotated[
        float | None, typer.Option(help="Agent scale. (default: the scenario's)")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last month, YYYY-MM. (default: the scenario's)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes. (default: all cores)")
    ] = None,
    as_json: JsonOpt = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with code 1 if any fact fails.")
    ] = False,
) -> None:
    """Hold the world against published facts of firm dynamics it was not fitted to."""
    from helix.experiments import validation as val

    progress = LazyProgress("validating", enabled=True)
    try:
        result = val.validate(
            scenario,
            set_ or [],
            seeds=seeds,
            scale=scale,
            until=until,
            workers=workers,
            progress=progress,
        )
    except HelixError as exc:
        progress.close()
        fail(exc)
    finally:
        progress.close()
    if as_json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    else:
        val.print_validation(result, out)
    if strict and not all(f.passed for f in result.facts):
        raise typer.Exit(1)


@app.command("dashboard")
def dashboard_command(
    scenario: ScenarioArg = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; another than 127.0.0.1 is warned about.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind (0: any free port).")] = 8765,
    db: DbOpt = Path("helix-runs.duckdb"),
    workers: Annotated[
        int | None, typer.Option(help="Simulation processes. (default: all cores)")
    ] = None,
) -> None:
    """Serve the what-if dashboard in the browser (needs `pip install 'helix[dashboard]'`)."""
    from helix.dashboard.command import dashboard

    try:
        dashboard(host, port, db, str(scenario) if scenario else None, workers)
    except HelixError as exc:
        fail(exc)


def main() -> None:
    try:
        app()
    except HelixError as exc:  # raised outside a command's own handling
        err.print(f"helix: error: {exc.line()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
