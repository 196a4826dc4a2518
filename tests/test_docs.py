"""docs/model.md cannot drift from the code: generated tables, submodels and state variables."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from helix.world import schedule, state
from helix.world.parameters import Parameters

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
MECHANISMS = ROOT / "src" / "helix" / "world" / "mechanisms"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_params", ROOT / "docs" / "gen_params.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_params", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_generated_tables_are_up_to_date(doc: str) -> None:
    """The tables equal what docs/gen_params.py writes from the schema and the default world."""
    fresh = _generator().render(doc)
    if fresh != doc:
        stale = [
            f"{m.group('kind')}:{m.group('name')}"
            for m in _generator().BLOCK.finditer(doc)
            if m.group(0) not in fresh
        ]
        pytest.fail(
            "docs/model.md is out of date with the code (tables: "
            + (", ".join(stale) or "?")
            + "); run: .venv/bin/python docs/gen_params.py"
        )


def test_every_parameter_is_in_a_table(doc: str) -> None:
    """Each parameter of the schema appears in exactly one generated parameter table."""
    for group, gfi in Parameters.model_fields.items():
        for field in gfi.annotation.model_fields:  # type: ignore[union-attr]
            rows = re.findall(rf"^\| `{group}\.{field}` \|", doc, flags=re.M)
            assert len(rows) == 1, f"parameter {group}.{field} is in {len(rows)} tables"


def test_every_mechanism_has_a_submodel_section(doc: str) -> None:
    """Each mechanism of the schedule's registry has its own subsection of §7, and its parameter
    groups exist; every module under helix/world/mechanisms is registered."""
    names = [m.name for m in schedule.MECHANISMS]
    modules = sorted(p.stem for p in MECHANISMS.glob("*.py") if p.stem != "__init__")
    assert sorted(names) == modules, "registry and helix/world/mechanisms differ"
    missing = [m for m in names if not re.search(rf"^### 7\.\d+ `{m}`", doc, flags=re.M)]
    assert not missing, f"docs/model.md §7 has no subsection for: {', '.join(missing)}"
    groups = set(Parameters.model_fields)
    for m in schedule.MECHANISMS:
        assert set(m.reads) <= groups, f"{m.name} reads unknown parameter groups {m.reads}"


@pytest.mark.parametrize(
    "table",
    [
        state.Firms,
        state.Funds,
        state.Offices,
        state.Talent,
        state.Chips,
        state.Institutions,
        state.World,
    ],
)
def test_every_state_variable_is_described(doc: str, table: type) -> None:
    """Each column of the world's state is named in §2 (Entities, state variables and scales)."""
    section = doc.split("## 2. Entities", 1)[1].split("## 3. Process", 1)[0]
    missing = [
        f.name
        for f in dataclasses.fields(table)
        if not re.search(rf"`(?:[\w.]+\.)?{f.name}`", section)
    ]
    assert not missing, f"§2 of docs/model.md does not describe {table.__name__}: {missing}"
