"""The generated sections of docs/calibration.md: parameters, fit, identifiability."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from helix.errors import ExperimentError
from helix.experiments.calibration.free import free_parameters
from helix.experiments.calibration.loss import TargetFit
from helix.experiments.calibration.tables import (
    FIT_HEADER,
    PARAM_HEADER,
    fit_rows,
    fmt,
    parameter_rows,
    short_name,
)
from helix.experiments.markdown import markdown_table
from helix.scenario.schema import Parameters, Scenario


def replace_generated(text: str, name: str, body: str) -> str:
    """Replace the text between ``<!-- BEGIN name -->`` and ``<!-- END name -->``.

    Raises:
        ExperimentError: if the markers are missing.
    """
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise ExperimentError(f"markers {begin} ... {end} not found", key=name)
    return text[: i + len(begin)] + "\n" + body.rstrip() + "\n" + text[j:]


def _unit_and_meaning(world: Scenario, path: str) -> tuple[str, str]:
    """Unit and meaning of the schema field at a dotted path through named tables
    (``shocks.platform-rectification.severity``), or empty strings if there is none."""
    node: Any = world
    info = None
    for part in path.split("."):
        if isinstance(node, BaseModel):
            info = type(node).model_fields.get(part)
            node = getattr(node, part, None)
        elif isinstance(node, dict):
            info, node = None, node.get(part)
        else:
            return "", ""
    return _field_unit_and_meaning(info) if info is not None else ("", "")


def _field_unit_and_meaning(info: Any) -> tuple[str, str]:
    """The unit (kept by ``schema.P`` in ``json_schema_extra``) and meaning of a schema field."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return str(extra.get("unit", "")), info.description or ""


def parameter_rows_markdown(world: Scenario) -> tuple[str, str]:
    """Markdown tables of the free parameters and of the fixed ones (value, unit, source)."""
    free = {p.path: p for p in free_parameters(world)} if world.calibration else {}
    free_rows = []
    fixed_rows = []

    def walk(model: Any, cls: Any, prefix: str) -> None:
        for name, info in cls.model_fields.items():
            value = getattr(model, name)
            path = f"{prefix}.{name}"
            if isinstance(value, BaseModel):
                walk(value, type(value), path)
                continue
            unit, meaning = _field_unit_and_meaning(info)
            if path in free:
                p = free[path]
                free_rows.append(
                    [
                        f"`{path}`",
                        f"[{fmt(p.low)}, {fmt(p.high)}]" + (" (log)" if p.log else ""),
                        f"[{fmt(p.schema_low)}, {fmt(p.schema_high)}]",
                        fmt(value),
                        str(unit),
                        meaning,
                    ]
                )
            else:
                shown = value if not isinstance(value, list) else ", ".join(fmt(v) for v in value)
                fixed_rows.append([f"`{path}`", fmt(shown), str(unit), meaning])

    walk(world.parameters, Parameters, "parameters")
    for path, p in free.items():
        if not path.startswith("parameters."):
            unit, meaning = _unit_and_meaning(world, path)
            free_rows.append(
                [
                    f"`{path}`",
                    f"[{fmt(p.low)}, {fmt(p.high)}]" + (" (log)" if p.log else ""),
                    f"[{fmt(p.schema_low)}, {fmt(p.schema_high)}]",
                    fmt(p.start),
                    unit,
                    meaning,
                ]
            )
    free_md = (
        markdown_table(
            [
                "parameter",
                "search bounds",
                "schema bounds",
                "value in the world",
                "unit",
                "meaning",
            ],
            free_rows,
        )
        if free_rows
        else "_The scenario marks no parameter as free._"
    )
    fixed_md = markdown_table(["parameter", "value", "unit", "meaning and source"], fixed_rows)
    return free_md, fixed_md


def calibration_markdown(cal: dict[str, Any] | None) -> dict[str, str]:
    """The generated sections of docs/calibration.md from a stored calibration."""
    if cal is None:
        none = "_No calibration stored yet: run `helix calibrate`, then regenerate this file._"
        return {
            "provenance": none,
            "fit": none,
            "screen": none,
            "identifiability": none,
            "correlations": none,
        }
    fits = [TargetFit(**{k: v for k, v in f.items() if k != "calibration_id"}) for f in cal["fit"]]
    seeds = json.loads(cal["seeds"])
    fit_seeds = json.loads(cal["fit_seeds"])
    provenance = (
        f"Calibration `{cal['calibration_id']}` of `{cal['scenario_name']}`, stored"
        f" {cal['created']:%Y-%m-%d %H:%M} UTC by helix {cal['helix_version']}"
        + (f" (`{cal['command']}`)" if cal.get("command") else "")
        + f": best of {cal['trials']} trials (trial {cal['best_trial']}), loss"
        f" {cal['best_loss']:.3g} over seeds {seeds}, re-run over {len(fit_seeds)} fresh seeds"
        f" (loss {cal['fit_loss']:.3g}) at scale {cal['scale']:g}, runs ending {cal['until']};"
        f" study `{cal['study_name']}` in `{cal['study_file']}`."
    )
    names = [short_name(p["parameter"]) for p in cal["parameters"]]
    corr = {(c["parameter"], c["other"]): c["correlation"] for c in cal["correlations"]}
    paths = [p["parameter"] for p in cal["parameters"]]
    corr_rows = [
        [f"{i + 1} `{names[i]}`", *[fmt(corr.get((a, b)), 2) for b in paths]]
        for i, a in enumerate(paths)
    ]
    screen = cal.get("screen") or []
    screen_md = (
        markdown_table(
            ["fit rank", "trial", "loss", "facts passed", "failed", "shipped"],
            [
                [
                    str(r["rank"]),
                    str(r["trial"]),
                    fmt(r["loss"], 3),
                    "error" if r["error"] else f"{r['passed']}/{r['facts']}",
                    r["error"]
                    or ", ".join(f"`{x}`" for x in r["failed"].split(",") if x)
                    or "none",
                    "**yes**" if r["chosen"] else "",
                ]
                for r in screen
            ],
        )
        if screen
        else "_This calibration was not held against the facts (`helix calibrate` without"
        " `--facts`)._"
    )
    return {
        "provenance": provenance,
        "fit": markdown_table(FIT_HEADER, fit_rows(fits)),
        "screen": screen_md,
        "identifiability": markdown_table(PARAM_HEADER, parameter_rows(cal["parameters"])),
        "correlations": markdown_table(["", *[str(i + 1) for i in range(len(names))]], corr_rows),
    }
