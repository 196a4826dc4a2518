"""``helix scenario show``: a scenario fully resolved, as TOML to copy and edit."""

from __future__ import annotations

import sys

import typer

from helix.cli.app import ScenarioArg, SetOpt, app, handles_errors

scenario_app = typer.Typer(help="Look at scenarios.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("show")
@handles_errors
def scenario_show(scenario: ScenarioArg = None, set_: SetOpt = None) -> None:
    """Print a scenario fully resolved (defaults filled in), as TOML to copy and edit."""
    # Imported here, not above: the scenario's schema (pydantic models of every mechanism's
    # parameters) is not needed by ``helix --help`` and the other commands.
    from helix.scenario.load import load_scenario, scenario_to_toml

    world = load_scenario(scenario, set_ or [])
    sys.stdout.write(scenario_to_toml(world))
