"""What to run: the experiment file (TOML), validated like a scenario, and its resolved design.

In EMA Workbench's terms an experiment crosses *variants* (named policy what-ifs, each a set of
changes to a base scenario) with a *sweep* over typed parameters with ranges (*uncertainties*,
what nobody controls, and *levers*, what policy controls) and with *replicates* (seeds), and
reads typed *outcomes* from each run's indicators. An example::

    name = "no-tax-break"
    replicates = 20
    until = "2030-12"                  # optional: a shorter run
    scale = 0.5                        # optional: fewer agents

    [variants.no-tax-break]            # "baseline" (the base scenario unchanged) is implicit
    set = { "policies.digital-leap-rd-tax-break.end" = "2025-12" }

    [variants.fast-rail.scenario.policies.fast-rail]   # a sub-table merged into the scenario
    kind = "rail"
    cities = ["Shanghai", "Hangzhou", "Suzhou"]
    start = "2026-01"
    value = 0.5

    [uncertainties.spillover_decay]
    key = "parameters.knowledge.decay_per_minute"
    low = 0.0012
    high = 0.0048

    [sweep]
    design = "sobol"                   # grid | latin | sobol | morris
    samples = 64                       # sobol: N, a power of two

    [outcomes.shanghai_output]
    indicator = "output"
    city = "Shanghai"
    statistic = "final_year"

A variant changes the scenario in three ways, applied in this order: ``scenario`` (a TOML table
deep-merged into the scenario; it may add tables, e.g. a new policy or shock), ``remove``
(dotted paths of tables to delete, e.g. a policy) and ``set`` (dotted keys that must already
exist, each given a new value). Sweep values are set last, so a swept key wins over a variant.

Seeds: each run's seed comes from ``SeedSequence([seed, replicate, sweep_point])``, the run's
position in the design; variants share their seeds (common random numbers), so a difference
from the baseline is paired and tight. ``common_random_numbers = false`` adds the variant's
index to the key. Results therefore do not depend on where or in which order runs are done.

The experiment's identity is a hash of everything that decides its runs (the resolved base
scenario, variants, sweep, replicates, seed, until, scale, microdata); names, descriptions and
outcomes are left out, so editing an outcome re-summarises without re-running anything.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from helix.errors import ExperimentError, ScenarioError
from helix.scenario.load import read_toml, read_toml_file, validate
from helix.scenario.schema import Scenario, month_index

BASELINE = "baseline"
DEFAULT_OUTCOMES: dict[str, dict[str, Any]] = {
    "shanghai_output": {"indicator": "output", "city": "Shanghai", "statistic": "final_year"},
    "shanghai_unicorns": {"indicator": "unicorns", "city": "Shanghai", "statistic": "final"},
    "shanghai_vc": {"indicator": "vc_invested", "city": "Shanghai", "statistic": "final_year"},
    "shanghai_rent": {"indicator": "rent", "city": "Shanghai", "statistic": "final_year"},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_month(value: str | None) -> str | None:
    if value is not None:
        month_index(value)
    return value


class Variant(_Strict):
    """A named what-if: changes to the base scenario."""

    description: str = Field("", description="What the variant asks.")
    scenario: dict[str, Any] = Field(
        default_factory=dict,
        description="A TOML table merged into the scenario (may add policies or shocks).",
    )
    remove: list[str] = Field(
        default_factory=list, description="Dotted paths of tables to delete, e.g. a policy."
    )
    set: dict[str, Any] = Field(
        default_factory=dict, description="Dotted keys (which must exist) and their new values."
    )


class Parameter(_Strict):
    """A typed parameter with a range: an uncertainty or a lever (EMA Workbench)."""

    key: str = Field(
        description="Dotted path into the scenario, e.g. parameters.rents.depreciation."
    )
    low: float = Field(description="Lowest value swept.")
    high: float = Field(description="Highest value swept.")
    description: str = Field("", description="What the parameter means.")


class Sweep(_Strict):
    """How points are drawn over the uncertainties and levers."""

    design: Literal["grid", "latin", "sobol", "morris"] = Field(
        description="grid: full factorial; latin: Latin hypercube; sobol: Saltelli's design "
        "for Sobol indices; morris: elementary-effects trajectories (all through SALib)."
    )
    samples: int = Field(
        16,
        ge=1,
        le=1_000_000,
        description="grid: points per parameter; latin: points; sobol: N (a power of two); "
        "morris: trajectories.",
    )
    second_order: bool = Field(False, description="sobol: also estimate second-order indices.")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels.")


Statistic = Literal[
    "final", "mean", "total", "max", "min", "final_year", "change", "growth", "cagr"
]


class Outcome(_Strict):
    """A typed result read from a run's indicators (EMA Workbench's ScalarOutcome).

    Each month, the indicator is summed over the selected cities, sectors and districts (shares,
    rents and wages are averaged). Over the window ``start``..``end`` (default: the whole run;
    an end after the run's last month is clipped): ``final`` is the last month, ``mean``,
    ``total``, ``max``, ``min`` are taken over the months; ``final_year`` is the window's last
    calendar year (flows summed over its months, levels averaged), ``change``, ``growth`` and
    ``cagr`` compare the window's last year with its first.
    """

    indicator: str = Field(description="Indicator name, e.g. output, unicorns, rent.")
    city: str | None = Field(None, description="City (default: all cities).")
    sector: str | None = Field(None, description="Sector (default: all sectors).")
    district: str | None = Field(None, description="District (rent, vacancy, office_stock).")
    start: str | None = Field(None, description="First month of the window, YYYY-MM.")
    end: str | None = Field(None, description="Last month of the window, YYYY-MM.")
    statistic: Statistic = Field("final_year", description="How the window is summarised.")
    description: str = Field("", description="What the outcome measures.")

    _check_months = field_validator("start", "end")(_check_month)


class ExperimentFile(_Strict):
    """The experiment file's schema."""

    name: str = Field(description="Short name of the experiment.")
    description: str = Field("", description="The question the experiment asks.")
    scenario: str | None = Field(
        None, description="Base scenario file, relative to this file (default: shipped world)."
    )
    set: dict[str, Any] = Field(
        default_factory=dict, description="Dotted keys set in the base scenario for every run."
    )
    seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="Base seed (default: the scenario's seed)."
    )
    replicates: int = Field(10, ge=1, le=100_000, description="Seeds per variant and point.")
    until: str | None = Field(None, description="Last simulated month, YYYY-MM (a short run).")
    scale: float | None = Field(None, ge=1e-4, le=1e4, description="Agent-count multiplier.")
    microdata: bool | list[str] = Field(
        False,
        description="Keep firm events and snapshots: true, false, or a list of variants "
        "(off by default: at scale 1 they are ~30 MB a run, ten times the indicators).",
    )
    common_random_numbers: bool = Field(
        True, description="Variants share seeds, so differences from the baseline are paired."
    )
    baseline: str = Field(BASELINE, description="Variant the others are compared with.")
    confidence: float = Field(
        0.95, gt=0, lt=1, description="Level of the confidence intervals of differences."
    )
    variants: dict[str, Variant] = Field(default_factory=dict)
    uncertainties: dict[str, Parameter] = Field(default_factory=dict)
    levers: dict[str, Parameter] = Field(default_factory=dict)
    sweep: Sweep | None = None
    outcomes: dict[str, Outcome] = Field(default_factory=dict)

    _check_until = field_validator("until")(_check_month)


