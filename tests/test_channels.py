"""Paired effects and the channel trace: which mechanisms a lever moved, by how much, in order."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helix.experiments import measures
from helix.experiments.channels import (
    LEVELS,
    ORDER,
    Link,
    Trace,
    mechanism_of,
    trace_experiment,
    trace_links,
)
from helix.experiments.design import load_experiment
from helix.experiments.measures import Series, paired_difference
from helix.experiments.summary import variant_rows
from helix.report.channels import channel_table
from helix.store.experiments import OutcomeValue
from helix.world.calendar import month_label
from helix.world.catalogue import INDICATORS

ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------------ paired differences


def test_a_paired_difference_is_the_mean_of_differences_with_a_t_interval() -> None:
    d = paired_difference([3.0, 5.0, 4.0], [1.0, 2.0, 3.0])  # differences 2, 3, 1
    half = 4.302652729911275 / np.sqrt(3)  # t(0.975, 2) * sd 1 / sqrt(3)
    assert d.mean == pytest.approx(2.0)
    assert (d.low, d.high) == (pytest.approx(2 - half), pytest.approx(2 + half))
    assert d.n == 3 and d.base == pytest.approx(2.0)
    assert d.relative(d.mean) == pytest.approx(1.0)
    assert not d.resolved  # the interval reaches below zero


def test_pairing_resolves_an_effect_hidden_in_the_spread_between_seeds() -> None:
    rng = np.random.default_rng(0)
    seeds = rng.normal(100.0, 30.0, 10)  # what each seed's world is, shared by both runs
    baseline = seeds + rng.normal(0, 0.5, 10)
    variant = seeds - 5.0 + rng.normal(0, 0.5, 10)
    d = paired_difference(variant, baseline)
    assert d.resolved and d.high is not None and d.high < 0
    assert d.mean == pytest.approx(-5.0, abs=1.0)
    shuffled = paired_difference(variant, baseline[::-1])  # the same runs, pairs broken
    assert not shuffled.resolved


def test_identical_runs_are_no_effect_and_nan_pairs_are_left_out() -> None:
    same = paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same.mean == 0.0 and not same.resolved
    d = paired_difference([1.0, float("nan"), 5.0], [0.0, 1.0, 3.0])
    assert d.n == 2 and d.mean == pytest.approx(1.5)
    assert paired_difference([], []).n == 0
    assert paired_difference([2.0], [1.0]).low is None


def test_relative_rows_are_the_difference_over_the_baseline_mean() -> None:
    exp = load_experiment(ROOT / "examples" / "tiny-corridor-what-if.toml", replicates=3)
    base = {0: 10.0, 1: 20.0, 2: 30.0}
    values = [OutcomeValue(f"b{r}", "baseline", r, 0, "core_output", v) for r, v in base.items()]
    values += [
        OutcomeValue(f"v{r}", "fast-rail", r, 0, "core_output", v - 2.0 - r)
        for r, v in base.items()
    ]
    rows = {
        (r.variant, r.statistic): r
        for r in variant_rows(values, exp, {})
        if r.outcome == "core_output"
    }
    diff, rel = rows[("fast-rail", "difference")], rows[("fast-rail", "relative")]
    assert diff.value == pytest.approx(-3.0)
    assert rel.value == pytest.approx(-3.0 / 20.0)
    assert rel.low == pytest.approx(diff.low / 20.0)
    assert ("baseline", "relative") not in rows


# --------------------------------------------------------------------------- attribution


def test_every_indicator_belongs_to_a_mechanism_of_the_schedule() -> None:
    for name in INDICATORS:
        assert mechanism_of(name) in ORDER, name
    assert mechanism_of("deaths") == "exits"
    assert mechanism_of("vc_total") == "funding"
    assert mechanism_of("no_such_indicator") == "state"
    assert set(LEVELS) <= set(INDICATORS)


# ------------------------------------------------------------------------ synthetic traces

MONTHS = [month_label(i) for i in range(12 * 2024, 12 * 2029)]  # 2024-01 .. 2028-12


def _run(rng: np.random.Generator, shifts: dict[str, tuple[str, float]]) -> dict[str, Series]:
    """A run of four indicators around 100 a month; ``shifts`` moves one from a month on."""
    out = {}
    for name in ("vc_total", "deaths", "output", "wage", "births"):
        values = 100.0 + rng.normal(0, 0.5, len(MONTHS))
        if name in shifts:
            month, by = shifts[name]
            values[MONTHS.index(month) :] += by
        out[name] = Series(name, MONTHS, values)
    return out


def _pairs(n: int = 6) -> tuple[list[dict[str, Series]], list[dict[str, Series]]]:
    variant, baseline = [], []
    for seed in range(n):
        baseline.append(_run(np.random.default_rng(seed), {}))
        variant.append(
            _run(
                np.random.default_rng(seed + 100),
                {
                    "vc_total": ("2026-03", -40.0),
                    "deaths": ("2027-01", 20.0),
                    "output": ("2027-06", -10.0),
                },
            )
        )
    # a blip in one year only, in every variant run: chance, not a channel
    for run in variant:
        blip = run["births"].values.copy()
        blip[MONTHS.index("2025-01") : MONTHS.index("2025-12") + 1] += 30.0
        run["births"] = Series("births", MONTHS, blip)
    return variant, baseline


def test_a_trace_orders_the_links_as_they_moved_and_names_what_did_not() -> None:
    variant, baseline = _pairs()
    links = trace_links(variant, baseline, ["vc_total", "deaths", "wage", "output"])
    by = {lk.indicator: lk for lk in links}
    assert [lk.indicator for lk in links if lk.moved] == ["vc_total", "deaths", "output"]
    assert by["vc_total"].first_month == "2026-03"
    assert by["deaths"].first_month == "2027-01"
    assert by["output"].first_month == "2027-06"
    assert by["vc_total"].at_last.mean == pytest.approx(-40.0 * 12, rel=0.01)  # a year of a flow
    assert not by["wage"].moved and not by["births"].moved  # noise; a one-year blip
    chain = ["vc_total", "wage"]
    trace = Trace(
        "downturn", "baseline", "Alder", 6, "2026-03", chain, trace_links(variant, baseline, chain)
    )
    assert trace.missing == ["wage"]
    text = trace.sentence()
    assert text.index("vc_total") < text.index("Also moved") < text.index("deaths")
    assert "Did not move: wage" in text


def test_without_an_expected_channel_the_links_come_in_the_order_they_moved() -> None:
    variant, baseline = _pairs()
    links = trace_links(variant, baseline, [])
    assert [lk.indicator for lk in links if lk.moved] == ["vc_total", "deaths", "output"]


def test_a_lever_that_parts_nothing_says_so() -> None:
    trace = Trace("idle", "baseline", "Alder", 4, None, ["output"], [])
    assert "never part" in trace.sentence()
    assert trace.missing == ["output"]


def test_the_report_table_shows_the_expected_links_first() -> None:
    variant, baseline = _pairs()
    links = trace_links(variant, baseline, ["wage", "output"])
    table = channel_table(
        Trace("downturn", "baseline", "Alder", 6, "2026-03", ["wage", "output"], links), "X"
    )
    assert [row[0] for row in table.rows][:4] == ["wage", "output", "vc_total", "deaths"]
    assert table.rows[0][3] == "did not move"
    assert "Did not move: wage" in (table.note or "")


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('channel = ["vc_total", "happiness"]\n', "unknown indicator 'happiness'"),
        ('channel = ["output", "output"]\n', "'output' is named twice"),
        ('channel = "output"\n', "channel"),
        ("channel = [1, 2]\n", "channel"),
        ('channel_city = "Atlantis"\n', "unknown city 'Atlantis'"),
    ],
)
def test_a_bad_channel_is_one_line_exit_2(
    body: str, reason: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    path = tmp_path / "exp.toml"
    path.write_text('name = "bad"\nreplicates = 1\n' + body, encoding="utf-8")
    result = cli("experiment", path, "--db", tmp_path / "out.duckdb", "--workers", "1")
    assert result.exit_code == 2, result.stdout
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert str(path) in line and "channel" in line and reason in line
    assert not (tmp_path / "out.duckdb").exists()


# ----------------------------------------------------------------------- a stored experiment


@pytest.mark.slow
def test_helix_experiment_traces_a_vc_downturn_on_the_tiny_world(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(
        'name = "tiny-downturn"\nscenario = "tiny-corridor"\nreplicates = 4\n'
        'channel = ["vc_total", "wage"]\n'
        "[variants.downturn.scenario.shocks.crash]\n"
        'kind = "vc_downturn"\nstart = "2022-01"\nend = "2023-12"\nseverity = 0.9\n',
        encoding="utf-8",
    )
    db = tmp_path / "runs.duckdb"
    result = cli("experiment", path, "--db", db, "--workers", "1", "--json")
    assert result.exit_code == 0, result.stderr
    (trace,) = json.loads(result.stdout)["channels"]
    assert trace["variant"] == "downturn" and trace["pairs"] == 4
    assert trace["parted"] is not None and trace["parted"] >= "2022-01"
    vc = next(lk for lk in trace["links"] if lk["indicator"] == "vc_total")
    assert vc["first_year"] == 2022 and vc["at_first"]["mean"] < 0
    from helix.store import Store

    with Store(db, read_only=True) as store:
        eid = store.con.execute("SELECT experiment_id FROM experiments").fetchone()[0]
        (again,) = trace_experiment(store.con, eid)
        (other,) = trace_experiment(store.con, eid, ["deals"])  # the file's chain as it is now
        (elsewhere,) = trace_experiment(store.con, eid, city="Cedar")
    assert again.to_json() == trace
    assert trace["city"] == "Alder" and elsewhere.city == "Cedar"
    assert other.channel == ["deals"] and other.links[0].indicator == "deals"
    assert isinstance(again.links[0], Link)


def test_a_series_window_keeps_the_trace_s_year_to_date() -> None:
    s = Series("deaths", ["2026-01", "2026-02", "2026-03"], np.array([1.0, 2.0, 3.0]))
    assert measures.over_years(s.window("2026-01", "2026-02"), "final_year") == 3.0
