"""The metrics registry: each metric against its sklearn definition, direction and units."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from sklearn import metrics as sk

from tuning.definition.metrics import (
    DEFAULT_METRIC,
    METRICS,
    Direction,
    Task,
    get_metric,
    metrics_of,
    score_all,
)
from tuning.errors import UnknownName

TRUTH = np.array([0, 1, 2, 1, 0, 2])
PROBS = np.array(
    [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]
)


def test_regression_metrics_match_sklearn() -> None:
    truth, predicted = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0])
    scores = score_all(Task.REGRESSION, truth, predicted)
    assert scores == pytest.approx(
        {
            "mse": sk.mean_squared_error(truth, predicted),
            "rmse": math.sqrt(sk.mean_squared_error(truth, predicted)),
            "mae": sk.mean_absolute_error(truth, predicted),
            "r2": sk.r2_score(truth, predicted),
        }
    )


@pytest.mark.parametrize(
    "truth, predicted",
    [
        (np.random.default_rng(0).normal(size=50), np.random.default_rng(1).normal(size=50)),
        (np.array([3.0, 3.0, 3.0]), np.array([3.0, 3.0, 3.0])),  # no variance, exact: R² 1
        (np.array([3.0, 3.0, 3.0]), np.array([2.0, 3.0, 4.0])),  # no variance, missed: R² 0
        (np.array([[1.0], [2.0], [5.0]]), np.array([1.5, 2.5, 4.0])),  # a column against a vector
    ],
)
def test_regression_metrics_computed_in_numpy_equal_sklearns(
    truth: np.ndarray, predicted: np.ndarray
) -> None:
    flat = truth.ravel()
    assert score_all(Task.REGRESSION, truth, predicted) == pytest.approx(
        {
            "mse": sk.mean_squared_error(flat, predicted),
            "rmse": sk.root_mean_squared_error(flat, predicted),
            "mae": sk.mean_absolute_error(flat, predicted),
            "r2": sk.r2_score(flat, predicted),
        },
        rel=1e-12,
    )


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_regression_score_of_non_finite_predictions_is_none_as_sklearn_refuses_them(bad: float) -> None:
    scores = score_all(Task.REGRESSION, np.array([1.0, 2.0]), np.array([1.0, bad]))
    assert scores == {"mse": None, "rmse": None, "mae": None, "r2": None}


def test_regression_scores_do_not_load_sklearn() -> None:
    """A regression worker never imports scikit-learn: that alone costs it 1.3 to 1.5 s at start."""
    code = (
        "import sys, numpy as np; from tuning.data.task import Task; from tuning.definition.metrics import score_all; "
        "score_all(Task.REGRESSION, np.ones(3), np.arange(3.0)); print('sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_classification_metrics_match_sklearn_for_three_classes() -> None:
    scores = score_all(Task.CLASSIFICATION, TRUTH, PROBS)
    hard = PROBS.argmax(axis=1)
    assert scores == pytest.approx(
        {
            "log_loss": sk.log_loss(TRUTH, PROBS),
            "accuracy": 5 / 6,
            "balanced_accuracy": sk.balanced_accuracy_score(TRUTH, hard),
            "f1_macro": sk.f1_score(TRUTH, hard, average="macro"),
            "roc_auc": sk.roc_auc_score(TRUTH, PROBS, multi_class="ovr"),
        }
    )


def test_binary_roc_auc_uses_the_positive_class() -> None:
    truth, probs = np.array([0, 1, 1, 0]), np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.9, 0.1]])
    assert get_metric("roc_auc")(truth, probs) == sk.roc_auc_score(truth, probs[:, 1]) == 1.0


def test_an_undefined_score_is_none_not_nan() -> None:
    assert score_all(Task.CLASSIFICATION, np.array([1, 1]), PROBS[:2])["roc_auc"] is None


def test_every_metric_has_a_task_direction_and_units() -> None:
    assert {m.name for m in metrics_of(Task.REGRESSION)} == {"mse", "rmse", "mae", "r2"}
    assert get_metric("mse").unit_of("$1000s") == "$1000s²"
    assert get_metric("accuracy").direction is Direction.MAXIMIZE and get_metric("accuracy").better(0.9, 0.8)
    assert get_metric("log_loss").better(0.1, 0.2)
    assert all(DEFAULT_METRIC[m.task] in METRICS for m in METRICS.values())


def test_an_unknown_metric_lists_the_known_ones() -> None:
    with pytest.raises(UnknownName, match="unknown metric 'auc'; known ones are \\['mse', 'rmse'"):
        get_metric("auc")


def test_the_spec_doc_lists_every_metric_with_its_task_and_direction() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "spec.md").read_text()
    tasks = ("| regression |", "| classification |")
    rows = [
        line.split("|")[1:4]
        for line in doc.splitlines()
        if line.startswith("| `") and any(t in line for t in tasks)
    ]
    listed = {cells[0].strip().strip("`"): (cells[1].strip(), cells[2].strip()) for cells in rows}
    better = {Direction.MINIMIZE: "lower", Direction.MAXIMIZE: "higher"}
    assert listed == {m.name: (m.task.value, better[m.direction]) for m in METRICS.values()}
