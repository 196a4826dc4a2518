"""``helix dashboard``: the what-if dashboard in the browser (the optional extra ``dashboard``)."""

from __future__ import annotations

from typing import Annotated

import typer

from helix.cli.app import DB, DbOpt, ScenarioArg, WorkersOpt, app, handles_errors


@app.command("dashboard")
@handles_errors
def dashboard_command(
    scenario: ScenarioArg = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; another than 127.0.0.1 is warned about.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind (0: any free port).")] = 8765,
    db: DbOpt = DB,
    workers: WorkersOpt = None,
) -> None:
    r"""Serve the what-if dashboard in the browser (needs `pip install 'helix\[dashboard]'`)."""
    # Imported here: its web server is an optional extra, and the other commands need not load it.
    from helix.dashboard.command import dashboard

    dashboard(host, port, db, str(scenario) if scenario else None, workers)
