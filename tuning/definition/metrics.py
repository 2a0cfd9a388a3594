"""The metrics registry: every score a run can select by, record and show, in one place.

Each entry names its task, whether lower or higher is better, its units and how it is
computed (``sklearn.metrics`` for classification, numpy closed forms for regression), so
a spec's ``metric`` fixes the study's direction and every chart, table and export can
label a value without special cases. Scores are computed from *predictions*: values in
the target's units for regression, class probabilities (one column per class, labels
coded 0..k-1) for classification.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from tuning.data.task import Task
from tuning.registry import Registry


class Direction(StrEnum):
    """Which way a metric improves; also Optuna's study direction."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


Score = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True)
class Metric:
    """One score: how to compute it and how to present it."""

    name: str
    task: Task
    direction: Direction
    label: str
    #: ``{unit}`` is replaced by the target's unit (regression errors are in its units).
    units: str
    score: Score

    def __call__(self, truth: np.ndarray, predicted: np.ndarray) -> float:
        """The score, or NaN where it is undefined (ROC AUC with one class present)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn warns, then returns NaN; we report None
            try:
                return float(self.score(truth, predicted))
            except ValueError:
                return math.nan

    def unit_of(self, target_unit: str) -> str:
        return self.units.format(unit=target_unit)

    def better(self, a: float, b: float) -> bool:
        """True when score ``a`` beats score ``b``."""
        return a < b if self.direction is Direction.MINIMIZE else a > b


def _classes(probabilities: np.ndarray) -> list[int]:
    return list(range(probabilities.shape[1]))


def _regression_pair(truth: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both as flat float vectors of one length; refuses NaN and infinity with ValueError,
    as ``sklearn.metrics`` does (the score is then undefined: None)."""
    truth, predicted = (np.asarray(a, dtype=np.float64).ravel() for a in (truth, predicted))
    if len(truth) != len(predicted) or not len(truth):
        raise ValueError(f"{len(truth)} true values against {len(predicted)} predictions")
    if not (np.isfinite(truth).all() and np.isfinite(predicted).all()):
        raise ValueError("NaN or infinity among the values")
    return truth, predicted


# The regression scores are closed forms, computed in numpy rather than by sklearn.metrics
# (tests/definition/test_metrics.py holds them equal): importing scikit-learn would cost
# every regression worker 1.3 to 1.5 s at start, more than it trains the article's grid.
def _mse(truth: np.ndarray, predicted: np.ndarray) -> float:
    truth, predicted = _regression_pair(truth, predicted)
    return float(np.mean((truth - predicted) ** 2))


def _rmse(truth: np.ndarray, predicted: np.ndarray) -> float:
    return math.sqrt(_mse(truth, predicted))


def _mae(truth: np.ndarray, predicted: np.ndarray) -> float:
    truth, predicted = _regression_pair(truth, predicted)
    return float(np.mean(np.abs(truth - predicted)))


def _r2(truth: np.ndarray, predicted: np.ndarray) -> float:
    """1 − residual / total sum of squares; on a constant truth, 1 for an exact fit and 0
    otherwise (sklearn's ``force_finite``); undefined on one row."""
    truth, predicted = _regression_pair(truth, predicted)
    if len(truth) < 2:
        return math.nan
    residual = float(np.sum((truth - predicted) ** 2))
    total = float(np.sum((truth - truth.mean()) ** 2))
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1 - residual / total