@dataclass(frozen=True)
class RunSpec:
    """One run of the design: its position, seed and identity."""

    run_id: str
    variant: str
    variant_index: int
    replicate: int
    sweep_point: int
    seed: int

    def position(self) -> dict[str, Any]:
        """The run's place in the experiment, as the store's ``runs`` columns want it."""
        return {
            "variant": self.variant,
            "replicate": self.replicate,
            "sweep_point": self.sweep_point,
        }


@dataclass(frozen=True)
class SweptParameter:
    """A parameter of the sweep with its bounds from the schema."""

    name: str
    role: Literal["uncertainty", "lever"]
    key: str
    low: float
    high: float
    integer: bool


@dataclass
class Experiment:
    """A resolved experiment: what to run, how to seed it and what to read from it."""

    file: str
    text: str
    spec: ExperimentFile
    base: dict[str, Any]
    variants: dict[str, Variant]
    parameters: list[SweptParameter]
    samples: np.ndarray  # sweep points x parameters, as drawn (before integer rounding)
    seed: int
    experiment_id: str
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def points(self) -> int:
        """Sweep points (1 without a sweep)."""
        return max(len(self.samples), 1)

    @property
    def total(self) -> int:
        return len(self.variants) * self.points * self.spec.replicates

    @property
    def baseline(self) -> str:
        return self.spec.baseline

    def runs(self) -> Iterator[RunSpec]:
        """Every run of the design, in a fixed order: variant, sweep point, replicate."""
        crn = self.spec.common_random_numbers
        for vi, variant in enumerate(self.variants):
            for point in range(self.points):
                for rep in range(self.spec.replicates):
                    key = [self.seed, rep, point] if crn else [self.seed, vi, rep, point]
                    yield RunSpec(
                        run_id=run_id(self.experiment_id, variant, rep, point),
                        variant=variant,
                        variant_index=vi,
                        replicate=rep,
                        sweep_point=point,
                        seed=position_seed(key),
                    )

    def point_values(self, point: int) -> dict[str, float]:
        """The swept parameters' values at a sweep point (integers rounded)."""
        if not self.parameters:
            return {}
        row = self.samples[point]
        return {
            p.key: (round(float(v)) if p.integer else float(v))
            for p, v in zip(self.parameters, row, strict=True)
        }

    def keeps_microdata(self, variant: str) -> bool:
        m = self.spec.microdata
        if isinstance(m, bool):
            return m
        return variant in m

    def scenario_data(self, spec: RunSpec) -> dict[str, Any]:
        """The run's scenario as a dict: base, variant, sweep values, seed, until."""
        data = apply_variant(self.base, self.variants[spec.variant], spec.variant, self.file)
        for key, value in self.point_values(spec.sweep_point).items():
            set_key(data, key, value, self.file, f"sweep: {key}")
        data["seed"] = spec.seed
        if self.spec.until is not None:
            shorten(data, self.spec.until)
        return data

    def scenario(self, spec: RunSpec) -> Scenario:
        """The run's validated scenario."""
        data = self.scenario_data(spec)
        try:
            return validate(data, self.file)
        except ScenarioError as exc:
            raise ExperimentError(
                exc.reason, file=self.file, key=f"variants.{spec.variant}: {exc.key}"
            ) from None

    def resolved(self) -> dict[str, Any]:
        """The resolved content (JSON), as the ``experiments`` table keeps it."""
        return {
            "name": self.spec.name,
            "baseline": self.spec.baseline,
            "spec": self.spec.model_dump(mode="json"),
            "variants": {k: v.model_dump(mode="json") for k, v in self.variants.items()},
            "parameters": [p.__dict__ for p in self.parameters],
            "seed": self.seed,
            "total": self.total,
            "base": self.base,
        }


