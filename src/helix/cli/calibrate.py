"""``helix calibrate`` and ``helix validate``: fit the free parameters to the targets, and hold
the world against facts it was not fitted to; locally or on a Dask cluster (``--cluster``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from helix.cli.app import (
    DB,
    ClusterOpt,
    DbOpt,
    JsonOpt,
    LazyProgress,
    ScenarioArg,
    SetOpt,
    WorkersOpt,
    app,
    handles_errors,
    interrupted,
    out,
    warn,
)

FACT_COUNTS = ("firms", "deals", "unicorns")
"""What the facts of :mod:`helix.experiments.validation` count: firms by size, age and survival,
rounds of the VC funnel, unicorns among seed-funded firms."""


@app.command()
@handles_errors
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
        bool,
        typer.Option(
            "--quick",
            help="A small budget: 8 trials, 2 seeds, scale 0.05 (more for a small world).",
        ),
    ] = False,
    profile_points: Annotated[
        int,
        typer.Option(
            "--profile-points", help="Re-run this many points along each parameter for its profile."
        ),
    ] = 0,
    facts: Annotated[
        int,
        typer.Option(
            "--facts",
            help="Hold this many of the best-fitting candidates against the validation facts"
            " (whole horizon) and ship the best one that passes them all. (default: 0, none)",
        ),
    ] = 0,
    workers: WorkersOpt = None,
    cluster: ClusterOpt = None,
    db: DbOpt = DB,
    out_file: Annotated[
        Path, typer.Option("--out", help="Where to write the calibrated scenario TOML.")
    ] = Path("calibrated.toml"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the fit table as one JSON object only.")
    ] = False,
) -> None:
    """Estimate the free parameters (table calibration) against the targets; rerun to resume."""
    # Imported here, not above: the calibration loads optuna and the simulator, which
    # ``helix --help`` and the other commands should not wait for.
    from helix.cli.printing import print_calibration
    from helix.experiments import calibration as cal
    from helix.experiments.smallest_scale import below_smallest_scale
    from helix.scenario.load import load_scenario

    n_trials = trials if trials is not None else (cal.QUICK_TRIALS if quick else 200)
    n_seeds = seeds if seeds is not None else (cal.QUICK_SEEDS if quick else 4)
    n_fit = fit_seeds if fit_seeds is not None else (cal.QUICK_SEEDS if quick else 8)
    run_scale = scale
    if quick and scale is None:
        run_scale = cal.quick_scale(load_scenario(scenario, set_ or []))
    command = " ".join(
        ["helix calibrate", *([str(scenario)] if scenario else [])]
        + [f"--set {s}" for s in set_ or []]
        + [f"--trials {n_trials} --seeds {n_seeds} --fit-seeds {n_fit}"]
        + ([f"--scale {run_scale:g}"] if run_scale is not None else [])
        + ([f"--profile-points {profile_points}"] if profile_points else [])
        + ([f"--facts {facts}"] if facts else [])
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
            cluster=cluster,
            db=db,
            out=out_file,
            profile_points=profile_points,
            facts=facts,
            command=command,
            progress=progress,
        )
    except KeyboardInterrupt:
        progress.close()
        interrupted(
            "helix: interrupted; the trials done are kept in the study: rerun the same command"
            " to resume"
        )
    finally:
        progress.close()
    small = below_smallest_scale(
        result.scale, [f.indicator for f in result.fits], "the targets it fits"
    )
    if as_json:
        sys.stdout.write(json.dumps({**result.to_json(), "warnings": [small] if small else []}))
        sys.stdout.write("\n")
    else:
        print_calibration(result, out)
    warn(small)


@app.command("validate")
@handles_errors
def validate_command(
    scenario: ScenarioArg = None,
    set_: SetOpt = None,
    seeds: Annotated[int, typer.Option(help="Seeds to run the world over.")] = 8,
    scale: Annotated[
        float | None, typer.Option(help="Agent scale. (default: the scenario's)")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="Last month, YYYY-MM. (default: the scenario's; with --ablations the last "
            "month the targets read)"
        ),
    ] = None,
    workers: WorkersOpt = None,
    cluster: ClusterOpt = None,
    as_json: JsonOpt = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit with code 1 if any fact fails (with --ablations: if any target is not "
            "earned).",
        ),
    ] = False,
    ablations: Annotated[
        bool,
        typer.Option(
            "--ablations",
            help="Instead of the facts: run the world with and without the mechanism each "
            "target names, and say whether the target holds with it and fails without it.",
        ),
    ] = False,
) -> None:
    """Hold the world against published facts of firm dynamics it was not fitted to."""
    from helix.cli.printing import print_ablations, print_validation
    from helix.experiments import validation as val
    from helix.experiments.ablations import ablate
    from helix.experiments.smallest_scale import below_smallest_scale
    from helix.scenario.load import load_scenario

    if ablations:
        progress = LazyProgress(f"ablations over {seeds} seeds")
        try:
            found = ablate(
                scenario,
                set_ or [],
                seeds=seeds,
                scale=scale,
                until=until,
                workers=workers,
                cluster=cluster,
                progress=progress,
            )
        finally:
            progress.close()
        world = load_scenario(scenario, set_ or [])
        read = [world.targets[a.target].indicator for a in found.ablations]
        small = below_smallest_scale(found.scale, read, "the targets")
        if as_json:
            warnings = [small] if small else []
            sys.stdout.write(json.dumps({**found.to_json(), "warnings": warnings}) + "\n")
        else:
            print_ablations(found, out)
        warn(small)
        if strict and not all(a.earned for a in found.ablations):
            raise typer.Exit(1)
        return
    progress = LazyProgress(f"validating over {seeds} seeds", after="measuring the facts")
    try:
        result = val.validate(
            scenario,
            set_ or [],
            seeds=seeds,
            scale=scale,
            until=until,
            workers=workers,
            cluster=cluster,
            progress=progress,
        )
    finally:
        progress.close()
    small = below_smallest_scale(result.scale, FACT_COUNTS, "the facts")
    if as_json:
        warnings = [small] if small else []
        sys.stdout.write(json.dumps({**result.to_json(), "warnings": warnings}) + "\n")
    else:
        print_validation(result, out)
    warn(small)
    if strict and not all(f.passed for f in result.facts):
        raise typer.Exit(1)
