"""Heads: the one place where regression and classification differ in training."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tuning.data.splits import Scaler
from tuning.data.task import Task
from tuning.definition.metrics import get_metric
from tuning.training.heads import Head


def test_classification_head_trains_with_cross_entropy_on_class_codes() -> None:
    head = Head(Task.CLASSIFICATION, 3)
    assert head.outputs == 3 and isinstance(head.loss(), nn.CrossEntropyLoss)
    scaler = Scaler.fit(np.zeros((3, 1)), np.array([0.0, 1.0, 2.0]))
    codes = head.target_tensor(np.array([2.0, 0.0]), scaler, torch.device("cpu"))
    assert codes.dtype == torch.long and codes.tolist() == [2, 0]


def test_classification_predictions_are_probabilities() -> None:
    head = Head(Task.CLASSIFICATION, 3)
    model = nn.Linear(2, 3)
    scaler = Scaler.fit(np.zeros((3, 2)), np.zeros(3))
    probs = head.predict(model, torch.randn(5, 2), scaler)
    assert probs.shape == (5, 3) and np.allclose(probs.sum(axis=1), 1.0)


def test_regression_predictions_come_back_in_target_units() -> None:
    head = Head(Task.REGRESSION)
    scaler = Scaler.fit(np.zeros((2, 1)), np.array([10.0, 30.0]))  # mean 20, std 10
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(1.5)
    assert head.predict(model, torch.zeros(2, 1), scaler).tolist() == [35.0, 35.0]
    target = head.target_tensor(np.array([30.0]), scaler, torch.device("cpu"))
    assert target.shape == (1, 1) and target.item() == 1.0


def test_non_finite_outputs_score_nan_and_none() -> None:
    head = Head(Task.REGRESSION)
    bad = np.array([np.nan, 1.0])
    assert np.isnan(head.score(get_metric("mse"), np.array([1.0, 1.0]), bad))
    assert head.score_all(np.array([1.0, 1.0]), bad) == {"mse": None, "rmse": None, "mae": None, "r2": None}
