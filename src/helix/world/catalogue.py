"""The indicator catalogue: every series a run observes, with its unit, meaning and shape.

One table that observation (``indicators``), scenario checks, targets, experiment outcomes,
calibration and reports all read, so that an indicator's name, whether it is a flow or a level
and how it aggregates are decided once (a leaf module: it imports nothing of helix).

- ``dims``: ``city_sector`` (months × cities × sectors), ``city`` or ``district``.
- ``flow``: a per-month quantity; a year of it is the sum of its months (levels: the mean).
- ``intensive``: a share, price or wage; several cells of it (sectors, districts) are averaged
  within a month, not summed, and it does not grow with the run's ``scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dims = Literal["city_sector", "city", "district"]

UNICORN_USD = 1e9
"""A private firm valued at this or more is a unicorn (the report's "valued over $1 billion")."""


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    meaning: str
    dims: Dims
    intensive: bool = False

    @property
    def flow(self) -> bool:
        """A per-month quantity: years of it are sums."""
        return self.unit.endswith("/month") and not self.intensive


def _table(dims: Dims, rows: dict[str, tuple[str, str]], intensive: set[str]) -> list[Indicator]:
    return [Indicator(n, u, m, dims, n in intensive or u == "share") for n, (u, m) in rows.items()]


_CITY_SECTOR = {
    "output": ("yuan/month", "revenue of the city's firms in the sector"),
    "employment": ("people", "employees of living firms"),
    "firms": ("firms", "living firms"),
    "births": ("firms/month", "firms founded (researchers' spin-offs included)"),
    "spinoffs": ("firms/month", "firms founded by researchers of the city's institutions"),
    "deaths": ("firms/month", "firms that failed"),
    "vc_invested": ("USD/month", "private VC money raised by the city's firms"),
    "vc_total": ("USD/month", "VC money raised by the city's firms, private and state"),
    "deals": ("rounds/month", "VC rounds closed"),
    "unicorns": ("firms", "private firms valued at $1B or more"),
    "top4_share": ("share", "revenue share of the four largest firms"),
    "rd_reported": ("yuan/month", "R&D reported for tax purposes"),
    "rd_real": ("yuan/month", "R&D actually spent"),
    "tax_expenditure": ("yuan/month", "R&D tax break's cost to the state"),
    "subsidies": ("yuan/month", "grants paid to young firms"),
    "ip_disputes": ("disputes/month", "IP disputes filed against imitators"),
    "ipos": ("firms/month", "listings"),
    "acquisitions": ("firms/month", "firms bought by their sector's leader"),
    "input_availability": ("share", "share of imported inputs available (export controls)"),
}
_CITY = {
    "cross_city_deals": ("rounds/month", "rounds in the city led by funds from elsewhere"),
    "talent_inflow": ("people/month", "engineers arriving: migrants, returnees, foreigners"),
    "talent_outflow": ("people/month", "engineers leaving: migrants and graduates going abroad"),
    "foreign_inflow": ("people/month", "foreign engineers arriving"),
    "graduates": ("people/month", "graduates entering the talent pool"),
    "abroad": ("people/month", "top graduates leaving for the global hub"),
    "returnees": ("people/month", "engineers coming home from abroad"),
    "talent_pool": ("people", "engineers looking for work"),
    "wage": ("yuan/month", "engineer wage"),
    "top_graduate_abroad_share": ("share", "share of top graduates going abroad"),
    "government_support_share": ("share", "government support over support plus private VC"),
    "state_vc": ("USD/month", "VC invested in the city by government guidance funds"),
    "relocations_in": ("firms/month", "firms moving in from another city"),
    "relocations_out": ("firms/month", "firms moving out to another city"),
    "relocations_within": ("firms/month", "firms moving to another district of the same city"),
    "hires_short_of_space": ("people/month", "wanted hires turned away for lack of office space"),
    "office_starts": ("m²/month", "office construction started"),
    "office_withdrawn": ("m²/month", "rental office space converted to other uses under a cap"),
    "researchers": ("people", "staff of the city's research institutions"),
    "research_budget": ("yuan/month", "research institutions' spending (government + contracts)"),
    "research_output": ("papers/month", "publications and patents of its research institutions"),
    "research_contracts": ("yuan/month", "contract research paid by firms to its institutions"),
}
_DISTRICT = {
    "rent": ("yuan/m²/month", "office rent"),
    "vacancy": ("share", "vacant office space"),
    "office_stock": ("m²", "office space"),
}

INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        _table("city_sector", _CITY_SECTOR, set())
        + _table("city", _CITY, {"wage"})
        + _table("district", _DISTRICT, {"rent"})
    )
}
"""Every indicator by name, in the order runs store them."""


def names(dims: Dims) -> list[str]:
    """The indicators of one shape, in catalogue order."""
    return [i.name for i in INDICATORS.values() if i.dims == dims]