# ----------------------------------------------------------------------------- seeds and ids


def position_seed(key: list[int]) -> int:
    """A run's seed from its position: ``SeedSequence(key)``'s first word, below 2**63."""
    state = np.random.SeedSequence(key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def run_id(experiment_id: str, variant: str, replicate: int, sweep_point: int) -> str:
    """The run's id: the same position in the same experiment always has the same id."""
    text = f"{experiment_id}/{variant}/{replicate}/{sweep_point}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _identity(spec: ExperimentFile, base: dict[str, Any], variants: dict[str, Variant]) -> str:
    content = {
        "base": base,
        "variants": {
            k: v.model_dump(mode="json", exclude={"description"}) for k, v in variants.items()
        },
        "uncertainties": {
            k: v.model_dump(exclude={"description"}) for k, v in spec.uncertainties.items()
        },
        "levers": {k: v.model_dump(exclude={"description"}) for k, v in spec.levers.items()},
        "sweep": spec.sweep.model_dump() if spec.sweep else None,
        "replicates": spec.replicates,
        "seed": spec.seed,
        "until": spec.until,
        "scale": spec.scale,
        "microdata": spec.microdata,
        "crn": spec.common_random_numbers,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------- changing scenario dicts


def _path(key: str) -> list[str]:
    return [p.strip() for p in key.split(".")]


def deep_merge(into: dict[str, Any], table: dict[str, Any]) -> None:
    """Merge ``table`` into ``into``: sub-tables recursively, other values replaced."""
    for k, v in table.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            deep_merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)


def _walk(data: Any, parts: list[str]) -> Any:
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(part)
    return node


def set_key(data: dict[str, Any], key: str, value: Any, file: str, where: str) -> None:
    """Set an existing dotted ``key`` of a scenario dict; an unknown key is an error."""
    parts = _path(key)
    try:
        parent = _walk(data, parts[:-1])
        last = parts[-1]
        if isinstance(parent, dict) and last in parent:
            parent[last] = value
            return
        if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            parent[int(last)] = value
            return
    except KeyError:
        pass
    raise ExperimentError(f"unknown key {key!r} in the scenario", file=file, key=where)


def remove_key(data: dict[str, Any], key: str, file: str, where: str) -> None:
    parts = _path(key)
    try:
        parent = _walk(data, parts[:-1])
    except KeyError:
        parent = None
    if not isinstance(parent, dict) or parts[-1] not in parent:
        raise ExperimentError(f"unknown key {key!r} in the scenario", file=file, key=where)
    del parent[parts[-1]]


def apply_variant(base: dict[str, Any], variant: Variant, name: str, file: str) -> dict[str, Any]:
    """A copy of the base scenario dict with a variant's changes."""
    data = copy.deepcopy(base)
    deep_merge(data, variant.scenario)
    for key in variant.remove:
        remove_key(data, key, file, f"variants.{name}.remove")
    if variant.set:
        # New tables merged in above get their defaults before their keys can be set.
        full = _full_dump(data, file, f"variants.{name}.scenario")
        for key, value in variant.set.items():
            set_key(full, key, value, file, f"variants.{name}.set.{key}")
        return full
    return data


def shorten(data: dict[str, Any], until: str) -> None:
    """End the run at ``until``; drop what starts (or is measured) after it, as `helix run` does."""
    last = month_index(until)
    data["end"] = until
    for table, key in (("targets", "end"), ("policies", "start"), ("shocks", "start")):
        items = data.get(table)
        if isinstance(items, dict):
            data[table] = {
                k: v
                for k, v in items.items()
                if not (isinstance(v, dict) and _month_after(v.get(key), last))
            }


def _month_after(month: Any, last: int) -> bool:
    try:
        return isinstance(month, str) and month_index(month) > last
    except ValueError:
        return False


def _full_dump(data: dict[str, Any], file: str, where: str) -> dict[str, Any]:
    """The scenario dict with every default filled in (so every key exists)."""
    try:
        return Scenario.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        reason = "unknown key" if err.get("type") == "extra_forbidden" else err.get("msg", "")
        raise ExperimentError(reason, file=file, key=f"{where}.{loc}") from None
    except ScenarioError as exc:
        raise ExperimentError(exc.reason, file=file, key=f"{where}: {exc.key}") from None


# ------------------------------------------------------------------------- parameter bounds


def parameter_bounds(key: str, data: dict[str, Any]) -> tuple[float | None, float | None, bool]:
    """Bounds (from the schema's ``ge``/``le``) and integer-ness of a numeric scenario key.

    Raises:
        KeyError: the key names no numeric parameter of the scenario.
    """
    model: Any = Scenario
    node: Any = data
    parts = _path(key)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(part)
            if info is None or not isinstance(node, dict) or part not in node:
                raise KeyError(key)
            if last:
                if info.annotation not in (int, float):
                    raise KeyError(key)
                lo = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
                hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
                return lo, hi, info.annotation is int
            model, node = info.annotation, node[part]
        elif get_origin(model) is dict:
            if not isinstance(node, dict) or part not in node or last:
                raise KeyError(key)
            model, node = get_args(model)[1], node[part]
        else:
            raise KeyError(key)
    raise KeyError(key)


def _swept(spec: ExperimentFile, base: dict[str, Any], file: str) -> list[SweptParameter]:
    out: list[SweptParameter] = []
    groups: tuple[tuple[Literal["uncertainty", "lever"], str, dict[str, Parameter]], ...] = (
        ("uncertainty", "uncertainties", spec.uncertainties),
        ("lever", "levers", spec.levers),
    )
    for role, table, params in groups:
        for name, p in params.items():
            where = f"{table}.{name}"
            try:
                lo, hi, integer = parameter_bounds(p.key, base)
            except KeyError:
                raise ExperimentError(
                    f"unknown key {p.key!r}: not a numeric parameter of the scenario",
                    file=file,
                    key=f"{where}.key",
                ) from None
            if not p.low < p.high:
                raise ExperimentError(
                    f"low ({p.low:g}) must be below high ({p.high:g})",
                    file=file,
                    key=f"{where}.low",
                )
            for bound, value in (("low", p.low), ("high", p.high)):
                if (lo is not None and value < lo) or (hi is not None and value > hi):
                    raise ExperimentError(
                        f"{value:g} is outside the bounds of {p.key} "
                        f"[{_fmt_bound(lo)}, {_fmt_bound(hi)}]",
                        file=file,
                        key=f"{where}.{bound}",
                    )
            out.append(SweptParameter(name, role, p.key, p.low, p.high, integer))
    return out


def _fmt_bound(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:g}"


# ------------------------------------------------------------------------------ the samples


def salib_problem(parameters: list[SweptParameter]) -> dict[str, Any]:
    """The SALib problem of the sweep."""
    return {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [[p.low, p.high] for p in parameters],
    }


def draw_samples(
    parameters: list[SweptParameter], sweep: Sweep | None, seed: int, file: str
) -> np.ndarray:
    """The sweep's points (rows) over its parameters (columns), deterministic in ``seed``."""
    if not parameters:
        return np.zeros((0, 0))
    if sweep is None:
        raise ExperimentError(
            "uncertainties or levers need a [sweep] table with a design", file=file, key="sweep"
        )
    problem = salib_problem(parameters)
    n = sweep.samples
    sample_seed = position_seed([seed, 0x5EED])
    if sweep.design == "grid":
        if n ** len(parameters) > 1_000_000:
            raise ExperimentError(
                f"a grid of {n}^{len(parameters)} points is too large",
                file=file,
                key="sweep.samples",
            )
        axes = [np.linspace(p.low, p.high, n) for p in parameters]
        return np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(parameters), -1).T
    if sweep.design == "latin":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, n, seed=sample_seed))
    if sweep.design == "sobol":
        if n & (n - 1) != 0:
            raise ExperimentError(
                f"a Sobol design needs N a power of two, got {n}", file=file, key="sweep.samples"
            )
        from SALib.sample import sobol

        return np.asarray(
            sobol.sample(problem, n, calc_second_order=sweep.second_order, seed=sample_seed)
        )
    from SALib.sample import morris

    return np.asarray(morris.sample(problem, n, num_levels=sweep.levels, seed=sample_seed))


