"""``helix discover``: scenario discovery over a stored experiment (EMA's PRIM), for a rule on
one of its outcomes; the experiment's missing runs are run first, as ``helix experiment`` would."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box as boxes
from rich.table import Table

from helix.cli.app import (
    DB,
    REPORT_DIR,
    ClusterOpt,
    DbOpt,
    JsonOpt,
    LazyProgress,
    PngOpt,
    app,
    err,
    fmt,
    handles_errors,
    interrupted,
    out,
    report_stages,
    said,
)
from helix.cli.experiment import (
    ExperimentArg,
    ExperimentBar,
    ExpScaleOpt,
    ExpUntilOpt,
    ReplicatesOpt,
    SamplesOpt,
)
from helix.ema.workbench import DEFAULT_THRESHOLD, workbench
from helix.jsonsafe import json_safe

# The experiment layer and the discovery are imported where the command runs, not here:
# ``helix --help`` and the other commands should not wait for them.
if TYPE_CHECKING:
    from helix.ema.discovery import Discovery
    from helix.experiments.design import Experiment
    from helix.experiments.runner import ExperimentReport
    from helix.store import Store


@app.command()
@handles_errors
def discover(
    file: ExperimentArg,
    rule: Annotated[
        str,
        typer.Option(
            "--rule",
            help="The runs to explain: OUTCOME (<|<=|>|>=) NUMBER on one of the experiment's "
            "outcomes, e.g. 'shanghai_growth < 0.08'.",
        ),
    ],
    db: DbOpt = DB,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            help="Read the box of the highest coverage among those with at least this density.",
        ),
    ] = DEFAULT_THRESHOLD,
    box: Annotated[
        int | None,
        typer.Option("--box", help="Read this box of the peeling trajectory instead (its index)."),
    ] = None,
    variant: Annotated[
        str | None,
        typer.Option("--variant", help="Whose runs are the cases. (default: the baseline)"),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help=f"Also write the discovery's report to this folder (e.g. {REPORT_DIR})."
        ),
    ] = None,
    as_json: JsonOpt = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Local processes for runs not yet done (default: all)."),
    ] = None,
    cluster: ClusterOpt = None,
    until: ExpUntilOpt = None,
    scale: ExpScaleOpt = None,
    replicates: ReplicatesOpt = None,
    samples: SamplesOpt = None,
    png: PngOpt = False,
) -> None:
    """PRIM boxes: under which swept conditions does the rule hold? Runs what is not yet done."""
    from helix.ema import discovery
    from helix.ema.discovery import check_choice, check_discoverable, parse_rule, store_discovery
    from helix.experiments.design import load_experiment
    from helix.experiments.runner import experiment_status
    from helix.store import Store

    exp = load_experiment(file, until=until, scale=scale, replicates=replicates, samples=samples)
    # Every check the user's input can fail comes before anything is run or written.
    chosen = check_discoverable(exp, variant)
    wanted = parse_rule(rule, list(exp.outcomes), exp.file)
    check_choice(threshold, box)
    workbench()
    if out_dir is not None:
        from helix.report.folder import check_target

        check_target(out_dir, False)
    with Store(db) as store:
        pending = experiment_status(store, exp)["pending"]
        if pending:
            _run_pending(exp, store, pending, cluster, workers)
        found = discovery.discover(store, exp, wanted, variant=chosen, threshold=threshold, box=box)
        store_discovery(store, found)
    report = None
    if out_dir is not None:
        from helix.report import write_report

        progress = LazyProgress("report")
        try:
            report = write_report(
                db,
                discovery=found.discovery_id,
                out_dir=out_dir,
                pngs=png,
                progress=report_stages(progress),
            )
        finally:
            progress.close()
    if as_json:
        payload = {
            **found.to_json(),
            "db": str(db),
            "report": None if report is None else str(report.html),
        }
        sys.stdout.write(json.dumps(json_safe(payload)) + "\n")
        return
    _print_discovery(found)
    where = (
        f"wrote {said(report.html)}"
        if report is not None
        else (f"report: helix report --discovery {found.discovery_id}")
    )
    out.print(
        f"stored discovery [bold]{found.discovery_id}[/] in {said(db)}; {where}",
        highlight=False,
        soft_wrap=True,  # a command to copy, whole
    )


def _run_pending(
    exp: Experiment, store: Store, pending: int, cluster: str | None, workers: int | None
) -> None:
    """Run the experiment's runs not yet done, as ``helix experiment`` would (resumable)."""
    err.print(
        f"helix: running {pending} run(s) of {exp.name} not yet in {store.path} first, as "
        "helix experiment would (Ctrl-C keeps what is done; rerun to resume)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for warning in exp.warnings:
        err.print(f"helix: warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    from helix.experiments.executors import backend_for
    from helix.experiments.runner import run_experiment

    backend = backend_for(cluster, workers)
    finished: ExperimentReport | None = None
    bar = ExperimentBar(f"{exp.name} on {backend.label}")
    try:
        finished = run_experiment(exp, store, backend, bar)
    except KeyboardInterrupt:
        p = bar.last
        done = f"{p.done} of {p.total} runs done, {p.failed} failed" if p else "interrupted"
        bar.close()
        backend.close(cancel=True)
        interrupted(f"helix: interrupted: {done}; rerun the same command to resume")
    finally:
        bar.close()
        backend.close(cancel=finished is None)


def _num(value: float | None) -> str:
    return fmt(value, compact=True)


def _print_discovery(found: Discovery) -> None:
    share = found.of_interest / found.cases if found.cases else 0.0
    left = f"; {found.left_out} left out (not done, or not measurable)" if found.left_out else ""
    out.print(
        f"[bold]helix discover[/] [cyan]{said(found.experiment)}[/] ({found.experiment_id}), "
        f"variant {said(found.variant)}: {found.of_interest} of {found.cases} runs meet "
        f"[bold]{said(found.rule)}[/] ({share:.0%}){left}; PRIM of ema-workbench "
        f"{said(found.ema_version)}",
        highlight=False,
    )
    t = Table(title="Peeling trajectory", box=boxes.SIMPLE_HEAD, pad_edge=False)
    for col in ("box", "coverage", "density", "mass", "restricted", ""):
        t.add_column(col, justify="left" if col == "" else "right")
    for b in found.boxes:
        t.add_row(
            str(b.index),
            f"{b.coverage:.2f}",
            f"{b.density:.2f}",
            f"{b.mass:.2f}",
            str(len(b.restricted)),
            "◀ read" if b.index == found.chosen else "",
            style="bold" if b.index == found.chosen else None,
        )
    out.print(t)
    chosen = found.box
    ranges = {p.name: p for p in found.parameters}
    t = Table(
        title=said(
            f"Box {chosen.index} ({found.why}): coverage {chosen.coverage:.2f}, density "
            f"{chosen.density:.2f}, mass {chosen.mass:.2f}"
        ),
        box=boxes.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("parameter", "swept", "box low", "box high", "quasi-p"):
        t.add_column(col, justify="left" if col in ("parameter", "swept") else "right")
    for name in chosen.restricted:
        low, high = chosen.limits[name]
        p = ranges.get(name)
        swept = f"{_num(p.low)} … {_num(p.high)}" if p is not None else "—"
        qp = ", ".join(_num(v) for v in chosen.quasi_p.get(name, ()) if v is not None)
        t.add_row(said(name), swept, _num(low), _num(high), qp or "—")
    out.print(t)
    free = [p.name for p in found.parameters if p.name not in chosen.restricted]
    if not chosen.restricted:
        out.print("The box restricts no parameter: it is every case.", highlight=False)
    elif free:
        out.print(f"Not restricted: {said(', '.join(free))}.", highlight=False)
    t = Table(title="Feature scores (extra trees)", box=boxes.SIMPLE_HEAD, pad_edge=False)
    t.add_column("parameter")
    t.add_column("role")
    t.add_column("score", justify="right")
    for p in sorted(found.parameters, key=lambda p: -p.score):
        t.add_row(said(p.name), p.role, f"{p.score:.2f}")
    out.print(t)
