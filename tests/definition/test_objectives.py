"""Objectives and bounds in a spec: what is accepted, what is refused and why, what is stored."""

from __future__ import annotations

import math

import pytest

from tuning import FieldError, RunSpec, SpecError, Task
from tuning.definition.metrics import Direction
from tuning.definition.objectives import Bound, Measure, Objective, violations

BASE = {
    "dataset": "synthetic-houses",
    "strategy": "nsga2",
    "budget": {"n_trials": 10},
    "space": {"lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True}},
}


def spec(**changes: object) -> RunSpec:
    return RunSpec.from_dict({**BASE, **changes})


def test_objectives_are_stored_with_their_directions_and_bounds_by_key() -> None:
    chosen = spec(
        objectives=["mse", "params", {"name": "r2"}], constraints={"max_latency_ms": 2, "min_r2": 0.5}
    )
    assert chosen.to_dict()["objectives"] == [
        {"name": "mse", "direction": "minimize"},
        {"name": "params", "direction": "minimize"},
        {"name": "r2", "direction": "maximize"},
    ]
    assert chosen.to_dict()["constraints"] == {"max_latency_ms": 2.0, "min_r2": 0.5}
    assert RunSpec.from_dict(chosen.to_dict()) == chosen
    assert chosen.selection.name == "mse" and chosen.tradeoff
    assert chosen.directions == [Direction.MINIMIZE, Direction.MINIMIZE, Direction.MAXIMIZE]
    assert chosen.measured() == {Measure.PARAMS, Measure.LATENCY_MS}


def test_without_objectives_a_spec_is_one_objective_and_stores_nothing_new() -> None:
    plain = spec(strategy="random")
    assert "objectives" not in plain.to_dict() and "constraints" not in plain.to_dict()
    assert plain.goals == (Objective("mse", Direction.MINIMIZE),) and not plain.tradeoff
    assert spec(objectives=["mse"]).goals == plain.goals  # one objective, written out


def test_the_first_objective_names_the_selection_metric() -> None:
    assert spec(objectives=["mae", "params"]).with_task(Task.REGRESSION).metric == "mae"
    assert spec(constraints={"max_params": 500}).tradeoff  # one objective within a bound


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"objectives": []}, "objectives", "must be a list of 1 to 3 objectives, got []"),
        ({"objectives": "mse"}, "objectives", "must be a list of 1 to 3 objectives"),
        ({"objectives": ["mse", "params", "train_s", "mae"]}, "objectives", "1 to 3 objectives"),
        ({"objectives": ["params", "mse"]}, "objectives[0]", "must be the selection metric"),
        ({"objectives": ["mse", "mse"]}, "objectives", "names an objective twice"),
        ({"objectives": ["mse", "size"]}, "objectives[1].name", "must be one of ['params', 'latency_ms'"),
        ({"objectives": ["mse", {"name": "params", "way": "down"}]}, "objectives[1]", "must be a name or"),
        ({"objectives": ["mse", {"name": "params", "direction": "down"}]}, "objectives[1].direction",
         "must be minimize or maximize, got 'down'"),
        ({"objectives": [{"name": "mse", "direction": "maximize"}]}, "objectives[0].direction",
         "mse is better when it is minimized, always"),
        ({"objectives": ["mse", "accuracy"]}, "objectives", "'accuracy' is not a regression metric"),
        ({"metric": "mae", "objectives": ["mse", "params"]}, "objectives", "must start with the selection metric 'mae'"),
        ({"strategy": "cmaes", "objectives": ["mse", "params"]}, "strategy",
         "cmaes cannot search several objectives; use one of ['grid', 'random', 'bayesian', 'gp', 'nsga2']"),
        ({"pruner": "median", "objectives": ["mse", "params"]}, "pruner",
         "a pruner judges one score per epoch; with several objectives set pruner to none"),
        ({"constraints": {"top_params": 5}}, "constraints.top_params", "unknown bound; give max_ or min_"),
        ({"constraints": {"max_params": "small"}}, "constraints.max_params", "must be a number, got 'small'"),
        ({"constraints": {"max_params": math.inf}}, "constraints.max_params", "must be a number"),
        ({"constraints": [5]}, "constraints", "must map max_<name> or min_<name> to a number"),
        ({"task": "regression", "constraints": {"min_accuracy": 0.9}}, "constraints.min_accuracy",
         "'accuracy' is not a regression metric"),
    ],
)  # fmt: skip
def test_refusals_name_the_field_and_the_rule(changes: dict, field: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec(**changes)
    assert message in caught.value.by_field()[field]


def test_the_datas_task_must_suit_every_metric_optimised_or_bounded() -> None:
    with pytest.raises(FieldError, match="'mse' scores regression, not classification"):
        spec(dataset="penguins", objectives=["mse", "params"]).with_task(Task.CLASSIFICATION)
    with pytest.raises(SpecError, match=r"constraints.min_accuracy: 'accuracy' is not a regression metric"):
        spec(constraints={"min_accuracy": 0.9}).with_task(Task.REGRESSION)


def test_a_bound_is_violated_by_how_far_it_is_broken() -> None:
    bounds = (Bound("params", 1000, upper=True), Bound("r2", 0.5, upper=False), Bound("mae", 3, upper=True))
    assert violations(bounds, {"params": 1200, "r2": 0.75, "mae": None}) == {
        "max_params": 200,
        "min_r2": -0.25,
        "max_mae": math.inf,  # undefined on these rows: never feasible
    }
