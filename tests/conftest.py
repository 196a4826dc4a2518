"""Shared fixtures: small worlds, cached runs, worlds advanced through the real schedule, the CLI.

Mechanism tests that only need a world use the synthetic ``tiny-corridor`` world (``tiny_world``:
built in milliseconds); the rest run the shipped Shanghai-Delta world at a small scale and over a
short span, so each run takes a fraction of a second. Tests assert directions, invariants and structure, never the
model's tuned values (the default parameters change).
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from helix.scenario.load import load_scenario
from helix.scenario.schema import Scenario
from helix.world.schedule import Schedule
from helix.world.setting import Setting
from helix.world.simulation import RunResult, prepare, simulate
from helix.world.state import World

SMALL_SCALE = 0.05
SHORT_UNTIL = "2021-12"
# Shanghai and the corridor cities of the shipped world (the "1+8").
CORRIDOR = tuple(
    name for name, city in load_scenario().cities.items() if city.role in ("core", "corridor")
)


def rail_overrides(
    value: float = 0.5, cities: Sequence[str] = CORRIDOR, start: str = "2020-01"
) -> list[str]:
    """Overrides adding a rail policy that multiplies travel times between ``cities``."""
    names = ", ".join(f'"{c}"' for c in cities)
    return [
        'policies.test-rail.kind="rail"',
        f"policies.test-rail.cities=[{names}]",
        f'policies.test-rail.start="{start}"',
        f"policies.test-rail.value={value}",
    ]


def small_scenario(
    overrides: Sequence[str] = (),
    *,
    until: str = SHORT_UNTIL,
    seed: int = 1,
    scale: float = SMALL_SCALE,
) -> Scenario:
    """The shipped world, small and short, with ``a.b.c=VALUE`` overrides."""
    return load_scenario(overrides=list(overrides), until=until, seed=seed, scale=scale)


@functools.cache
def _run(
    overrides: tuple[str, ...], until: str, seed: int, scale: float, keep_firms: bool
) -> RunResult:
    return simulate(
        small_scenario(overrides, until=until, seed=seed, scale=scale), keep_firms=keep_firms
    )


def run_small(
    overrides: Sequence[str] = (),
    *,
    until: str = SHORT_UNTIL,
    seed: int = 1,
    scale: float = SMALL_SCALE,
    keep_firms: bool = False,
) -> RunResult:
    """A cached run of :func:`small_scenario` (shared between tests: do not modify it)."""
    return _run(tuple(overrides), until, seed, scale, keep_firms)


def series(
    result: RunResult,
    indicator: str,
    city: str | Sequence[str] | None = None,
    sector: str | None = None,
) -> np.ndarray:
    """Monthly values of one indicator, summed over the cities (and sectors) not selected."""
    o = result.observations
    cities = [city] if isinstance(city, str) else list(city) if city is not None else o.cities
    ci = [o.cities.index(c) for c in cities]
    if indicator in o.city_sector:
        values = o.city_sector[indicator][:, ci]
        if sector is not None:
            return values[..., o.sectors.index(sector)].sum(axis=1)
        return values.sum(axis=(1, 2))
    if sector is not None:
        raise ValueError(f"{indicator} is not kept per sector")
    if indicator in o.city:
        return o.city[indicator][:, ci].sum(axis=1)
    di = [d for d, c in enumerate(o.district_city) if o.cities[c] in cities]
    return o.district[indicator][:, di].sum(axis=1)


def advance(
    scenario: Scenario, months: int
) -> tuple[Setting, World, np.random.Generator, Schedule]:
    """A world after ``months`` steps of the real schedule, ready for its next step."""
    setting, world, rng = prepare(scenario)
    schedule = Schedule(setting, world)
    for step in range(months):
        world.step = step
        schedule.step(world, rng)
    world.step = months
    return setting, world, rng, schedule


TINY = "tiny-corridor"


def tiny_scenario(
    overrides: Sequence[str] = (), *, until: str | None = None, seed: int = 1
) -> Scenario:
    """The synthetic tiny-corridor world, with ``a.b.c=VALUE`` overrides."""
    return load_scenario(TINY, overrides=list(overrides), until=until, seed=seed)


def tiny(
    overrides: Sequence[str] = (), *, months: int = 0, seed: int = 1, until: str | None = None
) -> tuple[Setting, World, np.random.Generator]:
    """Setting, world and random stream of the tiny world after ``months`` steps of the schedule."""
    setting, world, rng, _ = advance(tiny_scenario(overrides, until=until, seed=seed), months)
    return setting, world, rng


@pytest.fixture
def tiny_world() -> Callable[..., tuple[Setting, World, np.random.Generator]]:
    """``tiny_world(overrides=(), months=0, seed=1)``: the tiny world's setting, world and rng
    (after ``months`` steps of the real schedule)."""
    return tiny


@pytest.fixture
def tiny_scenario_of() -> Callable[..., Scenario]:
    """Factory of tiny-corridor scenarios: ``tiny_scenario_of(["parameters.x.y=1"], seed=2)``."""
    return tiny_scenario


@pytest.fixture
def scenario() -> Callable[..., Scenario]:
    """Factory of small scenarios: ``scenario(["parameters.x.y=1"], until=..., seed=...)``."""
    return small_scenario


@pytest.fixture
def run() -> Callable[..., RunResult]:
    """Factory of cached small runs (same arguments as ``scenario`` plus ``keep_firms``)."""
    return run_small


@pytest.fixture
def observed() -> Callable[..., np.ndarray]:
    """``observed(result, indicator, city=None, sector=None)``: a monthly series."""
    return series


@pytest.fixture
def advanced() -> Callable[..., tuple[Setting, World, np.random.Generator, Schedule]]:
    """``advanced(scenario, months)``: setting, world, rng and schedule mid-run."""
    return advance


@pytest.fixture
def rail() -> Callable[..., list[str]]:
    """``rail(value=0.5, cities=CORRIDOR, start="2020-01")``: overrides adding a rail link."""
    return rail_overrides


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Invoke ``helix`` in-process, in a fresh working directory (files a command writes by
    default, such as a report, land there): ``cli("run", "--json", ...)`` gives a Click result.
    """
    from typer.testing import CliRunner

    from helix.cli import app

    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    runner = CliRunner()

    def invoke(*args: str | Path) -> Any:
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture
def default_toml() -> str:
    """The text of the shipped world, to edit into bad files."""
    from helix.scenario.load import read_default_text

    return read_default_text()


EIGHT_SEEDS = tuple(range(1, 9))
TARGETS_UNTIL = "2025-12"


def _targets_for_seed(seed: int) -> dict[str, dict[str, Any]]:
    from helix.experiments.targets import measure_all

    world = load_scenario(seed=seed, until=TARGETS_UNTIL)
    return measure_all(simulate(world, keep_firms=False).observations, world)


@functools.cache
def eight_seed_targets() -> list[dict[str, dict[str, Any]]]:
    """T1-T7 of the shipped world at scale 1 to 2025-12 for seeds 1-8, run once per session
    on two processes and shared by the tests that read them (test_default_world,
    test_readme_figures)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_targets_for_seed, EIGHT_SEEDS))


def assert_one_line_error(result: Any, *parts: str) -> str:
    """A command's refusal: exit code 2, exactly one ``helix: error:`` line on stderr holding
    each of ``parts``, no traceback, nothing on stdout; the line is returned."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("helix: error: ")
    for part in parts:
        assert part in lines[0], (part, lines[0])
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    return lines[0]


def load_script(name: str) -> ModuleType:
    """A script of scripts/ as a module (they are not part of the package), for the tests that
    check what it recorded."""
    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    spec.loader.exec_module(module)
    return module
