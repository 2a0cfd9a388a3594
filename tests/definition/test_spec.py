"""The run spec: validation with messages per field, grids, JSON round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuning import DATASETS, PRUNERS, STRATEGIES
from tuning.definition.presets import PRESETS, preset_spec
from tuning.definition.spec import Budget, DatasetSpec, RunSpec, Strategy
from tuning.errors import SpecError
from tuning.rules import RULE, Fraction, Optional, Seconds, Whole, spec_fields

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
        ({"budget": {"n_trials": 0}}, "budget.n_trials", "whole number from 1 to 100000"),
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
    with pytest.raises(SpecError, match="grid_cap: must be a whole number from 1 to 10000, got 100000"):
        RunSpec.from_dict({**raw, "grid_cap": 100_000})
    with pytest.raises(SpecError, match="1,000,000 combinations, more than the cap of 50"):
        RunSpec.from_dict({**raw, "grid_cap": 50})
    largest = {**raw, "space": {n: {**r, "high": 100} for n, r in raw["space"].items()}}
    assert RunSpec.from_dict(largest).n_trials_planned() == 10_000


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


#: Specs that set every field away from its default, beside the presets, for the golden file.
GOLDEN_EXTRAS: dict[str, dict] = {
    "csv-timeout": {
        "dataset": {"name": "csv", "target": "y", "filename": "f.csv"},
        "strategy": "random",
        "budget": {"timeout_s": 30},
        "space": {
            "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
            "epochs": {"type": "int", "low": 1, "high": 10, "step": 3},
        },
        "seed": 5,
        "workers": 3,
        "pruner": "median",
        "repeats": 2,
        "cv_folds": 0,
        "val_fraction": 0.3,
        "test_fraction": 0.1,
        "grid_cap": 50,
        "heartbeat_s": 2,
        "grace_s": 7,
    },
    "grid-fixed": {
        "dataset": "diabetes",
        "strategy": "grid",
        "space": {
            "dropout": {"type": "float", "low": 0, "high": 0.5, "step": 0.25},
            "optimizer": {"type": "fixed", "value": "sgd"},
        },
        "cv_folds": 3,
    },
}
GOLDEN = Path(__file__).with_name("spec_to_dict.json")


@pytest.mark.parametrize("name", sorted({**PRESETS, **GOLDEN_EXTRAS}))
def test_to_dict_is_byte_identical_to_the_stored_golden_output(name: str) -> None:
    """Stored runs hold ``to_dict``'s JSON: its keys, their order and their types must not drift."""
    spec = preset_spec(name) if name in PRESETS else RunSpec.from_dict(GOLDEN_EXTRAS[name])
    expected = json.loads(GOLDEN.read_text())[name]
    assert json.dumps(spec.to_dict(), indent=2) == json.dumps(expected, indent=2)


