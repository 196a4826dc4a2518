"""helix from Python: a run whose outcomes are read in memory, for notebooks and model drivers.

::

    import helix

    world = helix.load_scenario(
        "tiny-corridor",
        overrides={"parameters.rents.natural_vacancy": 0.12},  # Python values, numpy included
        remove=["shocks.device-export-controls"],
        until="2022-12",
    )
    result = helix.simulate(world)
    result.frame("output", by="city", freq="year")  # a pandas DataFrame, one row per year and city
    result.outcome(indicator="output", city="Alder", statistic="cagr")  # a float
    result.city_ratio("vc_total", "Alder", "Cedar", 2022)

Every number is measured by :mod:`helix.experiments.measures`, as experiments, targets and
reports measure a stored run: cells summed within a month (shares, rents and wages averaged), a
year of a flow the sum of its months and of a level their mean, and (by default) an extensive
indicator divided by the run's ``scale``, so that figures are at the size of the real world. An
outcome is the one an experiment file's ``[outcomes.NAME]`` table defines, measured by the same
function a worker uses; nothing goes through SQL or a store.

Frames are pandas DataFrames: pandas is already installed with helix (SALib, a dependency,
requires it) and is what the EMA Workbench reads and writes; polars would be a second
dataframe library of ~40 MB for the same few columns. pandas is imported when a frame is made,
so ``import helix`` (and every ``helix`` command) does not pay for it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from helix.errors import ExperimentError
from helix.experiments import measures
from helix.experiments.spec import Outcome, check_outcomes
from helix.experiments.summary import outcome_value
from helix.scenario.suggest import unknown_key_reason
from helix.world.catalogue import INDICATORS
from helix.world.simulation import Compiled, Progress, RunResult
from helix.world.simulation import simulate as simulate_world

if TYPE_CHECKING:
    import pandas as pd

Freq = Literal["month", "year"]
PLACES = ("city", "sector", "district")
"""The breakdowns a frame's places may follow, in the order of its columns."""


