"""What is observed each month, per (city, sector), per city and per district.

All series are kept as dense arrays (months x cities x sectors, months x cities, months x
districts) and turned into the store's long form by :meth:`Observations.long_form`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from helix.coded import Coded
from helix.world import kernels
from helix.world.setting import Setting
from helix.world.state import STAGE_PUBLIC, World

UNICORN_USD = 1e9

# name: (unit, meaning)
CITY_SECTOR = {
    "output": ("yuan/month", "revenue of the city's firms in the sector"),
    "employment": ("people", "employees of living firms"),
    "firms": ("firms", "living firms"),
    "births": ("firms/month", "firms founded"),
    "deaths": ("firms/month", "firms that failed"),
    "vc_invested": ("USD/month", "VC money raised by the city's firms"),
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
CITY = {
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
    "relocations_in": ("firms/month", "firms moving in"),
    "relocations_out": ("firms/month", "firms moving out"),
}
DISTRICT = {
    "rent": ("yuan/m²/month", "office rent"),
    "vacancy": ("share", "vacant office space"),
    "office_stock": ("m²", "office space"),
}
UNITS = {**CITY_SECTOR, **CITY, **DISTRICT}


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


@dataclass
class Observations:
    """Monthly series of one run, indexed by step."""

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
            city_sector={k: np.zeros((t, nc, ns)) for k in CITY_SECTOR},
            city={k: np.zeros((t, nc)) for k in CITY},
            district={k: np.zeros((t, nd)) for k in DISTRICT},
        )

    def observe(self, setting: Setting, world: World) -> None:
        t = world.step
        flows = world.flows
        f = world.firms
        nc, ns = setting.n_cities, setting.n_sectors
        alive = f.view("alive")
        cell = f.view("city") * ns + f.view("sector")
        zero = np.zeros((nc, ns))
        cs = self.city_sector
        cs["output"][t] = flows.get("revenue_cs", zero)
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
        for name, key in (
            ("births", "births_cs"),
            ("deaths", "deaths_cs"),
            ("vc_invested", "vc_invested_cs"),
            ("deals", "deals_cs"),
            ("rd_reported", "rd_reported_cs"),
            ("rd_real", "rd_real_cs"),
            ("tax_expenditure", "tax_expenditure_cs"),
            ("subsidies", "subsidies_cs"),
            ("ip_disputes", "ip_disputes_cs"),
            ("ipos", "ipos_cs"),
            ("acquisitions", "acquisitions_cs"),
        ):
            cs[name][t] = flows.get(key, zero)

        c = self.city
        zc = np.zeros(nc)
        for name in (
            "cross_city_deals",
            "talent_inflow",
            "talent_outflow",
            "foreign_inflow",
            "graduates",
            "abroad",
            "returnees",
            "top_graduate_abroad_share",
            "relocations_in",
            "relocations_out",
        ):
            c[name][t] = flows.get(name if name != "cross_city_deals" else "cross_city_deals_c", zc)
        c["state_vc"][t] = flows.get("state_vc_c", zc)
        c["talent_pool"][t] = world.talent.pool
        c["wage"][t] = world.talent.wage
        usd_yuan = setting.params.funding.usd_yuan
        state_vc = c["state_vc"][t] * usd_yuan
        support = (
            cs["tax_expenditure"][t].sum(axis=1)
            + cs["subsidies"][t].sum(axis=1)
            + flows.get("lab_support_c", zc)
            + state_vc
        )
        vc = cs["vc_invested"][t].sum(axis=1) * usd_yuan - state_vc
        c["government_support_share"][t] = support / np.maximum(support + vc, 1e-300)

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
