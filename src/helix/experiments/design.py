"""What to run: the experiment file (TOML), validated like a scenario, and its resolved design.

In EMA Workbench's terms an experiment crosses *variants* (named policy what-ifs, each a set of
changes to a base scenario) with a *sweep* over typed parameters with ranges (*uncertainties*,
what nobody controls, and *levers*, what policy controls) and with *replicates* (seeds), and
reads typed *outcomes* from each run's indicators. An example::

    name = "no-tax-break"
    replicates = 20
    until = "2030-12"                  # optional: a shorter run
    scale = 0.5                        # optional: fewer agents
    keep = "outcomes"                  # stored per run: "outcomes", "all" or indicator names

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
scenario, variants, sweep, replicates, seed, until, scale, microdata); names, descriptions,
outcomes and ``keep`` are left out, so editing an outcome re-summarises without re-running
anything, unless it reads an indicator the runs did not keep: those runs are run again, with
the same seeds (:mod:`helix.experiments.keep`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from helix.errors import ExperimentError, ScenarioError
from helix.experiments.spec import BASELINE, ExperimentFile, Outcome, Variant, check_outcomes
from helix.experiments.sweeps import (
    SweptParameter,
    draw_samples,
    position_seed,
    swept_parameters,
)
from helix.experiments.variants import apply_variant, full_dump, set_key, shorten
from helix.scenario.load import read_toml, read_toml_file, shipped_worlds, validate
from helix.scenario.memory import check_memory
from helix.scenario.schema import Scenario
from helix.scenario.suggest import looks_like_scenario, unknown_key_reason
from helix.world.calendar import month_index


def default_outcomes(base: dict[str, Any]) -> dict[str, Outcome]:
    """The outcomes of a file that names none: output, unicorns, VC and rent of the base
    scenario's focus city (the city whose ``role`` is ``"core"``), named after it."""
    cities = base.get("cities", {})
    focus = next((c for c, v in cities.items() if v.get("role") == "core"), next(iter(cities)))
    prefix = focus.lower().replace(" ", "_").replace("-", "_")
    return {
        f"{prefix}_{name}": Outcome(indicator=indicator, city=focus, statistic=statistic)
        for name, indicator, statistic in (
            ("output", "output", "final_year"),
            ("unicorns", "unicorns", "final"),
            ("vc", "vc_invested", "final_year"),
            ("rent", "rent", "final_year"),
        )
    }


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
    warnings: list[str] = field(default_factory=list)
    """One line each: what in the file has no effect on its runs (see :func:`idle_variants`)."""

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


def _read(path: str | Path) -> tuple[dict[str, Any], str, str]:
    return read_toml_file(path, ExperimentError)


def _parse(data: dict[str, Any], label: str) -> ExperimentFile:
    if looks_like_scenario(data):
        raise ExperimentError(
            f"a scenario file, not an experiment: run it with `helix run {label}`", file=label
        )
    try:
        return ExperimentFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            reason = unknown_key_reason(ExperimentFile, tuple(err["loc"]))
        elif kind == "missing":
            reason = "required key is missing"
        elif kind == "value_error":  # a validator of the schema: its message names the value
            reason = err.get("msg", "invalid").removeprefix("Value error, ")
        else:
            reason = err.get("msg", "invalid")
            if "input" in err and not isinstance(err["input"], dict):
                reason = f"{reason} (got {err['input']!r})"
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ExperimentError(reason, file=label, key=loc) from None


def _base_scenario(spec: ExperimentFile, label: str) -> dict[str, Any]:
    """The base scenario, resolved to a full dict (every default filled in)."""
    path: Path | str | None = None
    if spec.scenario is not None:
        path = Path(spec.scenario)
        if not path.is_absolute():
            path = Path(label).parent / path
        if not path.exists() and spec.scenario in shipped_worlds():
            path = spec.scenario  # a shipped world, by name
    try:
        data, _ = read_toml(path)
    except ScenarioError as exc:
        raise ExperimentError(exc.reason, file=label, key=f"scenario ({exc.file})") from None
    if spec.scale is not None:
        data["scale"] = spec.scale
    base = full_dump(data, label, "scenario")
    for key, value in spec.set.items():
        set_key(base, key, value, label, f"set.{key}")
    return full_dump(base, label, "set")


