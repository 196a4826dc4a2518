"""Regenerate the generated sections of docs/calibration.md.

Run from the repository root, after ``helix calibrate`` has stored a calibration::

    .venv/bin/python docs/gen_calibration.py                       # default world, 8 seeds
    .venv/bin/python docs/gen_calibration.py --db helix-runs.duckdb --seeds 8

It reads the latest calibration stored in the DuckDB file (its fit table, identifiability and
correlations), runs ``helix validate`` on the world (the shipped default unless a scenario is
given), lists the free and fixed parameters with their sources from the schema, and replaces the
text between each pair of ``<!-- BEGIN name -->`` / ``<!-- END name -->`` markers. Everything
outside the markers is left alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

from helix.errors import HelixError
from helix.experiments.calibration import (
    calibration_markdown,
    latest_calibration,
    parameter_rows_markdown,
    replace_generated,
)
from helix.experiments.validation import validate, validation_markdown
from helix.scenario.load import load_scenario

DOC = Path(__file__).with_name("calibration.md")
RECORD = Path(__file__).with_name("validation.json")
"""Every fact's value per seed for the shipped world, as the validation section was made from
them: tests/test_default_world.py recomputes two seeds and holds them against it, instead of
rerunning all eight."""


def generate(
    doc: Path,
    db: Path,
    scenario: Path | None = None,
    seeds: int = 8,
    scale: float | None = None,
    until: str | None = None,
    workers: int | None = None,
    skip_validation: bool = False,
) -> str:
    """The text of ``doc`` with every generated section rewritten (``doc`` is not written; the
    validation record ``RECORD`` is, when the shipped world's validation is regenerated)."""
    world = load_scenario(scenario)
    free_md, fixed_md = parameter_rows_markdown(world)
    sections = {"free-parameters": free_md, "fixed-parameters": fixed_md}
    cal = None
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        try:
            cal = latest_calibration(con)
        finally:
            con.close()
    sections.update(calibration_markdown(cal))
    if not skip_validation:
        result = validate(scenario, seeds=seeds, scale=scale, until=until, workers=workers)
        sections["validation"] = validation_markdown(result)
        if scenario is None and doc == DOC:
            record = result.to_json()
            record["facts"] = [
                {k: f[k] for k in ("id", "name", "simulated_per_seed", "simulated_mean", "pass")}
                for f in record["facts"]
            ]
            RECORD.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    # Read the document only now, after the minutes of validation runs, so that an edit made to
    # it meanwhile is kept.
    text = doc.read_text(encoding="utf-8")
    for name, body in sections.items():
        text = replace_generated(text, name, body)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("helix-runs.duckdb"))
    parser.add_argument("--scenario", type=Path, default=None)
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--scale", type=float, default=None)
    parser.add_argument("--until", default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--skip-validation", action="store_true", help="Keep the validation section as it is."
    )
    args = parser.parse_args(argv)
    try:
        text = generate(
            args.doc,
            args.db,
            args.scenario,
            seeds=args.seeds,
            scale=args.scale,
            until=args.until,
            workers=args.workers,
            skip_validation=args.skip_validation,
        )
    except HelixError as exc:
        print(f"gen_calibration: error: {exc.line()}", file=sys.stderr)
        return 2
    args.doc.write_text(text, encoding="utf-8")
    print(f"rewrote the generated sections of {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
