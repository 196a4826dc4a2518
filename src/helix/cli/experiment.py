"""``helix experiment``: run an experiment file (resumable), or ask how far it got."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperGroup

from helix.cli.app import (
    DB,
    ClusterOpt,
    DbOpt,
    JsonOpt,
    app,
    err,
    fmt,
    handles_errors,
    interrupted,
    out,
    said,
    warn,
)
from helix.jsonsafe import json_safe

# The experiment layer (numba's kernels, Dask) is imported where a command runs, not here:
# ``helix --help`` and the other commands should not wait for it.
if TYPE_CHECKING:
    from helix.experiments.channels import Trace
    from helix.experiments.design import Experiment
    from helix.experiments.keep import SizeEstimate
    from helix.experiments.runner import ExperimentProgress, ExperimentReport
    from helix.store.experiments import SummaryRow


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
KeepOpt = Annotated[
    str | None,
    typer.Option(
        "--keep",
        help='Indicators stored per run: "outcomes", "all", or names separated by commas. '
        "(default: the file's keep, else outcomes)",
    ),
]


def _load_experiment(
    file: Path,
    until: str | None,
    scale: float | None,
    replicates: int | None,
    samples: int | None,
    keep: str | None = None,
) -> Experiment:
    from helix.experiments.design import load_experiment

    words: str | list[str] | None = keep
    if keep is not None and keep not in ("outcomes", "all"):
        words = [w.strip() for w in keep.split(",") if w.strip()]
    return load_experiment(
        file, until=until, scale=scale, replicates=replicates, samples=samples, keep=words
    )


def scale_warning(exp: Experiment) -> str | None:
    """The line :func:`below_smallest_scale` says of the experiment's outcomes, if any."""
    from helix.experiments.smallest_scale import below_smallest_scale

    read = [o.indicator for o in exp.outcomes.values()]
    return below_smallest_scale(float(exp.base["scale"]), read, f"{exp.file}: its outcomes")


def _plan_line(exp: Experiment, size: SizeEstimate, todo: int | None) -> str:
    runs = f"{exp.name}: {size.line()}"
    if todo is not None and todo != exp.total:
        runs += f" ({todo} of the runs still to do)"
    return runs