LR = {"type": "float", "low": 1e-4, "high": 1e-1}
HUGE_NAME = "x" * 5_000_000


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        # Hard bounds on every number (issue 15, point 5).
        (
            {"budget": {"n_trials": 10**12}},
            "budget.n_trials",
            "whole number from 1 to 100000, got 1000000000000",
        ),
        ({"budget": {"timeout_s": 10**9}}, "budget.timeout_s", "seconds > 0 and <= 2,592,000, got"),
        ({"grid_cap": 10**7}, "grid_cap", "whole number from 1 to 10000, got 10000000"),
        ({"heartbeat_s": 1e-6, "grace_s": 60}, "heartbeat_s", "seconds >= 1 and <= 600, got 1e-06"),
        ({"heartbeat_s": 10**6}, "heartbeat_s", "seconds >= 1 and <= 600, got 1000000"),
        ({"grace_s": 10**7}, "grace_s", "seconds >= 3 and <= 86,400, got 10000000"),
        ({"heartbeat_s": "fast"}, "heartbeat_s", "seconds >= 1 and <= 600, got 'fast'"),
        ({"budget": {"timeout_s": True}}, "budget.timeout_s", "seconds > 0 and <= 2,592,000, got True"),
        ({"seed": 2**31}, "seed", "whole number from 0 to 2147483647"),
        ({"dataset": {"name": "synthetic-houses", "seed": 2**40}}, "dataset.seed", "from 0 to 2147483647"),
        # Strict on types and keys (issue 15, point 8).
        ({"space": {"lr": {**LR, "lgo": True}}}, "space.lr", "unknown key 'lgo'; a float range takes"),
        ({"space": {"epochs": {"type": "fixed", "value": 5, "low": 1}}}, "space.epochs", "unknown key 'low'"),
        (
            {"space": {"lr": {**LR, "type": ["float"]}}},
            "space.lr",
            "type must be 'fixed', 'choice', 'int' or 'float'",
        ),
        ({"space": {"lr": {**LR, "log": "false"}}}, "space.lr", "log must be true or false (a JSON boolean)"),
        (
            {"space": {"lr": {**LR, "log": 1}}},
            "space.lr",
            "log must be true or false (a JSON boolean), got 1",
        ),
        (
            {"dataset": {"name": "csv", "target": "y", "filename": {"a": 1}}},
            "dataset.filename",
            "a file name",
        ),
        ({"dataset": {"name": "csv", "target": "y", "filename": "../x.csv"}}, "dataset.filename", "'/'"),
        ({"dataset": {"name": "csv", "target": "y", "filename": "a\nb.csv"}}, "dataset.filename", "control"),
        ({"dataset": {"name": "csv", "target": "y", "filename": HUGE_NAME}}, "dataset.filename", "1 to 255"),
        ({"dataset": {"name": "csv", "target": ["y"]}}, "dataset.target", "a column name"),
        (
            {"dataset": {"name": "synthetic-houses", "rowz": 50}},
            "dataset.rowz",
            "unknown field; known fields",
        ),
        (
            {"budget": {"n_trial": 5}},
            "budget.n_trial",
            "unknown field; known fields are ['n_trials', 'timeout_s']",
        ),
        (
            {
                "strategy": "grid",
                "space": {"weight_decay": {"type": "float", "low": 0, "high": 1e10, "step": 1e-300}},
            },
            "space.weight_decay",
            "more than 1,000,000,000; use a larger step",
        ),
        (
            {"space": {"dropout": {"type": "float", "low": 0, "high": 0.5, "step": 1e-300}}},
            "space.dropout",
            "more than 1,000,000,000; use a larger step",
        ),
    ],
)
def test_hostile_inputs_are_refused_naming_the_field_and_the_rule(
    change: dict, field: str, message: str
) -> None:
    with pytest.raises(SpecError) as caught:
        RunSpec.from_dict({**BASE, **change})
    assert field in caught.value.by_field(), caught.value
    assert message in caught.value.by_field()[field]
    assert len(str(caught.value)) < 2_000  # a huge refused value is not echoed back whole


def test_a_grid_too_large_to_enumerate_is_refused_at_once_with_its_size() -> None:
    """Counted, never enumerated: 10^20 combinations are refused as fast as 10."""
    space = {name: {"type": "int", "low": 1, "high": 10**4} for name in ("epochs",)}
    space |= {
        "batch_size": {"type": "int", "low": 1, "high": 65536},
        "hidden_size": {"type": "int", "low": 1, "high": 1024},
    }
    space |= {"dropout": {"type": "float", "low": 0, "high": 0.9, "step": 1e-9}}
    with pytest.raises(
        SpecError, match=r"the grid has about 6\.0e\+20 combinations, more than the cap of 10,000"
    ):
        RunSpec.from_dict({"dataset": "article", "strategy": "grid", "space": space})


SPEC_DOC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"
NUMBER_RULES = (Whole, Seconds, Fraction)


def _allowed_cell(field: str) -> str:
    row = next(line for line in SPEC_DOC.read_text().splitlines() if line.startswith(f"| `{field}` |"))
    return row.split(" | ")[-1]


@pytest.mark.parametrize(
    ("parent", "cls"),
    [(None, RunSpec), ("dataset", DatasetSpec), ("budget", Budget)],
    ids=["spec", "dataset", "budget"],
)
def test_the_docs_state_every_numbers_bounds_as_its_rule_checks_them(parent: str | None, cls: type) -> None:
    """docs/spec.md's "allowed" column is the rule itself, so neither can drift from the other."""
    for item in spec_fields(cls):
        rule = item.metadata[RULE]
        rule = rule.rule if isinstance(rule, Optional) else rule
        if not isinstance(rule, NUMBER_RULES):
            continue
        cell = _allowed_cell(parent or item.name)
        expected = f"`{item.name}` {rule.allowed()}" if parent else rule.allowed()
        assert expected in cell, f"docs/spec.md's row for {parent or item.name} should say {expected!r}"


def test_a_stored_spec_skips_todays_bounds_but_not_types_or_keys() -> None:
    beyond = {**BASE, "heartbeat_s": 0.5, "grace_s": 2, "grid_cap": 10**6, "budget": {"n_trials": 10**6}}
    assert RunSpec.from_stored(beyond).budget.n_trials == 10**6
    for broken, field in [
        ({**beyond, "heartbeat_s": "fast"}, "heartbeat_s"),
        ({**beyond, "budget": {"n_trials": 2.5}}, "budget.n_trials"),
        ({**beyond, "extra": 1}, "extra"),
        ({**beyond, "dataset": {"name": "csv", "target": "y", "filename": {"a": 1}}}, "dataset.filename"),
    ]:
        with pytest.raises(SpecError) as caught:
            RunSpec.from_stored(broken)
        assert field in caught.value.by_field()
