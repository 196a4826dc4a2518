"""What is observed each month, per (city, sector), per city and per district.

All series are kept as dense arrays (months x cities x sectors, months x cities, months x
districts) and turned into the store's long form by :meth:`Observations.long_form`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from helix.world import kernels
from helix.world.catalogue import INDICATORS, UNICORN_USD, Indicator, names
from helix.world.coded import Coded
from helix.world.flows import FLOW_NAMES, Flows
from helix.world.setting import Setting
from helix.world.state import STAGE_PUBLIC, World


def _units(indicators: list[Indicator]) -> dict[str, tuple[str, str]]:
    return {i.name: (i.unit, i.meaning) for i in indicators}


# (unit, meaning) by name, for the modules that have not moved to the catalogue yet.
UNITS = _units(list(INDICATORS.values()))
CITY_SECTOR = {n: UNITS[n] for n in names("city_sector")}
CITY = {n: UNITS[n] for n in names("city")}
DISTRICT = {n: UNITS[n] for n in names("district")}


def top4_share(setting: Setting, world: World) -> np.ndarray:
    """Revenue share of each (city, sector)'s four largest firms (sums largest first)."""
    f = world.firms
    ns = setting.n_sectors
    cell = f.view("city") * ns + f.view("sector")
    top, total = kernels.top_k_sums(
        cell, f.view("revenue"), setting.n_cities * ns, 4, where=f.view("alive")
    )
    return (top / np.maximum(total, 1e-300)).reshape(setting.n_cities, ns) * (total > 0).reshape(
        setting.n_cities, ns
    )


OBSERVED_FLOWS: tuple[str, ...] = tuple(n for n in INDICATORS if n in FLOW_NAMES)
"""The indicators observed as the month's flow of the same name."""
READ_OFF_STATE: tuple[str, ...] = (
    "employment",
    "firms",
    "unicorns",
    "top4_share",
    "input_availability",
    "talent_pool",
    "wage",
    "government_support_share",
    "rent",
    "vacancy",
    "office_stock",
)
"""The indicators :meth:`Observations.observe` reads off the state (each by its own rule)."""


def _support_share(
    setting: Setting,
    flows: Flows,
    cs: dict[str, np.ndarray],
    c: dict[str, np.ndarray],
    t: int,
) -> np.ndarray:
    """Government support (tax breaks, subsidies, labs, state VC) over support plus private VC."""
    usd_yuan = setting.params.funding.usd_yuan
    state_vc = c["state_vc"][t] * usd_yuan
    support = (
        cs["tax_expenditure"][t].sum(axis=1)
        + cs["subsidies"][t].sum(axis=1)
        + flows.lab_support
        + state_vc
    )
    vc = cs["vc_invested"][t].sum(axis=1) * usd_yuan  # private only
    return support / np.maximum(support + vc, 1e-300)


