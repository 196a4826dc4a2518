"""Reading scenarios: overrides, --until, the shipped default and its TOML round trip."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helix.errors import ScenarioError
from helix.scenario.load import (
    apply_overrides,
    load_scenario,
    parse_override,
    scenario_from_json_dict,
    scenario_to_dict,
    scenario_to_toml,
    shipped_worlds,
)

key_part = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True)
toml_value = st.one_of(
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(-1000, 1000), max_size=4),
)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


@settings(max_examples=100, deadline=None)
@given(path=st.lists(key_part, min_size=1, max_size=4), value=toml_value)
def test_overrides_parse_back_to_their_path_and_value(path, value):
    parsed_path, parsed = parse_override(f"{'.'.join(path)}={_toml(value)}")
    assert parsed_path == path
    assert parsed == value
    assert type(parsed) is type(value)


@settings(max_examples=50, deadline=None)
@given(name=key_part, value=st.integers())
def test_overrides_make_new_entries_of_named_collections_without_touching_the_input(name, value):
    # Before the one rule of helix.scenario.overrides, any path was made in any dict; now a new
    # key is made only as an entry of a named collection (here a shock, field by field).
    data = {"kept": 1}
    out = apply_overrides(data, [f"shocks.{name}.severity={value}"], "x.toml")
    assert data == {"kept": 1}
    assert out == {"kept": 1, "shocks": {name: {"severity": value}}}


@settings(max_examples=50, deadline=None)
@given(path=st.lists(key_part, min_size=1, max_size=4), value=st.integers())
def test_a_key_the_world_does_not_have_is_refused_naming_it(path, value):
    from helix.scenario.schema import Scenario

    assume(path[0] not in Scenario.model_fields)
    with pytest.raises(ScenarioError) as info:
        apply_overrides({"kept": 1}, [f"{'.'.join(path)}={value}"], "x.toml")
    assert (info.value.file, info.value.key) == ("x.toml", path[0])
    assert info.value.reason.startswith("unknown key")


def test_a_bare_word_is_a_string_and_quotes_are_optional():
    assert parse_override("name=Shanghai")[1] == "Shanghai"
    assert parse_override('name="Shanghai"')[1] == "Shanghai"
    assert parse_override("a.b = 2020-01")[1] == "2020-01"  # not a TOML date: a string


@pytest.mark.parametrize("text", ["foo", "=1", "a..b=1", ".a=1", "a.=1", "a=[1", 'a="x'])
def test_malformed_overrides_name_the_file_and_the_override(text):
    with pytest.raises(ScenarioError) as info:
        apply_overrides({}, [text], "world.toml")
    assert info.value.file == "world.toml"
    assert text in info.value.key


def test_the_shipped_default_loads_and_round_trips_through_toml(tmp_path):
    world = load_scenario()
    assert world.name == "shanghai-delta"
    roles = {c.role for c in world.cities.values()}
    assert roles == {"core", "corridor", "rival", "global"}
    assert sum(c.role in ("core", "corridor") for c in world.cities.values()) == 9  # 1 + 8
    assert set(world.targets) == {f"T{i}" for i in range(1, 8)}
    path = tmp_path / "world.toml"
    path.write_text(scenario_to_toml(world), encoding="utf-8")
    assert load_scenario(path) == world
    assert scenario_from_json_dict(scenario_to_dict(world)) == world


def test_a_shipped_world_loads_by_name_and_round_trips(tmp_path):
    """``tiny-corridor`` loads by name (as the CLI passes it); a file of that name wins."""
    assert {"shanghai-delta", "tiny-corridor"} <= set(shipped_worlds())
    tiny = load_scenario("tiny-corridor")
    assert tiny.name == "tiny-corridor"
    assert len(tiny.cities) == 3 and tiny.focus_city == "Alder"
    assert {c.role for c in tiny.cities.values()} == {"core", "corridor", "rival"}
    assert tiny.targets and tiny.calibration and tiny.networks
    assert any(k.kind == "export_control" for k in tiny.shocks.values())
    path = tmp_path / "world.toml"
    path.write_text(scenario_to_toml(tiny), encoding="utf-8")
    assert load_scenario(path) == tiny
    # A file named like a shipped world is read as the file.
    own = tmp_path / "tiny-corridor"
    own.write_text(scenario_to_toml(tiny.model_copy(update={"name": "mine"})), encoding="utf-8")
    assert load_scenario(own).name == "mine"
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario("no-such-world")


def test_a_network_must_name_its_sector_and_members():
    with pytest.raises(ScenarioError) as bad_member:
        load_scenario("tiny-corridor", ['networks.photonics-link.members=["nowhere"]'])
    assert bad_member.value.key == "networks.photonics-link.members"
    with pytest.raises(ScenarioError) as bad_sector:
        load_scenario("tiny-corridor", ['networks.photonics-link.sector="fishing"'])
    assert bad_sector.value.key == "networks.photonics-link.sector"


def test_seed_scale_and_until_are_overrides():
    world = load_scenario(seed=5, scale=0.5, until="2022-06")
    assert (world.seed, world.scale, world.end) == (5, 0.5, "2022-06")
    assert world.months == 30


def test_until_drops_what_starts_after_the_shortened_run():
    full = load_scenario()
    short = load_scenario(until="2020-12")
    late = [k for k, p in full.policies.items() if p.start > "2020-12"]
    assert all(k not in short.policies for k in late)
    assert all(t.end <= "2020-12" for t in short.targets.values())
    assert all(s.start <= "2020-12" for s in short.shocks.values())
    # A free parameter of a dropped shock is dropped with it; the others stay.
    dropped = [p for p in full.calibration if p.startswith("shocks.")]
    assert dropped and not any(p in short.calibration for p in dropped)
    assert set(short.calibration) == set(full.calibration) - set(dropped)


def test_until_keeps_a_policy_the_file_dates_outside_its_own_run(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(
            overrides=[
                'policies.late.kind="visa"',
                'policies.late.cities=["Shanghai"]',
                'policies.late.start="2040-01"',
            ],
            until="2021-12",
        )
    assert info.value.key == "policies.late.start"


def test_overrides_reach_into_lists():
    world = load_scenario(
        overrides=["travel_time.minutes.0.1=46.0", "travel_time.minutes.1.0=46.0"]
    )
    assert world.travel_time.minutes[0][1] == world.travel_time.minutes[1][0] == 46.0


def test_old_quantum_network_flags_read_as_the_declared_network():
    """Runs stored before ``[networks]`` flagged research institutions instead: they load as the
    same world."""
    world = load_scenario()
    old = scenario_to_dict(world)
    network = old.pop("networks")["quantum-network"]
    for name in old["research"]:
        old["research"][name]["quantum_network"] = name in network["members"]
    assert scenario_from_json_dict(old) == world


def test_nesting_depth_counts_tables_and_arrays_without_recursion():
    from helix.scenario.load import MAX_NESTING, nesting_depth

    assert nesting_depth(1) == 0
    assert nesting_depth({"a": {"b": [1, [2]]}}) == 4
    deep: list = []
    for _ in range(100_000):  # far past Python's recursion limit
        deep = [deep]
    assert nesting_depth(deep) == MAX_NESTING + 1  # stops counting past the limit


def test_every_shipped_world_is_a_scenario_and_every_example_an_experiment():
    import tomllib
    from pathlib import Path

    from helix.scenario.load import read_default_text
    from helix.scenario.suggest import looks_like_experiment, looks_like_scenario

    for name in shipped_worlds():
        data = tomllib.loads(read_default_text(name))
        assert looks_like_scenario(data) and not looks_like_experiment(data), name
    examples = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.toml"))
    assert examples
    for path in examples:
        data = tomllib.loads(path.read_text())
        assert looks_like_experiment(data) and not looks_like_scenario(data), path.name


def test_known_keys_follow_tables_lists_and_optional_models():
    from helix.experiments.spec import ExperimentFile
    from helix.scenario.schema import Scenario
    from helix.scenario.suggest import did_you_mean, known_keys

    assert "firms" in known_keys(Scenario, ("cities", "Shanghai", "firmz"))
    assert "decay_per_minute" in known_keys(Scenario, ("parameters", "knowledge", "x"))
    assert "design" in known_keys(ExperimentFile, ("sweep", "desing"))  # Sweep | None
    assert known_keys(Scenario, ("cities", "Shanghai", "sector_mix", "x", "y")) == []
    assert did_you_mean("firmz", known_keys(Scenario, ("cities", "X", "firmz"))) == (
        " (did you mean 'firms'?)"
    )
    assert did_you_mean("colour", known_keys(Scenario, ("colour",))) == ""
