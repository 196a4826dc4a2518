"""The model's parameters, one group per mechanism (the ``Parameters`` field a mechanism reads).

Every parameter carries its unit, bounds and a one-line meaning (``P``). The defaults here are the
literature's values (their source is in the meaning) or marked assumptions; a world's TOML
overrides what was tuned to its source. docs/model.md explains each in context.
"""

from __future__ import annotations

from pydantic import Field

from helix.world.parameters.base import P, Strict
from helix.world.parameters.firms import Disputes, Exits, Founding, Growth, Initial, Knowledge, Rd
from helix.world.parameters.markets import Chips, Funding, Labs, Rents, Talent
from helix.world.parameters.research import Research


class Parameters(Strict):
    initial: Initial = Field(default_factory=Initial)
    knowledge: Knowledge = Field(default_factory=Knowledge)
    founding: Founding = Field(default_factory=Founding)
    growth: Growth = Field(default_factory=Growth)
    exits: Exits = Field(default_factory=Exits)
    funding: Funding = Field(default_factory=Funding)
    rents: Rents = Field(default_factory=Rents)
    talent: Talent = Field(default_factory=Talent)
    rd: Rd = Field(default_factory=Rd)
    labs: Labs = Field(default_factory=Labs)
    research: Research = Field(default_factory=Research)
    disputes: Disputes = Field(default_factory=Disputes)
    chips: Chips = Field(default_factory=Chips)


__all__ = [
    "Chips",
    "Disputes",
    "Exits",
    "Founding",
    "Funding",
    "Growth",
    "Initial",
    "Knowledge",
    "Labs",
    "P",
    "Parameters",
    "Rd",
    "Rents",
    "Research",
    "Strict",
    "Talent",
]