@dataclass
class Observations:
    """Monthly series of one run, indexed by step.

    Every indicator of the catalogue is kept: one that is a field of
    :class:`~helix.world.flows.Flows` is copied from the month's flows, the others are read off
    the world's state (:meth:`observe`).
    """

    months: list[str]
    cities: list[str]
    districts: list[str]
    sectors: list[str]
    district_city: np.ndarray
    city_sector: dict[str, np.ndarray] = field(default_factory=dict)
    city: dict[str, np.ndarray] = field(default_factory=dict)
    district: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def empty(cls, setting: Setting) -> Observations:
        t, nc, ns, nd = setting.steps, setting.n_cities, setting.n_sectors, setting.n_districts
        return cls(
            months=[setting.month_label(i) for i in range(t)],
            cities=setting.cities,
            districts=setting.districts,
            sectors=setting.sectors,
            district_city=setting.district_city,
            city_sector={k: np.zeros((t, nc, ns)) for k in names("city_sector")},
            city={k: np.zeros((t, nc)) for k in names("city")},
            district={k: np.zeros((t, nd)) for k in names("district")},
        )

    def series(self, name: str) -> np.ndarray:
        """The months × cells array of indicator ``name``."""
        dims = INDICATORS[name].dims
        table = self.city_sector if dims == "city_sector" else getattr(self, dims)
        return table[name]

    def observe(self, setting: Setting, world: World) -> None:
        t = world.step
        flows = world.flows
        for name in OBSERVED_FLOWS:
            self.series(name)[t] = getattr(flows, name)
        f = world.firms
        nc, ns = setting.n_cities, setting.n_sectors
        alive = f.view("alive")
        cell = f.view("city") * ns + f.view("sector")
        cs = self.city_sector
        private_unicorn = (
            alive & (f.view("stage") < STAGE_PUBLIC) & (f.view("valuation_usd") >= UNICORN_USD)
        )
        employment, firms, unicorns = kernels.group_sums(
            cell, nc * ns, f.view("employees"), alive, private_unicorn, where=alive
        )
        cs["employment"][t] = employment.reshape(nc, ns)
        cs["firms"][t] = firms.reshape(nc, ns)
        cs["unicorns"][t] = unicorns.reshape(nc, ns)
        cs["top4_share"][t] = top4_share(setting, world)
        cs["input_availability"][t] = world.chips.availability

        c = self.city
        c["talent_pool"][t] = world.talent.pool
        c["wage"][t] = world.talent.wage
        c["government_support_share"][t] = _support_share(setting, flows, cs, c, t)

        d = self.district
        d["rent"][t] = world.offices.rent_per_m2
        d["vacancy"][t] = world.offices.vacancy
        d["office_stock"][t] = world.offices.stock_m2

    def long_form(self, *, coded: bool = False) -> dict[str, np.ndarray | Coded]:
        """Columns month, city, district, sector, indicator, value (one row per series point).

        With ``coded``, the string columns come as :class:`~helix.coded.Coded` (codes into the
        label lists, ``None`` for a missing district or sector): the same rows, cheaper to store.
        """
        if coded:
            return self._long_form_coded()
        months = np.asarray(self.months)
        cities = np.asarray(self.cities)
        sectors = np.asarray(self.sectors)
        districts = np.asarray(self.districts)
        t = len(months)
        parts: list[dict[str, np.ndarray]] = []
        nc, ns, nd = len(cities), len(sectors), len(districts)
        for name, arr in self.city_sector.items():
            m = t * nc * ns
            parts.append(
                {
                    "month": np.repeat(months, nc * ns),
                    "city": np.tile(np.repeat(cities, ns), t),
                    "district": np.full(m, None, object),
                    "sector": np.tile(sectors, t * nc),
                    "indicator": np.full(m, name),
                    "value": arr.reshape(-1),
                }
            )
        for name, arr in self.city.items():
            m = t * nc
            parts.append(
                {
                    "month": np.repeat(months, nc),
                    "city": np.tile(cities, t),
                    "district": np.full(m, None, object),
                    "sector": np.full(m, None, object),
                    "indicator": np.full(m, name),
                    "value": arr.reshape(-1),
                }
            )
        for name, arr in self.district.items():
            m = t * nd
            parts.append(
                {
                    "month": np.repeat(months, nd),
                    "city": np.tile(cities[self.district_city], t),
                    "district": np.tile(districts, t),
                    "sector": np.full(m, None, object),
                    "indicator": np.full(m, name),
                    "value": arr.reshape(-1),
                }
            )
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _long_form_coded(self) -> dict[str, np.ndarray | Coded]:
        t = len(self.months)
        nc, ns, nd = len(self.cities), len(self.sectors), len(self.districts)
        steps = np.arange(t, dtype=np.int32)
        city_codes = np.arange(nc, dtype=np.int32)
        sector_codes = np.arange(ns, dtype=np.int32)
        district_codes = np.arange(nd, dtype=np.int32)
        district_city = np.asarray(self.district_city, dtype=np.int32)
        names: list[str] = []
        parts: list[dict[str, np.ndarray]] = []
        for name, arr in self.city_sector.items():
            m = t * nc * ns
            parts.append(
                {
                    "month": np.repeat(steps, nc * ns),
                    "city": np.tile(np.repeat(city_codes, ns), t),
                    "district": np.full(m, nd, np.int32),
                    "sector": np.tile(sector_codes, t * nc),
                    "indicator": np.full(m, len(names), np.int32),
                    "value": arr.reshape(-1),
                }
            )
            names.append(name)
        for name, arr in self.city.items():
            m = t * nc
            parts.append(
                {
                    "month": np.repeat(steps, nc),
                    "city": np.tile(city_codes, t),
                    "district": np.full(m, nd, np.int32),
                    "sector": np.full(m, ns, np.int32),
                    "indicator": np.full(m, len(names), np.int32),
                    "value": arr.reshape(-1),
                }
            )
            names.append(name)
        for name, arr in self.district.items():
            m = t * nd
            parts.append(
                {
                    "month": np.repeat(steps, nd),
                    "city": np.tile(district_city, t),
                    "district": np.tile(district_codes, t),
                    "sector": np.full(m, ns, np.int32),
                    "indicator": np.full(m, len(names), np.int32),
                    "value": arr.reshape(-1),
                }
            )
            names.append(name)
        cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        labels: dict[str, list[str | None]] = {
            "month": list(self.months),
            "city": list(self.cities),
            "district": [*self.districts, None],
            "sector": [*self.sectors, None],
            "indicator": names,
        }
        return {k: Coded(v, labels[k]) if k in labels else v for k, v in cols.items()}
