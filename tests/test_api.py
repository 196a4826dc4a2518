"""helix from a notebook: a world from Python values, a run, and its outcomes read in memory,
with no string building and no SQL (issue 14)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import helix
from helix.world.simulation import simulate as simulate_world

TINY = "tiny-corridor"
UNTIL = "2022-12"
SHOCK = {"kind": "vc_downturn", "start": "2021-06", "end": "2022-06", "severity": 0.5}
OVERRIDES = {
    "parameters.rents.natural_vacancy": np.float64(0.12),
    "parameters.founding.team_size": np.int64(4),
    "shocks.vc-2021": SHOCK,
}
REMOVED = ["shocks.device-export-controls"]
AS_TEXT = [
    "parameters.rents.natural_vacancy=0.12",
    "parameters.founding.team_size=4",
    'shocks.vc-2021={kind="vc_downturn", start="2021-06", end="2022-06", severity=0.5}',
]


@functools.cache
def notebook_run() -> helix.Result:
    world = helix.load_scenario(TINY, overrides=OVERRIDES, remove=REMOVED, until=UNTIL, seed=3)
    return helix.simulate(world)


def test_a_notebook_drives_helix_with_a_dict_and_reads_outcomes_in_memory() -> None:
    result = notebook_run()
    assert isinstance(result, helix.RunResult)
    world = result.scenario
    assert world.parameters.rents.natural_vacancy == 0.12
    assert world.shocks["vc-2021"].severity == 0.5
    assert "device-export-controls" not in world.shocks

    yearly = result.frame("output", by="city", freq="year")
    assert list(yearly.columns) == ["year", "city", "value"]
    assert len(yearly) == 3 * len(world.cities)
    by_year = yearly.set_index(["year", "city"])["value"]

    # A year of a flow is the sum of its months, a year of a level (rent) their mean.
    monthly = result.frame("output", city="Alder")
    assert list(monthly.columns) == ["month", "city", "value"] and len(monthly) == 36
    in_2021 = monthly["month"].str.startswith("2021")
    assert by_year[2021, "Alder"] == pytest.approx(monthly.loc[in_2021, "value"].sum())
    rent = result.frame("rent", city="Alder")
    rent_yearly = result.frame("rent", city="Alder", freq="year").set_index("year")["value"]
    assert rent_yearly[2021] == pytest.approx(rent.loc[in_2021, "value"].mean())

    # An experiment outcome, defined as an experiment file defines it, measured on the run.
    assert result.outcome(indicator="output", city="Alder") == pytest.approx(by_year[2022, "Alder"])
    growth = result.outcome({"indicator": "output", "city": "Alder", "statistic": "cagr"})
    assert growth == pytest.approx((by_year[2022, "Alder"] / by_year[2020, "Alder"]) ** 0.5 - 1)
    named = result.outcomes(
        {
            "alder_output": {"indicator": "output", "city": "Alder"},
            "vacancy": {"indicator": "vacancy", "city": "Birch", "statistic": "mean"},
        }
    )
    assert set(named) == {"alder_output", "vacancy"} and 0 <= named["vacancy"] <= 1
    assert named["alder_output"] == pytest.approx(by_year[2022, "Alder"])

    # A city ratio, as target T3 reads one city's venture capital over another's.
    vc = result.frame("vc_total", by="city", freq="year").set_index(["year", "city"])["value"]
    ratio = result.city_ratio("vc_total", "Alder", "Cedar")
    if vc[2022, "Cedar"] > 0:
        assert ratio == pytest.approx(vc[2022, "Alder"] / vc[2022, "Cedar"])
    else:
        assert math.isnan(ratio)


def test_places_follow_the_breakdowns_asked_for() -> None:
    result = notebook_run()
    world = result.scenario
    cells = result.frame("output", by=["city", "sector"], freq="year")
    assert list(cells.columns) == ["year", "city", "sector", "value"]
    assert len(cells) == 3 * len(world.cities) * len(world.sectors)
    # The cells add up to the whole: a flow is summed over cells within a month.
    whole = result.frame("output", freq="year").set_index("year")["value"]
    assert cells.groupby("year")["value"].sum().tolist() == pytest.approx(whole.tolist())
    districts = result.frame("rent", by="district", freq="year")
    assert list(districts.columns) == ["year", "city", "district", "value"]
    assert len(districts) == 3 * len(world.districts)
    assert {(r.city, r.district) for r in districts.itertuples()} == {
        (d.city, name) for name, d in world.districts.items()
    }


def test_frames_are_at_the_size_of_the_real_world_as_outcomes_are() -> None:
    run = helix.simulate(helix.load_scenario(TINY, until="2020-12", scale=0.5))
    raw = run.frame("output", freq="year", real_size=False)["value"]
    assert run.frame("output", freq="year")["value"].tolist() == pytest.approx((raw / 0.5).tolist())
    assert run.outcome(indicator="output") == pytest.approx(raw.iloc[-1] / 0.5)
    rent = run.frame("rent", freq="year")["value"]  # a price does not grow with the scale
    assert rent.tolist() == run.frame("rent", freq="year", real_size=False)["value"].tolist()


def test_the_dict_and_the_text_overrides_give_bit_identical_runs() -> None:
    as_text = helix.load_scenario(TINY, AS_TEXT, remove=REMOVED, until=UNTIL, seed=3)
    assert as_text == notebook_run().scenario
    a, b = notebook_run(), helix.Result.of(simulate_world(as_text))
    for table in ("city_sector", "city", "district"):
        mine, theirs = getattr(a.observations, table), getattr(b.observations, table)
        assert mine.keys() == theirs.keys()
        for name in mine:
            assert np.array_equal(mine[name], theirs[name], equal_nan=True), name
    for name in a.events:
        assert np.array_equal(a.events[name], b.events[name]), name
    assert a.frame("output", by="city").equals(b.frame("output", by="city"))


BAD_OVERRIDES = {
    "unknown key": (
        {"parameters.rents.natral_vacancy": 0.1},
        "parameters.rents.natral_vacancy",
        "unknown key (did you mean 'natural_vacancy'?)",
    ),
    "malformed value": (
        {"parameters.rents.natural_vacancy": [0.1, 0.2]},
        "parameters.rents.natural_vacancy",
        "valid number",
    ),
    "value of no scenario type": (
        {"parameters.rents.natural_vacancy": {1, 2}},
        "parameters.rents.natural_vacancy",
        "'set' is not a scenario value",
    ),
}


@pytest.mark.parametrize("case", list(BAD_OVERRIDES))
def test_bad_overrides_are_one_error_naming_the_key(case: str) -> None:
    overrides, key, reason = BAD_OVERRIDES[case]
    with pytest.raises(helix.ScenarioError) as info:
        helix.load_scenario(TINY, overrides=overrides)
    assert info.value.key == key and reason in info.value.reason
    assert str(info.value).count("\n") == 0


def test_removing_a_key_that_does_not_exist_is_one_error_naming_it() -> None:
    with pytest.raises(helix.ScenarioError) as info:
        helix.load_scenario(TINY, remove=["shocks.device-export-control"])
    assert info.value.key == "shocks.device-export-control"
    assert info.value.reason == (
        "nothing to remove: not one of the shocks (did you mean 'device-export-controls'?)"
    )


@pytest.mark.parametrize(
    ("ask", "key", "reason"),
    [
        (lambda r: r.frame("outptu"), "indicator", "did you mean 'output'"),
        (lambda r: r.frame("output", city="Aldr"), "city", "did you mean 'Alder'"),
        (lambda r: r.frame("output", by="district"), "by", "output has no district breakdown"),
        (lambda r: r.frame("output", freq="week"), "freq", "month or year"),
        (lambda r: r.outcome(indicator="output", statistc="cagr"), "statistc", "unknown key"),
        (lambda r: r.outcome(indicator="output", statistic="median"), "statistic", "'median'"),
        (
            lambda r: r.outcomes({"late": {"indicator": "output", "start": "2030-01"}}),
            "outcomes.late.start",
            "outside the run",
        ),
        (lambda r: r.city_ratio("vc_total", "Alder", "Nowhere"), "city", "unknown city"),
    ],
)
def test_a_bad_question_to_a_run_is_one_error_naming_the_argument(ask, key, reason) -> None:
    with pytest.raises(helix.ExperimentError) as info:
        ask(notebook_run())
    assert info.value.key == key and reason in info.value.reason


def test_the_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From Python", 1)[1].split("\n## ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Alder" in printed and printed.rstrip().endswith("%")
