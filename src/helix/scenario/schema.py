"""What a world is: the pydantic schema of a scenario, the whole of it in :class:`Scenario`.

The parts live by responsibility: the world's entities (``entities``), its policies, shocks and
targets (``measures``) and the model's parameters (``helix.world.parameters``, which the world
reads); they are re-exported here so ``helix.scenario.schema`` names every model of a scenario.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from helix.errors import ScenarioError
from helix.scenario.compile import compile_scenario
from helix.scenario.consistency import check_world
from helix.scenario.entities import (
    City,
    District,
    Network,
    Relatedness,
    Research,
    Sector,
    TravelTime,
)
from helix.scenario.measures import Ablation, Month, Policy, Shock, Target, check_month
from helix.world.calendar import MONTH_PATTERN, month_index, month_label
from helix.world.parameters import (
    Chips,
    Disputes,
    Exits,
    Founding,
    Funding,
    Growth,
    Initial,
    Knowledge,
    Labs,
    P,
    Parameters,
    Rd,
    Rents,
    Strict,
    Talent,
)
from helix.world.setting import Inputs


class CalibratedParameter(Strict):
    low: float = Field(description="Lower bound of the search.")
    high: float = Field(description="Upper bound of the search.")


class Scenario(Strict):
    """A whole world: geography, sectors, agents at the start, policies, shocks, parameters."""

    name: str = Field(description="Short name, stored with every run.")
    description: str = Field("", description="What this world is.")
    start: Month = Field(description="First simulated month.")
    end: Month = Field(description="Last simulated month.")
    present: Month | None = Field(
        None,
        description="The present of the world's source (the month its figures describe), shown "
        "beside the first and last years in summaries; none if the world has no such month.",
    )
    horizon: Month | None = Field(
        None,
        description="The last month a run of this world may reach: its figures and parameters "
        "are meant for the years up to it (default: its `end`). `--until` past it is refused.",
    )
    seed: int = P(0, 0, 2**63 - 1, "", "Seed of the run's random stream.")
    scale: float = P(1.0, 1e-4, 1e4, "ratio", "Multiplies agent counts and extensive quantities.")
    sectors: dict[str, Sector]
    cities: dict[str, City]
    districts: dict[str, District]
    travel_time: TravelTime
    relatedness: Relatedness
    research: dict[str, Research] = Field(default_factory=dict)
    networks: dict[str, Network] = Field(
        default_factory=dict,
        description="Special knowledge networks, e.g. an urban quantum network.",
    )
    policies: dict[str, Policy] = Field(default_factory=dict)
    shocks: dict[str, Shock] = Field(default_factory=dict)
    parameters: Parameters = Field(default_factory=Parameters)
    targets: dict[str, Target] = Field(default_factory=dict)
    calibration: dict[str, CalibratedParameter] = Field(
        default_factory=dict,
        description="Parameters (dotted paths) left free for calibration, with search bounds.",
    )

    check_months = field_validator("start", "end", "present", "horizon")(check_month)

    @model_validator(mode="before")
    @classmethod
    def _legacy_network_flags(cls, data: Any) -> Any:
        """Read the old ``research.NAME.quantum_network = true`` flags (stored runs made before
        ``[networks]``) as one network of the flagged institutions over their sector."""
        if not isinstance(data, dict) or not isinstance(data.get("research"), dict):
            return data
        flagged = [
            (name, r.get("sector"))
            for name, r in data["research"].items()
            if isinstance(r, dict) and "quantum_network" in r and r["quantum_network"]
        ]
        if not any(
            isinstance(r, dict) and "quantum_network" in r for r in data["research"].values()
        ):
            return data
        data = {
            **data,
            "research": {
                name: {k: v for k, v in r.items() if k != "quantum_network"}
                if isinstance(r, dict)
                else r
                for name, r in data["research"].items()
            },
        }
        sectors = {sector for _, sector in flagged}
        if flagged and not data.get("networks") and len(sectors) == 1:
            data["networks"] = {
                "quantum-network": {"sector": sectors.pop(), "members": [n for n, _ in flagged]}
            }
        return data

    @property
    def focus_city(self) -> str:
        """The city the world is about (role "core"), else its first city."""
        roles = {name: city.role for name, city in self.cities.items()}
        return next((c for c, role in roles.items() if role == "core"), next(iter(roles)))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.horizon is not None and month_index(self.end) > month_index(self.horizon):
            raise ScenarioError(f"{self.end} is past the world's horizon {self.horizon}", key="end")
        check_world(self)
        return self

    @property
    def months(self) -> int:
        return month_index(self.end) - month_index(self.start) + 1

    def world_inputs(self) -> Inputs:
        """The world's inputs compiled from this scenario (what ``helix.world`` runs)."""
        return compile_scenario(self)

    def month_of(self, month: str) -> int:
        """Step index of a ``YYYY-MM`` month within this run."""
        return month_index(month) - month_index(self.start)


__all__ = [
    "MONTH_PATTERN",
    "Ablation",
    "CalibratedParameter",
    "Chips",
    "City",
    "Disputes",
    "District",
    "Exits",
    "Founding",
    "Funding",
    "Growth",
    "Initial",
    "Knowledge",
    "Labs",
    "Month",
    "Network",
    "P",
    "Parameters",
    "Policy",
    "Rd",
    "Relatedness",
    "Rents",
    "Research",
    "Scenario",
    "Sector",
    "Shock",
    "Strict",
    "Talent",
    "Target",
    "TravelTime",
    "month_index",
    "month_label",
]
