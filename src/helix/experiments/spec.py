"""The experiment file's schema (pydantic): variants, swept parameters, the sweep, outcomes.

Every problem with a file becomes one :class:`~helix.errors.ExperimentError` naming the file
and key (:func:`helix.experiments.design.load_experiment`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from helix.errors import ExperimentError
from helix.scenario.suggest import did_you_mean
from helix.world.calendar import month_index
from helix.world.catalogue import INDICATORS

BASELINE = "baseline"


class _Strict(BaseModel):
    # No float of an experiment file means anything as NaN or infinity (a sweep over [0, inf]
    # draws nothing usable), as in the scenario schema.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


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
        default_factory=list,
        description="Dotted keys to delete (they must exist): a table, e.g. a policy, or a "
        "field, which returns to its default.",
    )
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="Dotted keys and their new values: a field of the world, or an entry (new "
        "or not) of a named collection such as a shock; a table merges "
        "(helix.scenario.overrides).",
    )


class Parameter(_Strict):
    """A typed parameter with a range: an uncertainty or a lever (EMA Workbench)."""

    key: str = Field(
        description="Dotted path of a number of the base world (the scenario after the file's "
        "`set`, which may add the shock or policy swept), e.g. parameters.rents.depreciation."
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
    "final", "mean", "total", "max", "min", "final_year", "change", "growth", "cagr", "city_ratio"
]
"""An outcome's statistic: one of :mod:`helix.experiments.measures`' statistics over a window."""

KEEP_CHOICES = ("outcomes", "all")
"""The words ``keep`` takes besides a list of indicators (:mod:`helix.experiments.keep`)."""


class Outcome(_Strict):
    """A typed result read from a run's indicators (EMA Workbench's ScalarOutcome).

    Each month, the indicator is summed over the selected cities, sectors and districts (shares,
    rents and wages are averaged). Over the window ``start``..``end`` (default: the whole run;
    an end after the run's last month is clipped): ``final`` is the last month, ``mean``,
    ``total``, ``max``, ``min`` are taken over the months; ``final_year`` is the window's last
    calendar year (flows summed over its months, levels averaged), ``change``, ``growth`` and
    ``cagr`` compare the window's last year with its first; ``city_ratio`` is the window's last
    year in ``city`` over the same year in ``other_city`` (T3 reads Shanghai's private VC over
    Beijing's so).
    """

    indicator: str = Field(description="Indicator name, e.g. output, unicorns, rent.")
    city: str | None = Field(None, description="City (default: all cities).")
    other_city: str | None = Field(
        None, description="city_ratio: the city in the denominator (city is the numerator)."
    )
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
        default_factory=dict,
        description="Dotted keys set in the base scenario for every run, by the rule of a "
        "variant's `set` (a new shock or policy may be added here, then swept).",
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
    keep: str | list[str] = Field(
        "outcomes",
        description='Indicators stored for each run: "outcomes" (the indicators the outcomes '
        'and the channel read), "all", or a list of indicator names kept beside those '
        "(helix.experiments.keep); a run keeps every indicator of the channel city when its "
        "channel is traced.",
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
    channel: list[str] = Field(
        default_factory=list,
        max_length=64,
        description="The chain of indicators a lever is expected to act through, in order, "
        'e.g. ["vc_total", "deals", "deaths", "employment", "output"]; each is traced in the '
        "variant's focus city (helix.experiments.channels).",
    )
    channel_city: str | None = Field(
        None,
        description="The city the channel is traced in (default: the base scenario's focus "
        "city); a lever that acts elsewhere, such as Hefei's research budget, is traced there.",
    )

    _check_until = field_validator("until")(_check_month)

    @field_validator("keep")
    @classmethod
    def _known_keep(cls, keep: str | list[str]) -> str | list[str]:
        # A word that is neither choice, or a name that is no indicator, is a typo: fail at
        # once rather than keep less than the user meant.
        if isinstance(keep, str):
            if keep in INDICATORS:
                raise ValueError(f'a list of indicators is written keep = ["{keep}"]')
            if keep not in KEEP_CHOICES:
                raise ValueError(
                    f'{keep!r} is neither "outcomes", "all" nor a list of indicators'
                    f"{did_you_mean(keep, list(KEEP_CHOICES))}"
                )
            return keep
        for name in keep:
            if name not in INDICATORS:
                raise ValueError(
                    f"unknown indicator {name!r}{did_you_mean(name, list(INDICATORS))}"
                )
        twice = sorted({n for n in keep if keep.count(n) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} is named twice")
        return keep

    @field_validator("channel")
    @classmethod
    def _known_links(cls, channel: list[str]) -> list[str]:
        # Each link is an indicator the trace can read, named once (a chain has no loops).
        for name in channel:
            if name not in INDICATORS:
                raise ValueError(f"unknown indicator {name!r}")
        twice = sorted({n for n in channel if channel.count(n) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} is named twice")
        return channel


def check_outcomes(outcomes: dict[str, Outcome], base: dict[str, Any], file: str) -> None:
    """Each outcome must name a known indicator, city, sector or district."""
    for name, o in outcomes.items():
        where = f"outcomes.{name}"
        if o.indicator not in INDICATORS:
            raise ExperimentError(
                f"unknown indicator {o.indicator!r}{did_you_mean(o.indicator, list(INDICATORS))}",
                file=file,
                key=f"{where}.indicator",
            )
        places = (
            ("city", "cities"),
            ("other_city", "cities"),
            ("sector", "sectors"),
            ("district", "districts"),
        )
        for attr, table in places:
            value = getattr(o, attr)
            known = list(base.get(table, {}))
            if value is not None and value not in known:
                raise ExperimentError(
                    f"unknown {attr} {value!r}{did_you_mean(value, known)}",
                    file=file,
                    key=f"{where}.{attr}",
                )
        _check_city_ratio(o, where, file)
        if o.sector is not None and INDICATORS[o.indicator].dims != "city_sector":
            raise ExperimentError(
                f"{o.indicator} has no sector breakdown", file=file, key=f"{where}.sector"
            )
        if o.district is not None and INDICATORS[o.indicator].dims != "district":
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


def _check_city_ratio(o: Outcome, where: str, file: str) -> None:
    """A city ratio names both cities and no district; no other statistic names a second city."""
    if o.statistic != "city_ratio":
        if o.other_city is not None:
            raise ExperimentError(
                'other_city is read only by statistic = "city_ratio"',
                file=file,
                key=f"{where}.other_city",
            )
        return
    for attr in ("city", "other_city"):
        if getattr(o, attr) is None:
            raise ExperimentError(
                "city_ratio needs city (the numerator) and other_city (the denominator)",
                file=file,
                key=f"{where}.{attr}",
            )
    if o.district is not None:
        raise ExperimentError(
            "city_ratio compares whole cities, not a district", file=file, key=f"{where}.district"
        )


def outcome_window(o: Outcome, run_start: str, run_end: str) -> tuple[str, str]:
    """The outcome's first and last month, clipped to the run."""
    start = o.start or run_start
    end = o.end or run_end
    if month_index(end) > month_index(run_end):
        end = run_end
    return start, end