class Result(RunResult):
    """A :class:`~helix.world.simulation.RunResult` whose outcomes can be read in memory."""

    @classmethod
    def of(cls, run: RunResult) -> Result:
        """The same run as a :class:`Result` (its arrays are shared, not copied)."""
        if isinstance(run, cls):
            return run
        return cls(**{f.name: getattr(run, f.name) for f in dataclasses.fields(run)})

    @property
    def scale(self) -> float:
        """The run's agent-count multiplier (1 if its scenario does not say)."""
        return float(getattr(self.scenario, "scale", 1.0))

    def frame(
        self,
        indicator: str,
        *,
        city: str | None = None,
        sector: str | None = None,
        district: str | None = None,
        by: str | Sequence[str] = (),
        freq: Freq = "month",
        real_size: bool = True,
    ) -> pd.DataFrame:
        """One indicator as a tidy frame: one row per period and place.

        Args:
            indicator: a name of :data:`helix.world.catalogue.INDICATORS` (``output``, ``rent``...).
            city, sector, district: the cells measured (None: all of them), summed within a month
                (averaged for shares, rents and wages).
            by: the breakdowns that make the places, among ``"city"``, ``"sector"`` and
                ``"district"`` (those the indicator has); empty: the selection as one place.
            freq: ``"month"`` (a ``month`` column, ``YYYY-MM``) or ``"year"`` (a ``year`` column;
                a flow's months summed, a level's averaged).
            real_size: divide an extensive indicator by the run's ``scale``, as outcomes are.

        Returns:
            Columns ``month`` or ``year``, then ``city``, ``sector``, ``district`` where the
            selection or ``by`` names them (a district's city beside it), then ``value``.

        Raises:
            ExperimentError: an unknown indicator, city, sector or district, a breakdown the
                indicator does not have, or an unknown ``freq``; the key names the argument.
        """
        import pandas as pd  # here, not at the top: see the module's docstring

        obs = self.observations
        breakdowns = [by] if isinstance(by, str) else list(by)
        self._check(Outcome(indicator=indicator, city=city, sector=sector, district=district))
        if freq not in ("month", "year"):
            raise ExperimentError(f"unknown frequency {freq!r}: month or year", key="freq")
        dims = {"city_sector": ("city", "sector"), "city": ("city",), "district": PLACES[::2]}
        for name in breakdowns:
            if name not in dims[INDICATORS[indicator].dims]:
                raise ExperimentError(f"{indicator} has no {name} breakdown", key="by")
        chosen = {"city": city, "sector": sector, "district": district}
        factor = measures.scaled(indicator, "level", 1.0, self.scale) if real_size else 1.0
        columns: dict[str, list[Any]] = {freq: []}
        labels = [p for p in PLACES if p in breakdowns or chosen[p] is not None]
        if "district" in labels and "city" not in labels:
            labels.insert(0, "city")
        columns.update({label: [] for label in labels})
        columns["value"] = []
        for place in self._places(breakdowns, chosen):
            s = measures.series(obs, indicator, **place)
            if freq == "year":
                yearly = s.yearly()
                periods: list[Any] = list(yearly)
                values = list(yearly.values())
            else:
                periods, values = list(s.months), s.values.tolist()
            columns[freq].extend(periods)
            for label in labels:
                columns[label].extend([place[label]] * len(periods))
            columns["value"].extend(v * factor for v in values)
        return pd.DataFrame(columns)

    def _places(
        self, breakdowns: list[str], chosen: dict[str, str | None]
    ) -> list[dict[str, str | None]]:
        """The selection of each place: ``chosen`` with each breakdown's name filled in."""
        obs = self.observations
        if "district" in breakdowns:
            # A district lies in one city: its city is a label, not a second breakdown.
            return [
                {**chosen, "city": obs.cities[int(obs.district_city[i])], "district": name}
                for i, name in enumerate(obs.districts)
                if chosen["district"] in (None, name)
                and chosen["city"] in (None, obs.cities[int(obs.district_city[i])])
            ]
        options = {
            "city": obs.cities if chosen["city"] is None else [chosen["city"]],
            "sector": obs.sectors if chosen["sector"] is None else [chosen["sector"]],
        }
        varied = [p for p in ("city", "sector") if p in breakdowns]
        return [
            {**chosen, **dict(zip(varied, names, strict=True))}
            for names in itertools.product(*(options[p] for p in varied))
        ]

    def outcome(
        self, outcome: Outcome | Mapping[str, Any] | None = None, /, **fields: Any
    ) -> float:
        """One experiment outcome of this run, given as an :class:`Outcome`, as the mapping an
        experiment file's ``[outcomes.NAME]`` table holds, or as its fields
        (``indicator="output", city="Alder", statistic="cagr", start="2021-01"``).

        Returns:
            The value a worker would store for the run (NaN if it cannot be measured).

        Raises:
            ExperimentError: a field the outcome does not have, a wrong value, an unknown
                indicator, city, sector or district, or a window outside the run.
        """
        if outcome is not None and fields:
            raise ExperimentError("give an outcome or its fields, not both", key="outcome")
        spec = _outcome(outcome if outcome is not None else fields, "")
        self._check(spec)
        return outcome_value(self.observations, spec, self.scale)

    def outcomes(self, outcomes: Mapping[str, Outcome | Mapping[str, Any]]) -> dict[str, float]:
        """Several outcomes by name, as an experiment file's ``[outcomes]`` table defines them."""
        specs = {name: _outcome(o, f"outcomes.{name}") for name, o in outcomes.items()}
        self._check_all(specs)
        return {name: outcome_value(self.observations, o, self.scale) for name, o in specs.items()}

    def city_ratio(
        self,
        indicator: str,
        city: str,
        other_city: str,
        year: int | None = None,
        *,
        sector: str | None = None,
    ) -> float:
        """``city``'s year of the indicator over ``other_city``'s (a target's ``city_ratio``:
        T3 reads Shanghai's VC over Beijing's); ``year`` defaults to the run's last year."""
        for name in (city, other_city):
            self._check(Outcome(indicator=indicator, city=name, sector=sector))
        last = int(self.observations.months[-1][:4])
        return measures.city_ratio(
            self.observations,
            indicator,
            city,
            other_city,
            last if year is None else year,
            sector=sector,
        )

    def _check(self, spec: Outcome) -> None:
        """:func:`check_outcomes` for one outcome; the error's key names the argument."""
        try:
            self._check_all({"": spec})
        except ExperimentError as exc:
            raise ExperimentError(
                exc.reason, key=(exc.key or "").removeprefix("outcomes..")
            ) from None

    def _check_all(self, specs: dict[str, Outcome]) -> None:
        """The checks an experiment file's outcomes get, against this run's world."""
        obs = self.observations
        world = {
            "cities": dict.fromkeys(obs.cities),
            "sectors": dict.fromkeys(obs.sectors),
            "districts": dict.fromkeys(obs.districts),
            "start": obs.months[0],
            "end": obs.months[-1],
        }
        try:
            check_outcomes(specs, world, "")
        except ExperimentError as exc:
            raise ExperimentError(exc.reason, key=exc.key) from None


def _outcome(given: Outcome | Mapping[str, Any], where: str) -> Outcome:
    """An :class:`Outcome` from itself or its fields; a problem is one error naming the field."""
    if isinstance(given, Outcome):
        return given
    if not isinstance(given, Mapping):
        raise ExperimentError(
            "an outcome is a table of its fields or an Outcome", key=where or None
        )
    try:
        return Outcome.model_validate(dict(given))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        reason = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            reason = unknown_key_reason(Outcome, loc)
        elif err.get("type") == "missing":
            reason = "required key is missing"
        elif "input" in err:
            reason = f"{reason} (got {err['input']!r})"
        key = ".".join([where, *map(str, loc)]) if where else ".".join(map(str, loc))
        raise ExperimentError(reason, key=key) from None


def simulate(
    scenario: Compiled, progress: Progress | None = None, *, keep_firms: bool = True
) -> Result:
    """Run a scenario (:func:`helix.load_scenario`); the same scenario and seed give the same
    result. ``keep_firms=False`` skips firm events and snapshots."""
    return Result.of(simulate_world(scenario, progress, keep_firms=keep_firms))


__all__ = ["Outcome", "Result", "simulate"]
