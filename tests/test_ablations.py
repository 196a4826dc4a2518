"""Ablations (issue 13): each target names the mechanism that earns it and the settings that
switch it off; ``helix validate --ablations`` holds the target with and without it."""

from __future__ import annotations

import json

import pytest

from helix.errors import ScenarioError
from helix.experiments.ablations import ablated
from helix.experiments.targets import on_mean_over_seeds
from helix.scenario.load import load_scenario, scenario_to_dict
from helix.scenario.schema import Target


@pytest.mark.parametrize("world", ["shanghai-delta", "tiny-corridor"])
def test_each_ablation_applies_and_changes_the_world(world: str) -> None:
    base = load_scenario(world)
    declared = {k: t.ablation for k, t in base.targets.items() if t.ablation is not None}
    assert declared
    if world == "shanghai-delta":
        assert set(declared) == {f"T{i}" for i in range(1, 8)}
    before = scenario_to_dict(base)
    for name, a in declared.items():
        assert a.mechanism and a.removed
        after = scenario_to_dict(ablated(world, [], name, a.as_overrides(), scale=None, until=None))
        assert after != before, f"{name}: its ablation changes nothing"
        # only what the ablation names changes
        for text in a.as_overrides():
            key, _, value = text.partition("=")
            node = after
            for part in key.split("."):
                node = node[part]
            if value.startswith('"'):  # a month, a name: a TOML string
                assert node == json.loads(value), key
            else:
                assert node == pytest.approx(float(value)), key


def test_an_ablation_of_a_setting_the_world_lacks_is_named() -> None:
    with pytest.raises(ScenarioError, match=r"targets\.T5\.ablation\.overrides"):
        ablated(None, [], "T5", ["shocks.no-such-shock.severity=0"], scale=None, until=None)


def test_a_target_holds_on_the_mean_over_seeds() -> None:
    crosses = Target(
        indicator="vc_total", statistic="city_ratio", city="A", other_city="B",
        start="2020-01", end="2025-12", observed=1.0, tolerance=0.05, comparison="crosses",
    )  # fmt: skip
    runs = [{"simulated": {"2020": 0.8, "2025": 1.3}}, {"simulated": {"2020": 0.8, "2025": 0.8}}]
    held = on_mean_over_seeds(crosses, runs)
    assert held["simulated"] == {"2020": 0.8, "2025": pytest.approx(1.05)} and held["pass"]
    assert not on_mean_over_seeds(crosses, runs[1:])["pass"]
    falls = crosses.model_copy(update={"statistic": "change", "comparison": "falls"})
    assert on_mean_over_seeds(falls, [{"simulated": {"2020": 0.3, "2025": 0.2}}])["pass"]
    recovery = crosses.model_copy(
        update={"statistic": "recovery_months", "comparison": "at_most", "observed": 18}
    )
    assert on_mean_over_seeds(recovery, [{"simulated": 6.0}, {"simulated": 12.0}])["pass"]
    # a seed that never recovers leaves the mean undefined: the target fails
    held = on_mean_over_seeds(recovery, [{"simulated": 6.0}, {"simulated": None}])
    assert held["simulated"] is None and not held["pass"]


def test_validate_ablations_prints_the_table_as_json(cli) -> None:
    res = cli(
        "validate", "tiny-corridor", "--ablations", "--seeds", "1", "--scale", "0.2",
        "--workers", "1", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    rows = payload["ablations"]
    assert [r["target"] for r in rows] == ["growth", "rents"]
    for r in rows:
        assert {"target", "removed", "with", "without", "holds_with", "holds_without"} <= set(r)
        assert isinstance(r["holds_with"], bool) and isinstance(r["holds_without"], bool)
        assert isinstance(r["with"], float) and isinstance(r["without"], float)
    growth, rents = rows
    assert growth["without"] < growth["with"]  # flat markets grow less
    assert rents["without"] == pytest.approx(1.0)  # rents that ignore vacancy stay put


def test_validate_ablations_bad_input_is_one_line(cli) -> None:
    for args in (["--seeds", "0"], ["--until", "2021-12"]):
        res = cli("validate", "tiny-corridor", "--ablations", "--workers", "1", *args)
        assert res.exit_code == 2, res.output
        assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_the_ablation_table_says_what_is_not_earned() -> None:
    from rich.console import Console

    from helix.cli.printing import print_ablations
    from helix.experiments.ablations import AblationResult, TargetAblation

    def row(name: str, with_: object, without: object, holds_without: bool) -> TargetAblation:
        return TargetAblation(
            target=name, mechanism=f"{name}'s mechanism", removed="a switch", overrides=["a.b=0"],
            with_mechanism=with_, without_mechanism=without, holds_with=True,
            holds_without=holds_without,
        )  # fmt: skip

    result = AblationResult(
        "w", [1, 2], 0.5, "2020-01", "2025-12",
        [row("T1", 0.21, 0.15, False), row("T3", {"2020": 0.8, "2025": 2.2}, {"2020": 0.8, "2025": 1.4}, True)],
    )  # fmt: skip
    console = Console(record=True, width=120)
    print_ablations(result, console)
    text = console.export_text()
    assert "1 of 2 targets earned" in text and "Not earned: T3." in text
    assert "0.8 → 2.2" in text and "T1's mechanism" in text
    assert json.loads(json.dumps(result.to_json()))["ablations"][1]["holds_without"] is True
