"""``helix report``: an HTML report (and, on request, PNG figures) of runs, an experiment, a
calibration or a scenario discovery."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from helix.cli.app import (
    DB,
    REPORT_DIR,
    JsonOpt,
    LazyProgress,
    PngOpt,
    app,
    err,
    handles_errors,
    out,
    report_stages,
    said,
)
from helix.errors import HelixError
from helix.store import Store

RunIdsArg = Annotated[
    list[str] | None, typer.Argument(help="Run ids to report (default: the latest run).")
]


@app.command()
@handles_errors
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
    discovery: Annotated[
        str | None,
        typer.Option("--discovery", help="Report a scenario discovery (helix discover) by its id."),
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="DuckDB file to read results from.")] = DB,
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder for report.html (and the PNGs; replaced as a whole)."),
    ] = REPORT_DIR,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a folder that holds other files (beside them)."),
    ] = False,
    as_json: JsonOpt = False,
    png: PngOpt = False,
) -> None:
    """Write an HTML report (offline, interactive) of runs from the store; --png adds PNGs."""
    # Imported here, not above: plotly and matplotlib take over a second to load, and only the
    # commands that write a report should pay for them.
    from helix.report import write_report

    chosen = [
        bool(run_ids) or latest,
        experiment is not None,
        calibration is not None,
        discovery is not None,
    ]
    if sum(chosen) > 1:
        raise HelixError(
            "name run ids (or --latest), --experiment, --calibration or --discovery, not several",
            key="report",
        )
    ids = list(run_ids or [])
    if latest and ids:
        with Store(db, read_only=True) as store:
            ids.append(store.latest_run())
    progress = LazyProgress("report")
    try:
        files = write_report(
            db,
            ids,
            experiment=experiment,
            calibration=calibration,
            discovery=discovery,
            out_dir=out_dir,
            force=force,
            pngs=png,
            progress=report_stages(progress),
        )
    finally:
        progress.close()
    for note in files.notes:
        err.print(f"helix: note: {note}", markup=False, highlight=False, soft_wrap=True)
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
        f"[bold]helix[/] wrote {said(files.html)} ({files.figures} figures, {size_mb:.1f} MB, offline) "
        f"{f'and {len(files.pngs)} PNGs ' if files.pngs else ''}"
        f"for {len(files.subject.runs)} run(s) in {files.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
