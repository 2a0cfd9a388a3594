"""The run spec: validation with messages per field, grids, JSON round trips."""

from __future__ import annotations

import json

import pytest

from tuning import DATASETS, PRUNERS, STRATEGIES
from tuning.definition.presets import PRESETS, preset_spec
from tuning.definition.spec import RunSpec, Strategy
from tuning.errors import SpecError

BASE = {
    "dataset": "synthetic-houses",
    "strategy": "random",
    "budget": {"n_trials": 10},
    "space": {"lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True}},
}


def test_article_grid_is_the_articles_24_configurations() -> None:
    spec = preset_spec("article-grid")
    grid = spec.grid()
    assert len(grid) == spec.n_trials_planned() == 24
    assert {json.dumps(c, sort_keys=True) for c in grid}.__len__() == 24
    assert {c["hidden_size"] for c in grid} == {8, 16, 32}
    assert {c["lr"] for c in grid} == {0.01, 0.001}
    assert {c["dropout"] for c in grid} == {0.1, 0.2}
    assert {c["batch_size"] for c in grid} == {1, 2}
    assert spec.fixed_values()["epochs"] == 50


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_through_json(name: str) -> None:
    spec = preset_spec(name)
    assert RunSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"strategy": "annealing"}, "strategy", f"must be one of {[s.value for s in STRATEGIES]}"),
        ({"pruner": "asha"}, "pruner", f"must be one of {[p.value for p in PRUNERS]}"),
        ({"budget": {"n_trials": 0}}, "budget.n_trials", "whole number >= 1"),
        ({"budget": {"timeout_s": -5}}, "budget.timeout_s", "> 0"),
        ({"budget": {}}, "budget", "needs n_trials and/or timeout_s"),
        (
            {"dataset": "imagenet"},
            "dataset.name",
            f"must be one of {list(DATASETS)}, got 'imagenet'",
        ),
        ({"dataset": {"name": "csv"}}, "dataset.target", "needs the name of its target column"),
        ({"dataset": {"name": "synthetic-houses", "rows": 5}}, "dataset.rows", "from 20 to"),
        ({"workers": 0}, "workers", "from 1 to 64"),
        ({"population": 0}, "population", "whole number from 1 to 256, got 0"),
        ({"population": 2.5}, "population", "whole number from 1 to 256"),
        ({"cv_folds": 1}, "cv_folds", "0 (no cross-validation) or >= 2"),
        ({"val_fraction": 0.6, "test_fraction": 0.4}, "val_fraction", "must stay below 0.9"),
        ({"seeds": 3}, "seeds", "unknown field"),
        ({"heartbeat_s": 10, "grace_s": 20}, "grace_s", "at least 3 × heartbeat_s"),
        ({"space": {"lr": {"type": "float", "low": 1, "high": 0.1}}}, "space.lr", "low <= high"),
        ({"space": {"dropout": 1.5}}, "space.dropout", "must be < 1"),
    ],
)
def test_invalid_specs_are_refused_with_the_field_and_rule(change: dict, field: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        RunSpec.from_dict({**BASE, **change})
    assert field in caught.value.by_field()
    assert message in caught.value.by_field()[field]


def test_population_is_optional_and_round_trips() -> None:
    assert RunSpec.from_dict(BASE).population is None
    assert "population" not in RunSpec.from_dict(BASE).to_dict()
    assert RunSpec.from_dict({**BASE, "population": None}).population is None
    spec = RunSpec.from_dict({**BASE, "population": 8})
    assert spec.population == 8 and RunSpec.from_dict(spec.to_dict()) == spec


def test_every_problem_is_reported_at_once() -> None:
    raw = {**BASE, "workers": 0, "space": {"lr": 0, "dropout": 2}}
    with pytest.raises(SpecError) as caught:
        RunSpec.from_dict(raw)
    assert set(caught.value.by_field()) == {"workers", "space.lr", "space.dropout"}


def test_grid_over_the_cap_is_refused_with_its_size() -> None:
    raw = {
        "dataset": "article",
        "strategy": "grid",
        "space": {
            "hidden_size": {"type": "int", "low": 1, "high": 1000},
            "batch_size": {"type": "int", "low": 1, "high": 1000},
        },
    }
    with pytest.raises(SpecError, match="1,000,000 combinations, more than the cap of 10,000"):
        RunSpec.from_dict(raw)
    assert RunSpec.from_dict({**raw, "grid_cap": 1_000_000}).n_trials_planned() == 1_000_000


def test_grid_needs_discrete_float_values() -> None:
    raw = {**BASE, "strategy": "grid"}
    with pytest.raises(SpecError, match="give this float range a step"):
        RunSpec.from_dict(raw)


def test_cmaes_refuses_categorical_choices() -> None:
    raw = {**BASE, "strategy": "cmaes", "space": {"optimizer": {"type": "choice", "values": ["adam", "sgd"]}}}
    with pytest.raises(SpecError, match="cmaes searches numeric ranges only"):
        RunSpec.from_dict(raw)


def test_defaults_fill_what_the_space_leaves_out() -> None:
    spec = RunSpec.from_dict(BASE)
    assert spec.strategy is Strategy.RANDOM
    assert spec.fixed_values()["optimizer"] == "adam"
    assert set(spec.searched()) == {"lr"}
