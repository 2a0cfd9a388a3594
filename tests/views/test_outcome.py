"""The best panel's data: test pictures, baseline lines, and the verdict against baselines."""

from __future__ import annotations

import numpy as np

from tuning.definition.metrics import Task, get_metric
from tuning.views.outcome import (
    baseline_lines,
    baseline_verdict,
    confusion_frame,
    prediction_frame,
    winner_picture,
)

BASELINES = {
    "constant": {"label": "majority class", "validation": {"accuracy": 0.44}, "test": {"accuracy": 0.435}},
    "linear": {"label": "logistic regression", "validation": {"accuracy": 0.99}, "test": {"accuracy": 0.965}},
}


def test_a_confusion_matrix_counts_actual_against_predicted() -> None:
    truth = np.array([0, 1, 2, 2])
    probs = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.1, 0.6, 0.3], [0, 0.1, 0.9]])
    picture = winner_picture(Task.CLASSIFICATION, ("a", "b", "c"), truth, probs)
    frame = confusion_frame(picture)
    assert frame.loc["c", "b"] == 1 and frame.loc["c", "c"] == 1 and int(frame.to_numpy().sum()) == 4
    assert list(frame.columns) == ["a", "b", "c"]


def test_a_regression_picture_keeps_at_most_its_point_cap() -> None:
    truth = np.arange(5000.0)
    picture = winner_picture(Task.REGRESSION, (), truth, truth + 1)
    frame = prediction_frame(picture)
    assert len(frame) == 2000 and frame["actual"].iloc[-1] == 4999.0
    assert (frame["predicted"] - frame["actual"] == 1).all()


def test_the_verdict_says_by_how_much_the_network_beats_or_trails_each_baseline() -> None:
    accuracy = get_metric("accuracy")
    assert baseline_verdict(accuracy, "", 0.95, BASELINES) == [
        "beats majority class (accuracy 0.435) by 0.515",
        "trails logistic regression (accuracy 0.965) by 0.015",
    ]
    assert baseline_verdict(accuracy, "", None, BASELINES) == []


def test_error_metrics_carry_the_target_unit_and_lower_is_better() -> None:
    mse = {"linear": {"label": "linear regression", "validation": {"mse": 20.0}, "test": {"mse": 25.0}}}
    assert baseline_verdict(get_metric("mse"), "$1000s²", 20.0, mse) == [
        "beats linear regression (MSE 25) by 5 $1000s²"
    ]
    assert baseline_lines(mse, get_metric("mse")) == [("linear regression", 20.0)]
    assert baseline_lines(mse, get_metric("mae")) == []
