"""What happens to a world and what it should reproduce: dated policies, shocks and targets."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from helix.world.calendar import month_index
from helix.world.parameters.base import P, Strict

Month = str


def check_month(value: str | None) -> str | None:
    if value is not None:
        month_index(value)
    return value


class Policy(Strict):
    kind: Literal[
        "visa",
        "rd_tax_break",
        "shared_labs",
        "subsidy",
        "guidance_fund",
        "rent_cap",
        "rail",
        "support_withdrawal",
        "population_control",
        "research_budget",
        "tech_transfer",
    ] = Field(description="Which lever.")
    cities: list[str] = Field(description="Cities it applies to (for rail: the linked cities).")
    sectors: list[str] = Field(default_factory=list, description="Sectors it targets (empty: all).")
    start: Month = Field(description="First month in force, YYYY-MM.")
    end: Month | None = Field(None, description="Last month in force, YYYY-MM (open if absent).")
    value: float = P(
        0.0,
        0,
        100,
        "depends on kind",
        "visa: multiplier on foreign inflow; rd_tax_break: extra deduction rate on R&D (rates of "
        "several policies in force add up); "
        "rent_cap: max rent growth per year; rail: travel-time multiplier; population_control: "
        "share of the engineers migrating in from other Chinese cities let in, in (0, 1]; "
        "research_budget: multiplier on the government budgets of its cities' research "
        "institutions (in its sectors; several multiply); tech_transfer: multiplier on "
        "researchers' spin-off rate in its cities (researchers may hold equity and take leave); "
        "others unused.",
    )
    budget_yuan: float = P(
        0.0,
        0,
        1e14,
        "yuan",
        "shared_labs: equipment budget; subsidy: grants per year; guidance_fund: capital "
        "committed to the state fund at start; others: programme budget.",
    )

    reach: Literal["home", "national"] = Field(
        "home",
        description="guidance_fund: invest only in its own city (home) or in every Chinese city "
        "by deal flow and quality (national, e.g. the National IC Industry Investment Fund).",
    )

    _check_start = field_validator("start", "end")(check_month)


class Shock(Strict):
    kind: Literal["export_control", "vc_downturn", "demand_shock"] = Field(description="What hits.")
    cities: list[str] = Field(
        default_factory=list,
        description="Cities hit (empty: all in China); demand_shock: the markets these cities "
        "sell in are hit, China's or the market abroad (empty: every market).",
    )
    sectors: list[str] = Field(default_factory=list, description="Sectors hit (empty: all).")
    start: Month = Field(description="First month of the shock, YYYY-MM.")
    end: Month | None = Field(
        None, description="Last month (vc_downturn, demand_shock), YYYY-MM; open if absent."
    )
    severity: float = P(
        0.3,
        0,
        1,
        "share",
        "export_control: share of imported inputs lost; vc_downturn: fall in VC deployment; "
        "demand_shock: share of the sector's market lost.",
    )

    _check_start = field_validator("start", "end")(check_month)


class Ablation(Strict):
    """The mechanism that earns a target and the switch that removes it (pattern-oriented
    modelling, Grimm et al. 2005): the target should hold with the mechanism and fail without
    it, on the mean over seeds (``helix validate --ablations``)."""

    mechanism: str = Field(description="The mechanism that produces the target, in one line.")
    removed: str = Field(description="What the ablation switches off, in a few words.")
    overrides: dict[str, float | int | bool | str] = Field(
        min_length=1,
        description="Settings that remove the mechanism, KEY.PATH = VALUE as `--set` takes "
        "them (quote the dotted key in TOML).",
    )

    def as_overrides(self) -> list[str]:
        """The overrides as ``--set`` texts, ``KEY.PATH=VALUE``."""
        return [f"{key}={_toml_value(value)}" for key, value in self.overrides.items()]


def _toml_value(value: float | int | bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    return repr(value)


class Target(Strict):
    indicator: str = Field(description="Indicator in the store, e.g. output, unicorns, rent.")
    statistic: Literal[
        "cagr", "level", "ratio", "growth", "city_ratio", "recovery_months", "change"
    ]
    city: str = Field(description="City the indicator is read for.")
    other_city: str | None = Field(None, description="city_ratio: the city in the denominator.")
    sector: str | None = Field(None, description="Restrict to one sector.")
    start: Month = Field(description="First month or year of the comparison (YYYY-MM).")
    end: Month = Field(description="Second month or year of the comparison (YYYY-MM).")
    observed: float = Field(description="The report's value.")
    tolerance: float = Field(description="Accepted distance from observed (> 0).")
    comparison: Literal["within", "at_most", "falls", "crosses"] = Field(
        "within", description="How simulated and observed are compared."
    )
    source: str = Field("", description="Where the observed value comes from.")
    recovered: float = Field(
        1.0,
        gt=0,
        le=1,
        description="recovery_months: the share of the fall to regain (1: back at the level of "
        "the month before start; 0.5: half the way back from the lowest point).",
    )
    ablation: Ablation | None = Field(
        None, description="The mechanism that earns the target and the switch that removes it."
    )

    check_months = field_validator("start", "end")(check_month)

    @field_validator("recovered")
    @classmethod
    def _recovered_is_for_recoveries(cls, v: float, info: ValidationInfo) -> float:
        # A field validator (``statistic`` is validated before it), so the error names the key.
        if v != 1.0 and info.data.get("statistic") != "recovery_months":
            raise ValueError("recovered is read only by the statistic recovery_months")
        return v

    @field_validator("tolerance")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("tolerance must be above 0")
        return v