def _log_loss(truth: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import log_loss

    return log_loss(truth, probabilities, labels=_classes(probabilities))


def _accuracy(truth: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import accuracy_score

    return accuracy_score(truth, probabilities.argmax(axis=1))


def _balanced_accuracy(truth: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import recall_score

    # Macro recall over every class of the table, so a class missing from these rows
    # does not silently change what is averaged (balanced_accuracy_score has no labels=).
    present = np.unique(truth).tolist()
    return recall_score(truth, probabilities.argmax(axis=1), labels=present, average="macro", zero_division=0)


def _f1_macro(truth: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return f1_score(
        truth, probabilities.argmax(axis=1), labels=_classes(probabilities), average="macro", zero_division=0
    )


def _roc_auc(truth: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if probabilities.shape[1] == 2:
        return roc_auc_score(truth, probabilities[:, 1])
    return roc_auc_score(truth, probabilities, multi_class="ovr", labels=_classes(probabilities))


METRICS: Registry[str, Metric] = Registry(
    "metric",
    {
        m.name: m
        for m in (
            Metric("mse", Task.REGRESSION, Direction.MINIMIZE, "MSE", "{unit}²", _mse),
            Metric("rmse", Task.REGRESSION, Direction.MINIMIZE, "RMSE", "{unit}", _rmse),
            Metric("mae", Task.REGRESSION, Direction.MINIMIZE, "MAE", "{unit}", _mae),
            Metric("r2", Task.REGRESSION, Direction.MAXIMIZE, "R²", "share of variance", _r2),
            Metric("log_loss", Task.CLASSIFICATION, Direction.MINIMIZE, "log loss", "nats", _log_loss),
            Metric(
                "accuracy", Task.CLASSIFICATION, Direction.MAXIMIZE, "accuracy", "share correct", _accuracy
            ),
            Metric(
                "balanced_accuracy",
                Task.CLASSIFICATION,
                Direction.MAXIMIZE,
                "balanced accuracy",
                "mean recall per class",
                _balanced_accuracy,
            ),  # fmt: skip
            Metric(
                "f1_macro",
                Task.CLASSIFICATION,
                Direction.MAXIMIZE,
                "macro F1",
                "mean F1 per class",
                _f1_macro,
            ),
            Metric("roc_auc", Task.CLASSIFICATION, Direction.MAXIMIZE, "ROC AUC", "one-vs-rest", _roc_auc),
        )
    },
)

#: The selection metric when a spec names none: the loss each task trains with.
DEFAULT_METRIC = {Task.REGRESSION: "mse", Task.CLASSIFICATION: "log_loss"}


def _unscored(truth: np.ndarray, predicted: np.ndarray) -> float:
    raise ValueError("an Optuna objective's value comes from its own code, not from predictions")


#: The most values an Optuna objective may return (a tuple: a trade-off), as a spec's
#: ``objectives`` may list (``definition/objectives.MAX_OBJECTIVES``).
MAX_OBJECTIVE_VALUES = 3


def _objective_value(index: int, direction: Direction) -> Metric:
    """Value ``index`` of what an Optuna objective returns, better ``direction``-d: named
    ``objective`` (``objective_max``) for the first, ``objective_2`` (``objective_2_max``)...
    after it, so a name alone says which value and which way."""
    number = f"_{index + 1}" if index else ""
    name = f"objective{number}{'_max' if direction is Direction.MAXIMIZE else ''}"
    label = f"objective value{' ' + str(index + 1) if index else ''}"
    return Metric(name, Task.REGRESSION, direction, label, "as your objective returns it", _unscored)


#: What an Optuna objective's run is selected by and trades off: the values its function
#: returns. Sweetspot cannot know what they measure, only their directions (the spec's
#: ``direction``); these are not in ``METRICS``, so no task lists them.
OBJECTIVE_METRICS: dict[str, Metric] = {
    metric.name: metric
    for index in range(MAX_OBJECTIVE_VALUES)
    for metric in (_objective_value(index, direction) for direction in Direction)
}


def objective_metric(index: int, direction: Direction) -> Metric:
    """Value ``index`` (0 first) of an Optuna objective, better ``direction``-d."""
    return OBJECTIVE_METRICS[_objective_value(index, direction).name]


def get_metric(name: str) -> Metric:
    """The registered metric ``name`` (or an objective's value); an unknown name raises
    UnknownName listing the known ones."""
    return OBJECTIVE_METRICS[name] if name in OBJECTIVE_METRICS else METRICS[name]


def metrics_of(task: Task) -> list[Metric]:
    """Every metric of ``task``, in registry order (the order tables show them)."""
    return [m for m in METRICS.values() if m.task is task]


def score_all(task: Task, truth: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    """Every metric of ``task`` on these rows; None where a metric is undefined there
    (stored as JSON, which has no NaN)."""
    scores: dict[str, float | None] = {}
    for metric in metrics_of(task):
        value = metric(truth, predicted)
        scores[metric.name] = value if math.isfinite(value) else None
    return scores