# -------------------------------------------------------------------------------- outcomes


def check_outcomes(outcomes: dict[str, Outcome], base: dict[str, Any], file: str) -> None:
    """Each outcome must name a known indicator, city, sector or district."""
    from helix.world.indicators import CITY, CITY_SECTOR, DISTRICT

    for name, o in outcomes.items():
        where = f"outcomes.{name}"
        if o.indicator not in {**CITY_SECTOR, **CITY, **DISTRICT}:
            raise ExperimentError(
                f"unknown indicator {o.indicator!r}", file=file, key=f"{where}.indicator"
            )
        for attr, table in (("city", "cities"), ("sector", "sectors"), ("district", "districts")):
            value = getattr(o, attr)
            if value is not None and value not in base.get(table, {}):
                raise ExperimentError(f"unknown {attr} {value!r}", file=file, key=f"{where}.{attr}")
        if o.sector is not None and o.indicator not in CITY_SECTOR:
            raise ExperimentError(
                f"{o.indicator} has no sector breakdown", file=file, key=f"{where}.sector"
            )
        if o.district is not None and o.indicator not in DISTRICT:
            raise ExperimentError(
                f"{o.indicator} has no district breakdown", file=file, key=f"{where}.district"
            )
        first, last = month_index(base["start"]), month_index(base["end"])
        if o.start is not None and not first <= month_index(o.start) <= last:
            raise ExperimentError(
                f"{o.start} is outside the run {base['start']}..{base['end']}",
                file=file,
                key=f"{where}.start",
            )
        if o.start and o.end and month_index(o.end) < month_index(o.start):
            raise ExperimentError(
                f"{o.end} is before start {o.start}", file=file, key=f"{where}.end"
            )


