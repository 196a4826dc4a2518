"""The layers of helix and the absence of import cycles, checked by import-linter.

The contracts live in pyproject.toml (``[tool.importlinter]``); ``lint-imports`` from the
repository's root checks the same ones from the shell. A broken contract fails here with
import-linter's own account of the offending chain of imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "helix"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

CONTRACTS = ["layers", "world-is-the-engine", "no-cycles"]


def lint(config: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--config", str(config), "--no-cache"]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_contract_is_kept(contract: str) -> None:
    done = lint(ROOT / "pyproject.toml", contract)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_contract_fails(tmp_path: Path) -> None:
    """The check can fail: with the report put under the world, the report's imports of the
    world's catalogue and calendar break the contract."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "helix"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'id = "upside-down"\nname = "the report under the world"\ntype = "layers"\n'
        'containers = ["helix"]\nlayers = ["world", "report"]\n'
    )
    done = lint(config)
    assert done.returncode != 0
    assert "helix.report" in done.stdout


def _calls_execute(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("execute", "executemany", "sql")
    ]


def test_only_the_store_runs_sql() -> None:
    """Every SQL statement is in helix.store: no other module calls ``execute``."""
    found = {
        str(p.relative_to(SRC)): lines
        for p in sorted(SRC.rglob("*.py"))
        if p.relative_to(SRC).parts[0] != "store" and (lines := _calls_execute(p))
    }
    assert found == {}


# The one function-local import the report keeps: the PNG renderer loads matplotlib (half a
# second), which a report without PNGs does not need. import-linter still sees it (it reads
# imports inside functions too), so a cycle through it fails the contracts above.
LAZY_IN_REPORT = {("report/build.py", "helix.report.static")}


def test_report_functions_import_at_the_top() -> None:
    """No function-local import in the report but the PNG renderer: a cycle shows up as a
    failed contract instead of being dodged (the report's modules load plotly anyway)."""
    local = {}
    for p in sorted((SRC / "report").glob("*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        where = str(p.relative_to(SRC))
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import):
                        names = [a.name for a in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        names = [f"{node.module}.{a.name}" for a in node.names]
                    else:
                        continue
                    for name in names:
                        if (where, name) not in LAZY_IN_REPORT:
                            local.setdefault(where, []).append((node.lineno, name))
    assert local == {}
