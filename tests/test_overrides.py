"""One rule for changing a world by dotted keys, whoever asks: ``--set`` texts, a mapping of
Python values, an experiment file's ``set``, a variant's ``set`` and ``remove``, sweep keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helix.errors import ExperimentError, ScenarioError
from helix.experiments.design import load_experiment
from helix.scenario.load import load_scenario

TINY = "tiny-corridor"
NEW_SHOCK = {"kind": "vc_downturn", "start": "2022-01", "end": "2022-12", "severity": 0.4}


def _experiment(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "what-if.toml"
    path.write_text(f'name = "rule"\nscenario = "{TINY}"\nreplicates = 1\n{body}', "utf-8")
    return path


def test_a_new_entry_of_a_named_collection_is_made_whole_or_field_by_field() -> None:
    whole = load_scenario(TINY, {"shocks.vc-2022": NEW_SHOCK})
    texts = [f"shocks.vc-2022.{k}={v!r}".replace("'", '"') for k, v in NEW_SHOCK.items()]
    by_field = load_scenario(TINY, texts)
    inline = load_scenario(
        TINY, ['shocks.vc-2022={kind="vc_downturn", start="2022-01", end="2022-12", severity=0.4}']
    )
    assert whole == by_field == inline
    assert whole.shocks["vc-2022"].severity == 0.4


def test_a_table_merges_into_the_table_it_names() -> None:
    base = load_scenario(TINY)
    moved = load_scenario(TINY, {"shocks.device-export-controls": {"start": "2022-06"}})
    shock = moved.shocks["device-export-controls"]
    assert shock.start == "2022-06"
    assert (
        shock.model_copy(update={"start": base.shocks["device-export-controls"].start})
        == (base.shocks["device-export-controls"])
    )
    rents = load_scenario(TINY, {"parameters.rents": {"natural_vacancy": 0.2}}).parameters.rents
    assert rents == base.parameters.rents.model_copy(update={"natural_vacancy": 0.2})


def test_remove_then_set_replaces_a_table_and_a_removed_field_takes_its_default() -> None:
    replaced = load_scenario(
        TINY,
        {"shocks.device-export-controls": NEW_SHOCK},
        remove=["shocks.device-export-controls"],
    )
    assert replaced.shocks["device-export-controls"].kind == "vc_downturn"
    assert replaced.shocks["device-export-controls"].sectors == []  # not kept from the old one
    vacancy = load_scenario(TINY, {"parameters.rents.natural_vacancy": 0.3})
    assert vacancy.parameters.rents.natural_vacancy == 0.3
    default = load_scenario(TINY, remove=["parameters.rents.natural_vacancy"])
    schema_default = type(default.parameters.rents).model_fields["natural_vacancy"].default
    assert default.parameters.rents.natural_vacancy == schema_default


def test_removing_a_calibrated_shock_frees_its_parameter() -> None:
    world = load_scenario()
    calibrated = [p for p in world.calibration if p.startswith("shocks.")]
    assert calibrated
    name = calibrated[0].split(".")[1]
    without = load_scenario(remove=[f"shocks.{name}"])
    assert name not in without.shocks
    assert set(without.calibration) == set(world.calibration) - {
        p for p in calibrated if p.split(".")[1] == name
    }


def test_numpy_values_are_plain_python() -> None:
    world = load_scenario(
        TINY,
        {
            "parameters.rents.natural_vacancy": np.float64(0.11),
            "seed": np.int64(3),
            "shocks.device-export-controls.sectors": np.array(["devices", "photonics"]),
            "travel_time.minutes.0.1": np.float32(50.0),
            "travel_time.minutes.1.0": np.float32(50.0),
        },
    )
    assert world.parameters.rents.natural_vacancy == 0.11 and world.seed == 3
    assert world.shocks["device-export-controls"].sectors == ["devices", "photonics"]
    assert world.travel_time.minutes[0][1] == 50.0


BAD = {
    "unknown parameter": (
        {"parameters.rents.natral_vacancy": 0.1},
        "parameters.rents.natral_vacancy",
        "unknown key (did you mean 'natural_vacancy'?)",
    ),
    "unknown table": ({"parameters.rentz.x": 0.1}, "parameters.rentz", "did you mean 'rents'"),
    "unknown key in a merged table": (
        {"parameters.rents": {"vacancy": 0.1}},
        "parameters.rents.vacancy",
        "unknown key",
    ),
    "unknown top-level key": ({"colour": "red"}, "colour", "unknown key"),
    "key inside a value": ({"name.first": "x"}, "name", "cannot set a key inside a value"),
    "list item past the end": (
        {"travel_time.minutes.0.7": 1.0},
        "travel_time.minutes.0.7",
        "no item 7 in a list of 3",
    ),
    "malformed key": ({"parameters..rents": 1}, "parameters..rents", "malformed key"),
    "malformed value": (
        {"parameters.rents.natural_vacancy": "high"},
        "parameters.rents.natural_vacancy",
        "valid number",
    ),
    "value of no scenario type": (
        {"parameters.rents.natural_vacancy": 1j},
        "parameters.rents.natural_vacancy",
        "'complex' is not a scenario value",
    ),
    "None": (
        {"parameters.rents.natural_vacancy": None},
        "parameters.rents.natural_vacancy",
        "remove",
    ),
    "not a finite number": (
        {"parameters.rents.natural_vacancy": np.float64("nan")},
        "parameters.rents.natural_vacancy",
        "finite number",
    ),
    "new entry lacking a field": (
        {"shocks.vc-2026": {"kind": "vc_downturn"}},
        "shocks.vc-2026.start",
        "required key is missing",
    ),
    "misspelt entry set field by field": (
        {"cities.Aldr.firms": 3},
        "cities.Aldr",
        "not one of the cities (did you mean 'Alder'?)",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_override_is_one_error_naming_the_key(case: str) -> None:
    overrides, key, reason = BAD[case]
    with pytest.raises(ScenarioError) as info:
        load_scenario(TINY, overrides)
    assert info.value.file == "<default:tiny-corridor>"
    assert info.value.key == key
    assert reason in info.value.reason
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("remove", "key", "reason"),
    [
        (
            "shocks.no-such-shock",
            "shocks.no-such-shock",
            "nothing to remove: not one of the shocks",
        ),
        ("policies.core-visa", "policies.core-visa", "did you mean 'core-visas'"),
        ("parameters.rents.nonsense", "parameters.rents.nonsense", "unknown key"),
        ("travel_time.minutes.0", "travel_time.minutes.0", "cannot remove an item of a list"),
    ],
)
def test_removing_a_key_that_does_not_exist_names_it(remove: str, key: str, reason: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(TINY, remove=[remove])
    assert (info.value.key, reason in info.value.reason) == (key, True)


def test_an_experiment_set_adds_a_shock_that_a_sweep_then_varies(tmp_path: Path) -> None:
    """Before the one rule, `set` keys had to exist: sweeping a new shock needed a copy of the
    whole world with the shock in it."""
    path = _experiment(
        tmp_path,
        'set = { "shocks.vc-2022" = { kind = "vc_downturn", start = "2022-01", severity = 0.4 } }\n'
        '[sweep]\ndesign = "latin"\nsamples = 3\n'
        '[uncertainties.depth]\nkey = "shocks.vc-2022.severity"\nlow = 0.1\nhigh = 0.9\n'
        '[variants.later]\nset = { "shocks.vc-2022.start" = "2023-01" }\n',
    )
    exp = load_experiment(path)
    severities = []
    for spec in exp.runs():
        world = exp.scenario(spec)
        shock = world.shocks["vc-2022"]
        assert shock.start == ("2023-01" if spec.variant == "later" else "2022-01")
        severities.append(shock.severity)
    assert len(set(severities)) == 3 and all(0.1 <= s <= 0.9 for s in severities)


@pytest.mark.parametrize(
    ("body", "key", "reason"),
    [
        (
            '[variants.typo]\nset = { "parameters.rents.natral_vacancy" = 0.1 }\n',
            "variants.typo.set.parameters.rents.natral_vacancy",
            "unknown key (did you mean 'natural_vacancy'?)",
        ),
        (
            '[variants.typo]\nset = { "parameters.rentz.natural_vacancy" = 0.1 }\n',
            "variants.typo.set.parameters.rentz.natural_vacancy",
            "'parameters.rentz': unknown key (did you mean 'rents'?)",
        ),
        (
            'set = { "colour" = "red" }\n',
            "set.colour",
            "unknown key",
        ),
        (
            '[variants.gone]\nremove = ["shocks.no-such-shock"]\n',
            "variants.gone.remove",
            "nothing to remove: not one of the shocks",
        ),
    ],
)
def test_experiment_files_follow_the_same_rule(
    tmp_path: Path, body: str, key: str, reason: str
) -> None:
    with pytest.raises(ExperimentError) as info:
        load_experiment(_experiment(tmp_path, body))
    assert info.value.key == key
    assert reason in info.value.reason
