"""The simplest honest models, scored beside every run: was tuning a network worth it?

On the run's own splits and with its own fitted preprocessing, a constant model (the
training mean, or the training class shares) and a linear one (least squares, or
logistic regression) are fitted per fold and scored with every metric of the task, on
validation (comparable with each trial) and on test (comparable with the winner's one
look at test). Validation scores are averaged over folds, as a trial's are over its
members; on test the fold models average their predictions, as the winner's members do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from tuning.data.task import Task
from tuning.definition.metrics import score_all


class Baseline(StrEnum):
    """The two reference models of every run."""

    CONSTANT = "constant"
    LINEAR = "linear"

    def label(self, task: Task) -> str:
        """The model's everyday name for this task."""
        names = {
            (Baseline.CONSTANT, Task.REGRESSION): "mean",
            (Baseline.LINEAR, Task.REGRESSION): "linear regression",
            (Baseline.CONSTANT, Task.CLASSIFICATION): "majority class",
            (Baseline.LINEAR, Task.CLASSIFICATION): "logistic regression",
        }
        return names[(self, task)]


@dataclass(frozen=True)
class FoldArrays:
    """One fold's encoded inputs and raw targets (class codes for classification)."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray


Scores = dict[str, float | None]


class MeanModel:
    """The training mean for every row (``DummyRegressor``)."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> MeanModel:
        self.value = float(np.mean(y))
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), self.value)


class LeastSquares:
    """Ordinary least squares with an intercept, as ``LinearRegression`` fits it: centred
    columns, and the minimum-norm solution when there are fewer rows than columns (the
    article's folds train on two or three rows)."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> LeastSquares:
        x_mean, y_mean = x.mean(axis=0), float(np.mean(y))
        self.coef = np.linalg.lstsq(x - x_mean, y - y_mean, rcond=None)[0]
        self.intercept = y_mean - float(x_mean @ self.coef)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return x @ self.coef + self.intercept


def regression_model(kind: Baseline) -> MeanModel | LeastSquares:
    """The regression baselines are closed forms, fitted in numpy (tests hold them equal to
    scikit-learn's): importing scikit-learn would cost a regression worker 1.3 to 1.5 s
    at start, more than training the article's whole grid."""
    return MeanModel() if kind is Baseline.CONSTANT else LeastSquares()


def _model(kind: Baseline, task: Task) -> Any:
    if task is Task.REGRESSION:
        return regression_model(kind)
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind is Baseline.CONSTANT:
        return DummyClassifier(strategy="prior")  # the majority, with the class shares as probabilities
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _predict(model: Any, task: Task, n_classes: int, x: np.ndarray) -> np.ndarray:
    """Values, or probabilities with one column per class of the table (a class missing
    from a fold's training rows gets probability 0)."""
    if task is Task.REGRESSION:
        return np.asarray(model.predict(x), dtype=np.float64)
    probabilities = np.zeros((len(x), n_classes))
    probabilities[:, np.asarray(model.classes_, dtype=int)] = model.predict_proba(x)
    return probabilities


def mean_scores(per_fold: list[Scores]) -> Scores:
    """Each metric averaged over folds, ignoring folds where it is undefined."""
    averaged: Scores = {}
    for name in per_fold[0]:
        values = [value for s in per_fold if (value := s[name]) is not None]
        averaged[name] = float(np.mean(values)) if values else None
    return averaged


def evaluate_baselines(
    task: Task, n_classes: int, folds: list[FoldArrays], test_y: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Per baseline: its label, and every metric on validation and on test."""
    results: dict[str, dict[str, Any]] = {}
    for kind in Baseline:
        val, test = [], []
        for fold in folds:
            model = _model(kind, task).fit(fold.train_x, fold.train_y)
            val.append(score_all(task, fold.val_y, _predict(model, task, n_classes, fold.val_x)))
            test.append(_predict(model, task, n_classes, fold.test_x))
        results[kind.value] = {
            "label": kind.label(task),
            "validation": mean_scores(val),
            "test": score_all(task, test_y, np.mean(test, axis=0)),
        }
    return results
