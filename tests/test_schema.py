"""The scenario schema: every parameter documented with unit, bounds and meaning; months."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from helix.errors import ScenarioError
from helix.scenario import schema
from helix.scenario.load import load_scenario
from helix.scenario.schema import month_index, month_label
from helix.world.simulation import simulate

DOCUMENTED = (
    schema.Parameters,
    schema.Sector,
    schema.City,
    schema.District,
    schema.Research,
    schema.Network,
    schema.Policy,
    schema.Shock,
)


def _numeric_fields(model: type[BaseModel], path: str):
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _numeric_fields(annotation, f"{path}.{name}")
        elif annotation in (int, float):
            yield f"{path}.{name}", field


PARAMETERS = [p for model in DOCUMENTED for p in _numeric_fields(model, model.__name__)]


@pytest.mark.parametrize(("path", "field"), PARAMETERS, ids=[p for p, _ in PARAMETERS])
def test_every_numeric_parameter_has_a_unit_bounds_and_a_one_line_meaning(path, field):
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    assert "unit" in extra, f"{path} has no unit"
    assert field.description and "\n" not in field.description, f"{path} has no one-line meaning"
    lower = [m.ge for m in field.metadata if getattr(m, "ge", None) is not None]
    assert lower, f"{path} has no lower bound"


def test_there_are_parameters_to_document():
    assert len(PARAMETERS) > 50


def test_models_forbid_unknown_keys():
    for model in (*DOCUMENTED, schema.Scenario, schema.TravelTime, schema.Target):
        assert model.model_config.get("extra") == "forbid", model.__name__


@given(st.integers(0, 9999 * 12 + 11))
def test_month_labels_and_indices_round_trip(index):
    assert month_index(month_label(index)) == index


@pytest.mark.parametrize("text", ["2020-13", "2020-00", "2020-1", "20-01", "2020/01", ""])
def test_malformed_months_are_rejected(text):
    with pytest.raises(ValueError):
        month_index(text)


def _bound_values():
    for path, field in _numeric_fields(schema.Parameters, "parameters"):
        for bound in ("ge", "le"):
            value = next((getattr(m, bound) for m in field.metadata if hasattr(m, bound)), None)
            if value is not None:
                yield path, int(value) if field.annotation is int else float(value)


BOUND_VALUES = sorted(set(_bound_values()))


@settings(max_examples=30, deadline=None)
@given(case=st.sampled_from(BOUND_VALUES))
def test_a_parameter_at_either_bound_is_refused_or_runs_cleanly(case):
    """A value the schema accepts either fails the world's checks with a ScenarioError or
    gives a run without an exception and with finite indicators."""
    path, value = case
    try:
        s = load_scenario(overrides=[f"{path}={value!r}"], until="2020-04", scale=0.01)
    except ScenarioError:
        return
    result = simulate(s, keep_firms=False)
    o = result.observations
    for name, series in {**o.city_sector, **o.city, **o.district}.items():
        assert np.isfinite(series).all(), f"{path}={value}: {name} not finite"


def _float_paths(value, path=()):
    """The path of every float in a scenario dict (tables, lists and matrices included)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _float_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _float_paths(v, (*path, i))
    elif isinstance(value, float):
        yield path


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_every_float_of_a_world_refuses_nan_and_inf(bad):
    """Each float of the small world (every parameter filled in by its default), one at a time
    made NaN or infinite, fails validation as 'not a finite number' at its own key."""
    import copy

    from helix.scenario.load import scenario_to_dict, validate

    data = scenario_to_dict(load_scenario("tiny-corridor"))
    paths = list(_float_paths(data))
    assert len(paths) > 200  # parameters, cities, districts, matrices, policies, targets
    for path in paths:
        broken = copy.deepcopy(data)
        node = broken
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = bad
        with pytest.raises(ScenarioError, match="finite number") as caught:
            validate(broken, "w.toml")
        assert (
            caught.value.key.replace("[", ".")
            .replace("]", "")
            .startswith(".".join(map(str, path[:2])))
        ), (path, caught.value.key)
