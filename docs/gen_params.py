"""Regenerate the tables of docs/model.md from the code, so the documentation cannot drift.

Run from the repository root::

    .venv/bin/python docs/gen_params.py           # rewrite the tables in docs/model.md
    .venv/bin/python docs/gen_params.py --check   # exit 1 if they are out of date

Every table sits between a pair of marker comments, ``<!-- KIND:NAME -->`` and
``<!-- /KIND:NAME -->``; the text between them is replaced, everything else is left alone.
Kinds:

- ``params:SECTION``: the parameters of the schema (:class:`helix.scenario.schema.Parameters`)
  that a submodel uses, with their value in the shipped default world (read through
  :func:`helix.scenario.load.load_scenario`, i.e. the values a plain ``helix run`` uses), the
  schema default, unit, bounds and meaning. Each group of the schema goes to one section
  (``GROUP_SECTION``), with single fields moved elsewhere where another submodel uses them
  (``FIELD_SECTION``); a group the map does not know lands in ``params:other``, so a new
  parameter is never left out.
- ``fields:MODEL``: the fields of a part of the world (City, District, Sector, ...): unit,
  schema default, bounds, meaning.
- ``world:NAME``: the shipped default world itself (cities, districts, sectors, travel times,
  relatedness, research institutions, policies, shocks, targets).
- ``indicators:all``: what a run observes, from :mod:`helix.world.indicators`.
- ``validation:facts``: the published regularities of ``helix.experiments.validation``.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from helix.scenario import schema
from helix.scenario.load import load_scenario
from helix.scenario.schema import Parameters, Scenario
from helix.world.catalogue import INDICATORS

DOC = Path(__file__).with_name("model.md")

# The submodel (docs/model.md section) whose table lists each group of ``Parameters``.
GROUP_SECTION = {
    "initial": "initial",
    "knowledge": "knowledge",
    "founding": "founding",
    "growth": "operations",
    "exits": "exits",
    "funding": "funding",
    "rents": "rents",
    "talent": "talent",
    "rd": "rd",
    "labs": "founding",
    "disputes": "disputes",
    "chips": "shocks",
    "research": "research",
}
# Single parameters used by another submodel than the rest of their group.
FIELD_SECTION = {
    "knowledge.innovation_rate": "innovation",
    "knowledge.innovation_sd": "innovation",
    "knowledge.radical_share": "innovation",
    "knowledge.radical_sd": "innovation",
    "knowledge.imitation_rate": "innovation",
    "knowledge.imitation_density_elasticity": "innovation",
    "knowledge.imitation_speed": "innovation",
    "knowledge.obsolescence": "innovation",
    "knowledge.shock_imitation": "innovation",
    "talent.max_hire_share": "operations",
    "rents.small_firm_employees": "relocation",
    "rents.lease_months": "relocation",
    "rents.moving_cost_months": "relocation",
    "rents.moving_cost_size_exponent": "relocation",
    "rents.talent_access_elasticity": "relocation",
    "rents.investor_access_elasticity": "relocation",
    "rents.relocation_max_minutes": "relocation",
    "labs.slot_cost_yuan": "policy",
    "research.contract_share": "contracts",
    "research.contract_premium": "contracts",
    "research.contract_decay_per_minute": "contracts",
    "research.spinoffs_per_researcher": "spinoffs",
    "research.spinoff_team": "spinoffs",
    "research.spinoff_edge": "spinoffs",
    "research.output_elasticity": "spinoffs",
    "research.graduate_retention": "talent",
}
OTHER = "other"

# Sources for parameters whose meaning in the schema names none (documentation only; better
# moved into the schema's meaning, where the generator then finds it).
NOTES = {
    "rd.corporate_tax_rate": "Statutory rate: PRC Enterprise Income Tax Law (2007), art. 4.",
    "rents.natural_vacancy": "Order of the natural office vacancy rates estimated by Wheaton & "
    "Torto (1988) and in the DiPasquale & Wheaton (1992) framework; Chinese tech districts not "
    "estimated (**assumption**).",
    "talent.attrition": "**Assumption**: ~2.4% a year of job seekers leave tech work.",
    "funding.deploy_share": "Investment periods of 3-5 years are the norm of VC fund "
    "agreements (Metrick & Yasuda 2010); the monthly share is an **assumption**.",
}

# Words that show a meaning names its source (besides a year or the word "assumption").
SOURCE_WORDS = (
    "Nelson",
    "SKIN",
    "Ciccone",
    "Keller",
    "Jaffe",
    "Stanley",
    "Cochrane",
    "Kaplan",
    "Sorenson",
    "Bergemann",
    "Wheaton",
    "DiPasquale",
    "Irwin",
    "Chen et al",
    "Krugman",
    "Fujita",
    "Gompers",
    "Filatotchev",
    "STAR market",
)
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
BLOCK = re.compile(
    r"<!-- (?P<kind>[a-z]+):(?P<name>[\w.-]+) -->\n.*?<!-- /(?P=kind):(?P=name) -->", re.S
)


# ------------------------------------------------------------------------------ formatting


def fmt(value: Any) -> str:
    """A compact, stable text for a value in a table cell."""
    if value is None or value is PydanticUndefined:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return fmt(float(value)) if abs(value) >= 1e6 else str(value)
    if isinstance(value, float):
        if value == float("inf"):
            return "∞"
        if value == 0:
            return "0"
        if abs(value) >= 1e6 or abs(value) < 1e-4:
            mantissa, exponent = f"{value:.4e}".split("e")
            return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        if not value:
            return "—"
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {fmt(v)}" for k, v in value.items())
    return str(value)


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def unit_of(fi: FieldInfo) -> str:
    extra = fi.json_schema_extra
    if isinstance(extra, dict) and extra.get("unit"):
        return str(extra["unit"])
    return "—"


def bounds_of(fi: FieldInfo) -> str:
    lo = hi = None
    for m in fi.metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Gt):
            lo = m.gt
        elif isinstance(m, annotated_types.Le):
            hi = m.le
        elif isinstance(m, annotated_types.Lt):
            hi = m.lt
    if lo is None and hi is None:
        return "—"
    return f"[{fmt(lo) if lo is not None else '−∞'}, {fmt(hi) if hi is not None else '∞'}]"


def default_of(fi: FieldInfo) -> Any:
    if fi.default_factory is not None:
        return fi.default_factory()  # type: ignore[call-arg]
    return fi.default


def type_of(fi: FieldInfo) -> str:
    ann = fi.annotation
    if typing.get_origin(ann) is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in typing.get_args(ann))
    if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union:
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        return " or ".join(getattr(a, "__name__", str(a)) for a in args) + " (optional)"
    return getattr(ann, "__name__", str(ann)).replace("dict", "table").replace("list", "list")


def meaning_with_source(name: str, meaning: str, *, mark_unsourced: bool = True) -> str:
    """The schema's meaning, with assumptions in bold and (parameters') unsourced defaults marked."""
    text = meaning.strip()
    marked = re.sub(r"\bassumption\b", "**assumption**", text)
    note = NOTES.get(name)
    if note:
        return f"{marked} {note}"
    sourced = (
        "assumption" in text.lower()
        or YEAR.search(text)
        or any(word in text for word in SOURCE_WORDS)
    )
    if mark_unsourced and not sourced:
        marked += " **Assumption.**"
    return marked


# ------------------------------------------------------------------------------ parameters


def section_of(name: str) -> str:
    if name in FIELD_SECTION:
        return FIELD_SECTION[name]
    return GROUP_SECTION.get(name.split(".", 1)[0], OTHER)


def parameter_rows(scenario: Scenario) -> dict[str, list[list[str]]]:
    """Rows of every parameter table, keyed by section."""
    out: dict[str, list[list[str]]] = {}
    for group, gfi in Parameters.model_fields.items():
        model = gfi.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        used = getattr(scenario.parameters, group)
        for field, fi in model.model_fields.items():
            name = f"{group}.{field}"
            world = getattr(used, field)
            default = default_of(fi)
            shown = fmt(world)
            if world != default:
                shown = f"**{shown}**"
            out.setdefault(section_of(name), []).append(
                [
                    f"`{name}`",
                    shown,
                    fmt(default),
                    unit_of(fi),
                    bounds_of(fi),
                    meaning_with_source(name, fi.description or ""),
                ]
            )
    return out


PARAM_HEADER = ["parameter", "default world", "schema default", "unit", "bounds", "meaning, source"]


def render_params(section: str, rows: dict[str, list[list[str]]]) -> str:
    if section not in rows:
        if section == OTHER:
            return "(none: every parameter is documented with its submodel)"
        raise ValueError(f"no parameter belongs to section {section!r}")
    return table(PARAM_HEADER, rows[section])


# ------------------------------------------------------------------------------ the world


def render_fields(model_name: str) -> str:
    model = getattr(schema, model_name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ValueError(f"no schema model {model_name!r}")
    rows = []
    for field, fi in model.model_fields.items():
        unit = unit_of(fi)
        rows.append(
            [
                f"`{field}`",
                unit if unit != "—" else type_of(fi),
                fmt(default_of(fi)),
                bounds_of(fi),
                meaning_with_source(
                    f"{model_name}.{field}", fi.description or "", mark_unsourced=False
                ),
            ]
        )
    return table(["field", "unit or type", "schema default", "bounds", "meaning"], rows)


def header_with_unit(model: type[BaseModel], field: str) -> str:
    unit = unit_of(model.model_fields[field])
    return f"{field} ({unit})" if unit not in ("—", "", field) else field


def entity_table(
    model: type[BaseModel], items: dict[str, BaseModel], key: str, columns: list[str]
) -> str:
    header = [key] + [header_with_unit(model, c) for c in columns]
    rows = [[name] + [fmt(getattr(item, c)) for c in columns] for name, item in items.items()]
    return table(header, rows)


def matrix(names: list[str], values: list[list[float]], corner: str) -> str:
    return table(
        [corner, *names],
        [[n] + [fmt(float(v)) for v in row] for n, row in zip(names, values, strict=True)],
    )


def render_world(name: str, s: Scenario) -> str:
    if name == "run":
        return table(
            ["name", "start", "end", "seed", "scale"],
            [[s.name, s.start, s.end, str(s.seed), fmt(s.scale)]],
        )
    if name == "sectors":
        cols = [f for f in schema.Sector.model_fields if f != "label"]
        return entity_table(schema.Sector, s.sectors, "sector", ["label", *cols])
    if name == "cities":
        cols = [
            "role",
            "china",
            "population_millions",
            "firms",
            "engineers",
            "graduates_per_year",
            "foreign_per_year",
            "wage",
            "amenity",
            "intra_city_minutes",
        ]
        return entity_table(schema.City, s.cities, "city", cols)
    if name == "city-funds":
        cols = ["funds", "fund_capital_usd", "fundraising_usd_per_year"]
        return entity_table(schema.City, s.cities, "city", cols)
    if name == "sector-mix":
        sectors = list(s.sectors)
        rows = []
        for city, c in s.cities.items():
            total = sum(c.sector_mix.values()) or 1.0
            rows.append([city] + [fmt(round(c.sector_mix.get(k, 0.0) / total, 4)) for k in sectors])
        return table(["city", *sectors], rows)
    if name == "districts":
        cols = [f for f in schema.District.model_fields]
        return entity_table(schema.District, s.districts, "district", cols)
    if name == "travel-time":
        tt = s.travel_time
        sources = "\n".join(f"- {src}" for src in tt.sources)
        return matrix(tt.cities, tt.minutes, "minutes") + (
            "\n\nSources:\n\n" + sources if sources else ""
        )
    if name == "ninety-minutes":
        tt = s.travel_time
        core = [c for c, v in s.cities.items() if v.role == "core"]
        rows = []
        for hub in core:
            i = tt.cities.index(hub)
            for city, v in s.cities.items():
                if v.role != "corridor":
                    continue
                minutes = tt.minutes[i][tt.cities.index(city)]
                rows.append([hub, city, fmt(float(minutes)), "yes" if minutes < 90 else "**no**"])
        return table(["from", "to", "minutes", "under 90 minutes?"], rows)
    if name == "relatedness":
        rel = s.relatedness
        return matrix(rel.sectors, rel.values, "uses ↓ / of →")
    if name == "research":
        cols = list(schema.Research.model_fields)
        return entity_table(schema.Research, s.research, "institution", cols)
    if name == "networks":
        cols = list(schema.Network.model_fields)
        return entity_table(schema.Network, s.networks, "network", cols)
    if name == "policies":
        cols = list(schema.Policy.model_fields)
        return entity_table(schema.Policy, s.policies, "policy", cols)
    if name == "shocks":
        cols = list(schema.Shock.model_fields)
        return entity_table(schema.Shock, s.shocks, "shock", cols)
    if name == "targets":
        rows = [
            [
                key,
                f"`{t.indicator}`" + (f" ({t.sector})" if t.sector else ""),
                t.statistic,
                t.city + (f" / {t.other_city}" if t.other_city else ""),
                f"{t.start} .. {t.end}",
                fmt(t.observed),
                t.comparison,
                fmt(t.tolerance),
                t.source,
            ]
            for key, t in s.targets.items()
        ]
        return table(
            [
                "id",
                "indicator",
                "statistic",
                "city",
                "months",
                "report",
                "comparison",
                "tolerance",
                "source",
            ],
            rows,
        )
    raise ValueError(f"unknown world table {name!r}")


def render_validation() -> str:
    """The published facts ``helix validate`` holds the model against, if that module exists."""
    try:
        from helix.experiments import validation
    except ImportError:
        return "(`helix.experiments.validation` is not part of this checkout.)"
    rows = []
    for fact in validation.FACTS:
        lo, hi = fact.band()
        rows.append(
            [
                f"`{fact.id}`",
                fact.name,
                fact.statistic,
                fmt(float(fact.published)),
                f"{fmt(float(f'{lo:.3g}'))} .. {fmt(float(f'{hi:.3g}'))}",
                fact.citation,
            ]
        )
    return table(["fact", "pattern", "statistic", "published", "passes within", "source"], rows)


def render_indicators() -> str:
    level = {"city_sector": "city × sector", "city": "city", "district": "district"}
    rows = [
        [f"`{i.name}`", level[i.dims], i.unit, i.meaning]
        for dims in level
        for i in INDICATORS.values()
        if i.dims == dims
    ]
    return table(["indicator", "per", "unit", "meaning"], rows)


# ------------------------------------------------------------------------------ the document


def render(text: str, scenario: Scenario | None = None) -> str:
    """``text`` with every generated block rewritten from the code."""
    s = scenario if scenario is not None else load_scenario()
    rows = parameter_rows(s)
    missing = sorted(set(rows) - set(re.findall(r"<!-- params:([\w.-]+) -->", text)))
    if missing:
        raise ValueError(
            "docs/model.md has no table for the parameters of section(s) "
            + ", ".join(missing)
            + ": add <!-- params:NAME --> ... <!-- /params:NAME --> where they belong"
        )

    def replace(m: re.Match[str]) -> str:
        kind, name = m.group("kind"), m.group("name")
        if kind == "params":
            body = render_params(name, rows)
        elif kind == "fields":
            body = render_fields(name)
        elif kind == "world":
            body = render_world(name, s)
        elif kind == "indicators":
            body = render_indicators()
        elif kind == "validation":
            body = render_validation()
        else:
            raise ValueError(f"unknown generated block kind {kind!r}")
        return f"<!-- {kind}:{name} -->\n{body}\n<!-- /{kind}:{name} -->"

    return BLOCK.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/model.md is stale")
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to rewrite")
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            print(
                f"{args.doc} is out of date: run .venv/bin/python docs/gen_params.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != text:
        args.doc.write_text(new, encoding="utf-8")
        print(f"rewrote the tables of {args.doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