def outcome_window(o: Outcome, run_start: str, run_end: str) -> tuple[str, str]:
    """The outcome's first and last month, clipped to the run."""
    start = o.start or run_start
    end = o.end or run_end
    if month_index(end) > month_index(run_end):
        end = run_end
    return start, end


# --------------------------------------------------------------------------------- loading


def _read(path: str | Path) -> tuple[dict[str, Any], str, str]:
    return read_toml_file(path, ExperimentError)


def _parse(data: dict[str, Any], label: str) -> ExperimentFile:
    try:
        return ExperimentFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            reason = "unknown key"
        elif kind == "missing":
            reason = "required key is missing"
        else:
            reason = err.get("msg", "invalid")
            if "input" in err and not isinstance(err["input"], dict):
                reason = f"{reason} (got {err['input']!r})"
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ExperimentError(reason, file=label, key=loc) from None


def _base_scenario(spec: ExperimentFile, label: str) -> dict[str, Any]:
    """The base scenario, resolved to a full dict (every default filled in)."""
    path: Path | None = None
    if spec.scenario is not None:
        path = Path(spec.scenario)
        if not path.is_absolute():
            path = Path(label).parent / path
    try:
        data, _ = read_toml(path)
    except ScenarioError as exc:
        raise ExperimentError(exc.reason, file=label, key=f"scenario ({exc.file})") from None
    if spec.scale is not None:
        data["scale"] = spec.scale
    base = _full_dump(data, label, "scenario")
    for key, value in spec.set.items():
        set_key(base, key, value, label, f"set.{key}")
    return _full_dump(base, label, "set")


