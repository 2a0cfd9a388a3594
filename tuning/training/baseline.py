"""The baselines, fitted: the models of ``definition.baselines``' registry on a run's folds.

On the run's own splits and with its own fitted preprocessing, every baseline (a constant
model, a linear one, gradient boosting) is fitted per fold and scored with every metric
of the task, on validation (comparable with each trial) and on test (comparable with the
winner's one look at test). Validation scores are averaged over folds, as a trial's are
over its members; on test the fold models average their predictions, as the winner's
members do. Gradient boosting gets the same encoded inputs as the others and the network
(one-hot categories, filled gaps with missing flags), so every model sees the same columns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuning.data.task import Task
from tuning.definition.baselines import BASELINES, Baseline, BaselineResult, Scores
from tuning.definition.metrics import score_all
from tuning.registry import Registry

__all__ = ["MODELS", "FoldArrays", "Scores", "evaluate_baselines", "mean_scores", "not_fitted"]


@dataclass(frozen=True)
class FoldArrays:
    """One fold's encoded inputs and raw targets (class codes for classification)."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray


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


# The regression constant and linear baselines are closed forms, fitted in numpy (tests hold
# them equal to scikit-learn's): importing scikit-learn would cost a regression worker 1.3 to
# 1.5 s at start, more than training the article's whole grid.
def constant(task: Task, seed: int) -> Any:
    if task is Task.REGRESSION:
        return MeanModel()
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="prior")  # the majority, with the class shares as probabilities


def linear(task: Task, seed: int) -> Any:
    if task is Task.REGRESSION:
        return LeastSquares()
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def gradient_boosting(task: Task, seed: int) -> Any:
    """scikit-learn's defaults (100 rounds), without early stopping: it would hold out a
    tenth of the training rows past 10,000 rows, which no other model does."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor if task is Task.REGRESSION else HistGradientBoostingClassifier
    return model(early_stopping=False, random_state=seed)


#: A baseline's unfitted model for a task and the run's seed: one factory per registry entry.
ModelFactory = Callable[[Task, int], Any]

MODELS: Registry[Baseline, ModelFactory] = Registry(
    "baseline model",
    {Baseline.CONSTANT: constant, Baseline.LINEAR: linear, Baseline.GRADIENT_BOOSTING: gradient_boosting},
)


def regression_model(kind: Baseline) -> Any:
    """The numpy model of a closed-form regression baseline (constant or linear)."""
    return MODELS[kind](Task.REGRESSION, 0)


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


def _fitted(
    kind: Baseline, task: Task, n_classes: int, folds: list[FoldArrays], test_y: np.ndarray, seed: int
) -> BaselineResult:
    """One baseline fitted on every fold and scored, with the seconds that took (its
    module's import aside: the models are built before the clock starts)."""
    models = [MODELS[kind](task, seed) for _ in folds]
    started = time.perf_counter()
    val, test = [], []
    for fold, unfitted in zip(folds, models, strict=True):
        model = unfitted.fit(fold.train_x, fold.train_y)
        val.append(score_all(task, fold.val_y, _predict(model, task, n_classes, fold.val_x)))
        test.append(_predict(model, task, n_classes, fold.test_x))
    fit_s = time.perf_counter() - started
    label = BASELINES[kind].label(task)
    return BaselineResult(
        kind.value, label, mean_scores(val), score_all(task, test_y, np.mean(test, axis=0)), fit_s
    )


def evaluate_baselines(
    task: Task,
    n_classes: int,
    folds: list[FoldArrays],
    test_y: np.ndarray,
    skipped: Mapping[Baseline, str] | None = None,
    seed: int = 0,
    threads: int = 1,
) -> dict[str, dict[str, Any]]:
    """Every baseline as ``record.BASELINES`` stores it: its label, every metric on
    validation and on test, and its fit time; those in ``skipped`` only with the reason.

    scikit-learn's models use ``threads`` threads, the worker's own: with OpenMP's default
    (every core) gradient boosting fitted tiny folds up to 100 times slower on the loaded
    2-core machine (5 s instead of 0.05 s), its threads waiting for each other.
    """
    from threadpoolctl import threadpool_limits

    skipped = skipped or {}
    results: dict[str, dict[str, Any]] = {}
    with threadpool_limits(limits=threads):
        for kind, info in BASELINES.items():
            if kind in skipped:
                result = BaselineResult(kind.value, info.label(task), {}, {}, skipped=skipped[kind])
            else:
                result = _fitted(kind, task, n_classes, folds, test_y, seed)
            results[kind.value] = result.to_dict()
    return results


def not_fitted(task: Task, reason: str) -> dict[str, dict[str, Any]]:
    """Every baseline stored as skipped for ``reason``: for data the baselines cannot take
    (a model's own data that is not a table of rows and columns, e.g. images)."""
    return {
        kind.value: BaselineResult(kind.value, info.label(task), {}, {}, skipped=reason).to_dict()
        for kind, info in BASELINES.items()
    }