def load_experiment(
    path: str | Path,
    *,
    until: str | None = None,
    scale: float | None = None,
    replicates: int | None = None,
    samples: int | None = None,
    keep: str | list[str] | None = None,
) -> Experiment:
    """Read and check an experiment file; every problem is one :class:`ExperimentError`.

    Args:
        path: The experiment's TOML file.
        until: Overrides the file's last simulated month (a shorter run).
        scale: Overrides the file's agent-count multiplier.
        replicates: Overrides the file's replicates per variant and point.
        samples: Overrides the sweep's sample count.
        keep: Overrides the file's ``keep`` (``"outcomes"``, ``"all"`` or indicator names).

    Returns:
        The resolved experiment, every variant checked against the scenario schema.
    """
    data, text, label = _read(path)
    overrides = (("until", until), ("scale", scale), ("replicates", replicates), ("keep", keep))
    for key, value in overrides:
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
        horizon = base.get("horizon") or base["end"]
        if month_index(spec.until) > month_index(horizon):
            raise ExperimentError(
                f"{spec.until} is past the world's horizon {horizon}, the last month its "
                "figures are meant for (a world may declare a later `horizon`)",
                file=label,
                key="until",
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
    parameters = swept_parameters(spec, base, label)
    samples_ = draw_samples(parameters, spec.sweep, seed, label)
    outcomes = spec.outcomes or default_outcomes(base)
    shortened = copy.deepcopy(base)
    if spec.until is not None:
        shorten(shortened, spec.until)
    check_outcomes(outcomes, shortened, label)
    if spec.channel_city is not None and spec.channel_city not in base.get("cities", {}):
        raise ExperimentError(f"unknown city {spec.channel_city!r}", file=label, key="channel_city")
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
    exp.warnings = idle_variants(exp)
    return exp


def _differences(base: Any, other: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """The dotted paths where two scenario dicts differ, with the two values."""
    if isinstance(base, dict) and isinstance(other, dict):
        out: list[tuple[str, Any, Any]] = []
        for k in dict.fromkeys([*base, *other]):
            out += _differences(base.get(k), other.get(k), f"{path}.{k}" if path else str(k))
        return out
    return [] if base == other else [(path, base, other)]


def _month_after(value: Any, last: int) -> bool:
    try:
        return isinstance(value, str) and month_index(value) > last
    except ValueError:
        return False


def _ends_after(end: Any, last: int) -> bool:
    """An end after the run's last month, or none (the item lasts to the end of the run)."""
    return end is None or _month_after(end, last)


def idle_variants(exp: Experiment) -> list[str]:
    """A warning for each variant whose every change falls outside its runs.

    A policy or shock that starts after the run's last month is dropped from the run (as
    ``helix run --until`` drops it), and moving an end that lies after the last month changes
    nothing either: such a variant is the baseline under another name, and its differences
    are zero by construction, not by finding. Compared at the first sweep point.
    """
    last_month = exp.spec.until or str(exp.base["end"])
    last = month_index(last_month)

    def long_and_short(variant: str) -> tuple[dict[str, Any], dict[str, Any]]:
        data = apply_variant(exp.base, exp.variants[variant], variant, exp.file)
        for key, value in exp.point_values(0).items():
            set_key(data, key, value, exp.file, f"sweep: {key}")
        long = full_dump(data, exp.file, f"variants.{variant}")
        short = copy.deepcopy(long)
        shorten(short, last_month)
        return long, full_dump(short, exp.file, f"variants.{variant}")

    base_long, base_short = long_and_short(exp.baseline)
    warnings: list[str] = []
    for variant in exp.variants:
        if variant == exp.baseline:
            continue
        long, short = long_and_short(variant)
        effective = [
            (path, old, new)
            for path, old, new in _differences(base_short, short)
            if not (
                path.split(".")[0] in ("policies", "shocks")
                and path.endswith(".end")
                and _ends_after(old, last)
                and _ends_after(new, last)
            )
        ]
        if effective:
            continue
        reasons = []
        for table, kind in (("policies", "policy"), ("shocks", "shock")):
            for name, item in long.get(table, {}).items():
                dropped = name not in short.get(table, {})
                if dropped and item != base_long.get(table, {}).get(name):
                    reasons.append(f"{kind} {name!r} starts {item.get('start')}")
        for path, _, new in _differences(base_short, short):
            reasons.append(f"{path} = {new or 'none'} is after it")
        why = "; ".join(reasons) if reasons else "it is the baseline unchanged"
        warnings.append(
            f"{exp.file}: variants.{variant}: changes nothing in runs that end {last_month} "
            f"({why}); its differences from {exp.baseline} will be zero"
        )
    return warnings


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
            world = exp_to_check.scenario(spec)
            try:
                check_memory(world, keep_firms=exp.keeps_microdata(variant))
            except ScenarioError as exc:
                raise ExperimentError(exc.reason, file=exp.file, key="scale") from None