def load_experiment(
    path: str | Path,
    *,
    until: str | None = None,
    scale: float | None = None,
    replicates: int | None = None,
    samples: int | None = None,
) -> Experiment:
    """Read and check an experiment file; every problem is one :class:`ExperimentError`.

    Args:
        path: The experiment's TOML file.
        until: Overrides the file's last simulated month (a shorter run).
        scale: Overrides the file's agent-count multiplier.
        replicates: Overrides the file's replicates per variant and point.
        samples: Overrides the sweep's sample count.

    Returns:
        The resolved experiment, every variant checked against the scenario schema.
    """
    data, text, label = _read(path)
    for key, value in (("until", until), ("scale", scale), ("replicates", replicates)):
        if value is not None:
            data[key] = value
    if samples is not None:
        if not isinstance(data.get("sweep"), dict):
            raise ExperimentError("--samples needs a [sweep] table", file=label, key="sweep")
        data["sweep"]["samples"] = samples
    spec = _parse(data, label)
    base = _base_scenario(spec, label)
    if spec.until is not None:
        first = month_index(base["start"])
        if month_index(spec.until) < first:
            raise ExperimentError(
                f"{spec.until} is before the start {base['start']}", file=label, key="until"
            )
    variants: dict[str, Variant] = {}
    if spec.baseline not in spec.variants:
        if spec.baseline != BASELINE:
            raise ExperimentError(f"no variant named {spec.baseline!r}", file=label, key="baseline")
        variants[BASELINE] = Variant(description="The base scenario unchanged.")
    variants.update(spec.variants)
    if isinstance(spec.microdata, list):
        for name in spec.microdata:
            if name not in variants:
                raise ExperimentError(f"no variant named {name!r}", file=label, key="microdata")
    seed = spec.seed if spec.seed is not None else int(base["seed"])
    parameters = _swept(spec, base, label)
    samples_ = draw_samples(parameters, spec.sweep, seed, label)
    outcomes = spec.outcomes or {k: Outcome(**v) for k, v in DEFAULT_OUTCOMES.items()}
    shortened = copy.deepcopy(base)
    if spec.until is not None:
        shorten(shortened, spec.until)
    check_outcomes(outcomes, shortened, label)
    exp = Experiment(
        file=label,
        text=text,
        spec=spec,
        base=base,
        variants=variants,
        parameters=parameters,
        samples=samples_,
        seed=seed,
        experiment_id=_identity(spec, base, variants),
        outcomes=outcomes,
    )
    _check_variants(exp)
    return exp


def _check_variants(exp: Experiment) -> None:
    """Build every variant (at the sweep's corners) once, so bad input fails before any run."""
    corners = [0]
    if exp.parameters:
        low = [p.low for p in exp.parameters]
        high = [p.high for p in exp.parameters]
        probe = Experiment(**{**exp.__dict__, "samples": np.array([low, high])})
        exp_to_check, corners = probe, [0, 1]
    else:
        exp_to_check = exp
    for vi, variant in enumerate(exp.variants):
        for point in corners:
            spec = RunSpec("check", variant, vi, 0, point, exp.seed)
            exp_to_check.scenario(spec)