class ExperimentBar:
    """Renders an experiment's progress on stderr: runs done, failed and left, and the ETA."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.last: ExperimentProgress | None = None
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, p: ExperimentProgress) -> None:
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
                said(self.label), total=p.total, completed=p.done + p.failed, **fields
            )
        self.bar.update(self.task, completed=p.done + p.failed, **fields)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@experiment_app.command("run")
@handles_errors
def experiment_run(
    file: ExperimentArg,
    cluster: ClusterOpt = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local processes (default: all cores).")
    ] = None,
    db: DbOpt = DB,
    as_json: JsonOpt = False,
    until: ExpUntilOpt = None,
    scale: ExpScaleOpt = None,
    replicates: ReplicatesOpt = None,
    samples: SamplesOpt = None,
    keep: KeepOpt = None,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Print the runs, what they keep and the store's estimated size; run nothing.",
        ),
    ] = False,
) -> None:
    """Run every (variant, sweep point, replicate) not yet done, then summarise; rerun to resume."""
    from helix.experiments.channels import trace_experiment
    from helix.experiments.executors import backend_for
    from helix.experiments.keep import estimate_size
    from helix.experiments.runner import experiment_status as stored_status
    from helix.experiments.runner import run_experiment
    from helix.store import Store

    exp = _load_experiment(file, until, scale, replicates, samples, keep)
    size = estimate_size(exp)
    small = scale_warning(exp)
    if plan:
        _print_plan(exp, size, small, db, as_json)
        return
    for warning in exp.warnings:
        err.print(f"helix: warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    backend = backend_for(cluster, workers)
    report: ExperimentReport | None = None
    traces: list[Trace] = []
    try:
        with Store(db) as store:
            if err.is_terminal:  # beside the progress bar; --json and --plan carry it for scripts
                todo = stored_status(store, exp)["pending"]
                err.print(
                    f"helix: {_plan_line(exp, size, todo)}",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            bar = ExperimentBar(f"{exp.name} on {backend.label}")
            try:
                report = run_experiment(exp, store, backend, bar)
                if exp.spec.sweep is None:  # a sweep's points are not paired with a baseline
                    traces = trace_experiment(
                        store.con, exp.experiment_id, exp.spec.channel, exp.spec.channel_city
                    )
            except KeyboardInterrupt:
                p = bar.last
                done = f"{p.done} of {p.total} runs done, {p.failed} failed" if p else "interrupted"
                bar.close()
                interrupted(f"helix: interrupted: {done}; rerun the same command to resume")
            finally:
                bar.close()
    finally:
        backend.close(cancel=report is None)
    assert report is not None  # an interrupted or failed run has left above
    if as_json:
        warnings = [*exp.warnings, *report.summary.warnings, *([small] if small else [])]
        payload = {
            **report.to_json(),
            "db": str(db),
            "plan": size.to_json(),
            "warnings": warnings,
            "channels": [t.to_json() for t in traces],
        }
        sys.stdout.write(json.dumps(json_safe(payload)) + "\n")
    else:
        _print_experiment(report, exp, db)
        for trace in traces:
            out.print(f"[bold]channel:[/] {said(trace.sentence())}", highlight=False)
    warn(small)


def _print_plan(
    exp: Experiment, size: SizeEstimate, small: str | None, db: Path, as_json: bool
) -> None:
    """``--plan``: the runs, what they keep and the estimated size, and how many are done in
    ``db`` if it exists; nothing is run or written."""
    from helix.experiments.runner import read_status

    todo: int | None = None
    if db.exists():
        todo = int(read_status(db, exp)["pending"])
    warnings = [*exp.warnings, *([small] if small else [])]
    if as_json:
        payload = {
            "experiment_id": exp.experiment_id,
            "name": exp.name,
            "total": exp.total,
            "pending": exp.total if todo is None else todo,
            "plan": size.to_json(),
            "warnings": warnings,
        }
        sys.stdout.write(json.dumps(json_safe(payload)) + "\n")
        return
    out.print(_plan_line(exp, size, todo), markup=False, highlight=False, soft_wrap=True)
    for warning in warnings:
        err.print(f"helix: warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def _num(value: Any) -> str:
    return fmt(value, compact=True)


def _band(low: Any, high: Any) -> str:
    return "—" if low is None or high is None else f"{_num(low)} … {_num(high)}"


def _relative(row: SummaryRow | None) -> str:
    """A relative effect and its interval in percent, e.g. "-19% [-38, +1]"."""
    if row is None or row.value is None:
        return ""
    if row.low is None or row.high is None:
        return f"{row.value:+.1%}"
    return f"{row.value:+.1%} [{row.low * 100:+.0f}, {row.high * 100:+.0f}]"


def _print_experiment(report: ExperimentReport, exp: Experiment, db: Path) -> None:
    out.print(
        f"[bold]helix[/] experiment [cyan]{said(report.name)}[/] ({report.experiment_id}) on "
        f"{said(report.backend)}: {report.done} of {report.total} runs done, {report.failed} "
        f"failed, {report.pending} pending; ran {report.ran} in {report.seconds:.1f} s "
        f"({report.runs_per_minute:.1f} runs/min), {report.skipped} done before; stored in "
        f"{said(db)}",
        highlight=False,
    )
    rows = report.summary.rows
    level = f"{exp.spec.confidence:.0%}"
    for outcome, spec in exp.outcomes.items():
        city = f"{spec.city}/{spec.other_city}" if spec.other_city else spec.city
        where = " ".join(x for x in (city, spec.sector, spec.district) if x)
        t = Table(
            title=said(
                f"{outcome}: {spec.indicator} {where} ({spec.statistic})".replace("  ", " ")
            ),
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        columns = ("variant", "mean", "90% band", "vs baseline", f"{level} CI", "relative")
        for col in (*columns, "runs", "failed"):
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
            rel = next(
                (
                    r
                    for r in rows
                    if (r.variant, r.outcome, r.statistic) == (variant, outcome, "relative")
                ),
                None,
            )
            if mean is None:
                continue
            t.add_row(
                said(variant),
                _num(mean.value),
                _band(mean.low, mean.high),
                "baseline" if diff is None else _num(diff.value),
                "" if diff is None else _band(diff.low, diff.high),
                _relative(rel),
                str(mean.n),
                str(mean.failed),
            )
        out.print(t)
    indices = [r for r in rows if r.parameter is not None and r.statistic != "spearman"]
    _print_rank_correlations([r for r in rows if r.statistic == "spearman"], exp)
    for variant in exp.variants:
        for outcome in exp.outcomes:
            mine = [r for r in indices if r.variant == variant and r.outcome == outcome]
            if not mine:
                continue
            stats = list(dict.fromkeys(r.statistic for r in mine))
            warning = next(
                (w for w in report.summary.warnings if f" of {outcome} ({variant}):" in w), None
            )
            t = Table(
                title=said(f"Sensitivity of {outcome} ({variant}), ± {level} confidence"),
                caption=None if warning is None else said(f"warning: {warning}"),
                caption_style="yellow",
                box=box.SIMPLE_HEAD,
                pad_edge=False,
            )
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
                t.add_row(said(param), *cells)
            out.print(t)
    for note in report.summary.notes:
        out.print(f"[yellow]note:[/] {said(note)}", highlight=False)
    for warning in report.summary.warnings:
        err.print(f"helix: warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def _print_rank_correlations(rows: list[SummaryRow], exp: Experiment) -> None:
    """A latin or grid sweep's analysis: per outcome, each parameter's rank correlation with it
    in the baseline with its interval, strongest first, and its range in the other variants."""
    if not rows:
        return
    level = f"{exp.spec.confidence:.0%}"
    base = exp.baseline
    others = [v for v in exp.variants if v != base]
    for outcome in exp.outcomes:
        mine = [r for r in rows if r.outcome == outcome]
        first = {r.parameter: r for r in mine if r.variant == base}
        if not first:
            continue
        t = Table(
            title=said(f"{outcome}: rank correlation with each swept parameter"),
            caption=said(
                f"Spearman's rho over the {max(r.n for r in first.values())} runs of {base}; "
                f"strongest first"
            ),
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        t.add_column("parameter")
        t.add_column(said(base), justify="right")
        t.add_column(f"{level} CI", justify="right")
        if others:
            t.add_column("other variants", justify="right")
        order = sorted(first, key=lambda p: -abs(first[p].value or 0.0))
        for param in order:
            r = first[param]
            ci = "—" if r.low is None or r.high is None else f"{r.low:+.2f} … {r.high:+.2f}"
            cells = [said(param), "—" if r.value is None else f"{r.value:+.2f}", ci]
            if others:
                rho = [
                    x.value
                    for x in mine
                    if x.parameter == param and x.variant != base and x.value is not None
                ]
                cells.append(f"{min(rho):+.2f} … {max(rho):+.2f}" if rho else "—")
            t.add_row(*cells)
        out.print(t)


@experiment_app.command("status")
@handles_errors
def experiment_status(
    file: ExperimentArg,
    db: Annotated[Path, typer.Option("--db", help="DuckDB file the results are in.")] = DB,
    as_json: JsonOpt = False,
    until: ExpUntilOpt = None,
    scale: ExpScaleOpt = None,
    replicates: ReplicatesOpt = None,
    samples: SamplesOpt = None,
) -> None:
    """How many runs of an experiment are done, failed and pending (also while it runs)."""
    from helix.experiments.runner import read_status

    exp = _load_experiment(file, until, scale, replicates, samples)
    status = read_status(db, exp)
    if as_json:
        sys.stdout.write(json.dumps(status) + "\n")
        return
    state = f"running now (pid {status['pid']})" if status["running"] else "not running"
    out.print(
        f"{exp.name} ({exp.experiment_id}): {status['done']} done, {status['failed']} failed, "
        f"{status['pending']} pending of {status['total']} runs in {db}; {state}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
