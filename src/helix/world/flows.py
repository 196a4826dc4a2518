"""What the mechanisms hand each other and observation within a month: the month's flows.

One typed field per flow, so a misspelt name fails at once instead of reading as zeros. Each
field declares its shape (``city_sector``: cities × sectors, ``city``: cities,
``district_sector``: districts × sectors) and whether it is carried over: a carried flow is last
month's value until the mechanism that writes it acts again this month (read earlier in the
month by a mechanism that comes before its writer in the schedule). Every other flow starts each
month at zero, so a mechanism that books nothing this month (no entrant, no move) leaves zeros.

A field whose name is an indicator of :mod:`helix.world.catalogue` is observed as that
indicator directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Literal

import numpy as np

Shape = Literal["city_sector", "city", "district_sector"]


# Field metadata: the flow's shape, and whether it is carried over to the next month.
_CS = MappingProxyType({"shape": "city_sector", "carried": False})
_C = MappingProxyType({"shape": "city", "carried": False})
_DS = MappingProxyType({"shape": "district_sector", "carried": False})
_CS_CARRIED = MappingProxyType({"shape": "city_sector", "carried": True})
_C_CARRIED = MappingProxyType({"shape": "city", "carried": True})


@dataclass(slots=True)
class Flows:
    """This month's flows (units per month unless said otherwise)."""

    # Carried over from last month: read before their writer acts again.
    real_output: np.ndarray = field(metadata=_CS_CARRIED)  # at base prices; shocks
    margin: np.ndarray = field(metadata=_CS_CARRIED)  # profit over revenue; founding
    hiring_demand: np.ndarray = field(metadata=_C_CARRIED)  # engineers wanted; talent
    value_created: np.ndarray = field(metadata=_C_CARRIED)  # VC markups + exits, USD; funding
    # knowledge
    firm_count: np.ndarray = field(metadata=_DS)  # living firms (a level, for crowding)
    # operations (yuan)
    output: np.ndarray = field(metadata=_CS)  # revenue
    rd_real: np.ndarray = field(metadata=_CS)
    rd_reported: np.ndarray = field(metadata=_CS)
    tax_expenditure: np.ndarray = field(metadata=_CS)
    subsidies: np.ndarray = field(metadata=_CS)
    hires_short_of_space: np.ndarray = field(metadata=_C)  # people its office space turned away
    # disputes
    ip_disputes: np.ndarray = field(metadata=_CS)  # filed (after the filing lag)
    # talent (people)
    graduates: np.ndarray = field(metadata=_C)
    abroad: np.ndarray = field(metadata=_C)
    returnees: np.ndarray = field(metadata=_C)
    foreign_inflow: np.ndarray = field(metadata=_C)
    talent_inflow: np.ndarray = field(metadata=_C)
    talent_outflow: np.ndarray = field(metadata=_C)
    top_graduate_abroad_share: np.ndarray = field(metadata=_C)  # a share, not a count
    # founding
    births: np.ndarray = field(metadata=_CS)
    lab_support: np.ndarray = field(metadata=_C)  # yuan of lab equipment given to entrants
    # funding (USD, rounds)
    vc_invested: np.ndarray = field(metadata=_CS)  # by private funds
    vc_total: np.ndarray = field(metadata=_CS)  # by private and guidance funds
    deals: np.ndarray = field(metadata=_CS)
    cross_city_deals: np.ndarray = field(metadata=_C)  # rounds led by funds from other cities
    state_vc: np.ndarray = field(metadata=_C)  # invested by guidance funds
    # exits (firms)
    deaths: np.ndarray = field(metadata=_CS)
    ipos: np.ndarray = field(metadata=_CS)
    acquisitions: np.ndarray = field(metadata=_CS)
    # rents (m² of office space)
    office_starts: np.ndarray = field(metadata=_C)  # construction started
    office_withdrawn: np.ndarray = field(metadata=_C)  # rental space converted under a cap
    # research
    research_budget: np.ndarray = field(metadata=_C)  # institutions' spending, yuan
    researchers: np.ndarray = field(metadata=_C)  # staff in post (a level)
    research_output: np.ndarray = field(metadata=_C)  # publications and patents
    research_contracts: np.ndarray = field(metadata=_C)  # paid by firms to institutions, yuan
    spinoffs: np.ndarray = field(metadata=_CS)  # firms founded by researchers
    # relocation (firms)
    relocations_in: np.ndarray = field(metadata=_C)  # from another city
    relocations_out: np.ndarray = field(metadata=_C)  # to another city
    relocations_within: np.ndarray = field(metadata=_C)  # to another district of the same city

    @classmethod
    def zeros(cls, n_cities: int, n_sectors: int, n_districts: int) -> Flows:
        """Every flow at zero (the month before the first)."""
        dims = {
            "city_sector": (n_cities, n_sectors),
            "city": (n_cities,),
            "district_sector": (n_districts, n_sectors),
        }
        return cls(**{f.name: np.zeros(dims[f.metadata["shape"]]) for f in fields(cls)})

    def next_month(self) -> Flows:
        """A new month: carried flows keep last month's values, the others start at zero."""
        return Flows(
            **{
                f.name: getattr(self, f.name)
                if f.metadata["carried"]
                else np.zeros_like(getattr(self, f.name), dtype=float)
                for f in fields(self)
            }
        )


FLOW_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Flows))
CARRIED: frozenset[str] = frozenset(f.name for f in fields(Flows) if f.metadata["carried"])
"""The flows carried from one month to the next (declared on the fields above)."""
