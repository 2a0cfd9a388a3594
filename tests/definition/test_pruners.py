"""Every pruner has one entry that builds its own Optuna pruner; the median one waits fairly."""

from __future__ import annotations

import optuna
import pytest

from tests.runs_helpers import quick_spec
from tuning.definition.pruners import PRUNERS, Pruner, make_pruner, median_warmup_epochs


def test_every_pruner_has_exactly_one_entry() -> None:
    assert list(PRUNERS) == list(Pruner)


@pytest.mark.parametrize(
    ("pruner", "built"),
    [
        ("none", optuna.pruners.NopPruner),
        ("median", optuna.pruners.MedianPruner),
        ("hyperband", optuna.pruners.HyperbandPruner),
    ],
)
def test_each_pruner_builds_its_own_pruner(pruner: str, built: type) -> None:
    assert type(make_pruner(quick_spec(pruner=pruner))) is built


@pytest.mark.parametrize(
    ("epochs", "warmup"),
    [
        (20, 2),
        (3, 1),  # at least one epoch
        ({"type": "int", "low": 30, "high": 200}, 3),  # the shortest trial sets it
        ({"type": "choice", "values": [80, 40]}, 4),
        (None, 5),  # the default 50 epochs
    ],
)
def test_the_median_pruner_waits_a_tenth_of_the_shortest_trials_epochs(epochs: object, warmup: int) -> None:
    space = {"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True}}
    if epochs is not None:
        space["epochs"] = epochs
    assert median_warmup_epochs(quick_spec(pruner="median", space=space)) == warmup
