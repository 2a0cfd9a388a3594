"""The search space: parsing each kind of hyperparameter, its grid points, its refusals."""

from __future__ import annotations

import re

import pytest

from tuning.definition.space import Choice, Fixed, Param, Range
from tuning.definition.space import parse_param as parse_any
from tuning.errors import FieldError
from tuning.models.mlp import HYPERPARAMETERS


def parse_param(name: str, raw: object) -> Param:
    """An MLP hyperparameter read from its JSON form."""
    return parse_any(name, raw, HYPERPARAMETERS)


def test_plain_value_is_fixed() -> None:
    assert parse_param("epochs", 50) == Fixed(50)
    assert parse_param("optimizer", "sgd") == Fixed("sgd")


def test_int_range_enumerates_every_step() -> None:
    param = parse_param("hidden_size", {"type": "int", "low": 8, "high": 32, "step": 8})
    assert param == Range(int, 8, 32, False, 8)
    assert param.values() == [8, 16, 24, 32]
    assert param.size() == 4


def test_float_range_with_step_is_inclusive() -> None:
    param = parse_param("dropout", {"type": "float", "low": 0.1, "high": 0.3, "step": 0.1})
    assert param.values() == [0.1, 0.2, 0.3]


def test_continuous_float_range_has_no_grid() -> None:
    param = parse_param("lr", {"type": "float", "low": 1e-4, "high": 1e-2, "log": True})
    assert isinstance(param, Range) and param.size() is None


def test_choice_keeps_order() -> None:
    assert parse_param("batch_size", {"type": "choice", "values": [2, 1]}) == Choice((2, 1))


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("lr", 0, "must be > 0"),
        ("lr", -0.1, "must be > 0"),
        ("dropout", 1.0, "must be < 1"),
        ("dropout", {"type": "float", "low": 0.5, "high": 0.2}, "low <= high must hold"),
        (
            "weight_decay",
            {"type": "float", "low": 0, "high": 0.1, "log": True},
            "log range must stay above 0",
        ),
        ("optimizer", "rmsprop", "must be one of ['adam', 'adamw', 'sgd']"),
        ("batch_size", {"type": "choice", "values": []}, "non-empty list"),
        ("batch_size", {"type": "choice", "values": [1, 1]}, "must not repeat"),
        ("hidden_size", {"type": "float", "low": 8, "high": 32}, "use an 'int' range"),
        ("n_layers", {"type": "int", "low": 1, "high": 9}, "high must be <= 4"),
        ("activation", {"type": "int", "low": 1, "high": 2}, "is categorical"),
        ("epochs", 2.5, "whole number"),
        (
            "lr",
            {"type": "float", "low": 0.1, "high": 1, "log": True, "step": 0.1},
            "both log-scaled and stepped",
        ),
        ("lr", {"type": "uniform", "low": 0.1, "high": 1}, "type must be"),
        ("momentum", 0.9, "unknown hyperparameter"),
    ],
)
def test_refusals_name_the_field_and_the_rule(name: str, raw: object, message: str) -> None:
    with pytest.raises(FieldError, match=re.escape(message)) as caught:
        parse_param(name, raw)
    assert caught.value.field == f"space.{name}"
