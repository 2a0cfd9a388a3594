"""Baselines: the constant, linear and gradient-boosting models, scored with every metric on the run's folds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tuning.data.task import Task
from tuning.definition.baselines import BASELINES, Baseline
from tuning.training.baseline import (
    MODELS,
    FoldArrays,
    evaluate_baselines,
    mean_scores,
    not_fitted,
    regression_model,
)

SKIP_BOOSTING = {Baseline.GRADIENT_BOOSTING: "left out"}


def folds_of(x: np.ndarray, y: np.ndarray, test: np.ndarray, k: int = 2) -> list[FoldArrays]:
    rest = np.setdiff1d(np.arange(len(y)), test)
    parts = np.array_split(rest, k)
    folds = []
    for i in range(k):
        train = np.concatenate([p for j, p in enumerate(parts) if j != i])
        folds.append(FoldArrays(x[train], y[train], x[parts[i]], y[parts[i]], x[test]))
    return folds


def test_regression_baselines_are_the_mean_and_least_squares() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = 3 * x[:, 0] + 1.0
    test = np.arange(50, 60)
    result = evaluate_baselines(Task.REGRESSION, 0, folds_of(x, y, test), y[test], SKIP_BOOSTING)
    assert result["constant"]["label"] == "mean" and result["linear"]["label"] == "linear regression"
    assert result["linear"]["test"]["mse"] == pytest.approx(0.0, abs=1e-12)
    assert result["constant"]["test"]["mse"] == pytest.approx(
        float(np.mean((y[test] - y[:50].mean()) ** 2)), rel=0.05
    )
    assert set(result["linear"]["validation"]) == {"mse", "rmse", "mae", "r2"}


def test_classification_baselines_are_the_majority_and_logistic_regression() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(90, 2))
    y = np.where(x[:, 0] > 0.5, 2, np.where(x[:, 0] > -0.3, 1, 0)).astype(np.float64)
    test = np.arange(70, 90)
    result = evaluate_baselines(Task.CLASSIFICATION, 3, folds_of(x, y, test), y[test], SKIP_BOOSTING)
    majority = np.bincount(y[test].astype(int)).max() / len(test)
    assert result["constant"]["label"] == "majority class"
    assert result["constant"]["test"]["accuracy"] <= majority + 1e-9
    assert result["linear"]["test"]["accuracy"] > 0.85
    assert result["constant"]["test"]["roc_auc"] == pytest.approx(0.5)


def test_mean_scores_skip_undefined_folds() -> None:
    assert mean_scores([{"a": 1.0, "b": None}, {"a": 3.0, "b": None}]) == {"a": 2.0, "b": None}


@pytest.mark.parametrize(
    "rows, features",
    [(60, 3), (2, 2), (3, 5)],  # the last two: fewer rows than columns (the article's folds have 2 or 3)
)
def test_regression_baselines_predict_as_sklearns_models(rows: int, features: int) -> None:
    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(rows)
    x, y, new = rng.normal(size=(rows, features)), rng.normal(size=rows), rng.normal(size=(7, features))
    for kind, reference in ((Baseline.CONSTANT, DummyRegressor()), (Baseline.LINEAR, LinearRegression())):
        ours = regression_model(kind).fit(x, y).predict(new)
        np.testing.assert_allclose(ours, reference.fit(x, y).predict(new), rtol=1e-9, atol=1e-9)


def test_regression_baselines_without_gradient_boosting_do_not_load_sklearn() -> None:
    code = (
        "import sys, numpy as np; from tuning.data.task import Task; "
        "from tuning.definition.baselines import Baseline; "
        "from tuning.training.baseline import FoldArrays, evaluate_baselines; "
        "x = np.arange(12.0).reshape(6, 2); y = np.arange(6.0); fold = FoldArrays(x[:4], y[:4], x[4:], y[4:], x[4:]); "
        "evaluate_baselines(Task.REGRESSION, 0, [fold], y[4:], {Baseline.GRADIENT_BOOSTING: 'out'}); "
        "print('sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_every_registered_baseline_has_a_model() -> None:
    assert list(MODELS) == list(BASELINES)


@pytest.mark.parametrize("task", list(Task))
def test_gradient_boosting_is_sklearns_default_without_early_stopping_seeded(task: Task) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    default = (HistGradientBoostingRegressor if task is Task.REGRESSION else HistGradientBoostingClassifier)()
    ours = MODELS[Baseline.GRADIENT_BOOSTING](task, 7)
    changed = {k: v for k, v in ours.get_params().items() if v != default.get_params()[k]}
    assert changed == {"early_stopping": False, "random_state": 7}


def test_gradient_boosting_finds_what_a_line_cannot_and_says_its_fit_time() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, size=(300, 2))
    y = np.sin(3 * x[:, 0]) + x[:, 1] ** 2
    test = np.arange(240, 300)
    result = evaluate_baselines(Task.REGRESSION, 0, folds_of(x, y, test), y[test], seed=3)
    boosting = result["gradient_boosting"]
    assert boosting["label"] == "gradient boosting" and "skipped" not in boosting
    assert boosting["test"]["mse"] < 0.5 * result["linear"]["test"]["mse"]
    assert set(boosting["validation"]) == {"mse", "rmse", "mae", "r2"}
    assert all(entry["fit_s"] > 0 for entry in result.values())


def test_gradient_boosting_gives_every_class_of_the_table_a_probability() -> None:
    """A fold whose training rows lack class 2 still scores on the table's three classes."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(80, 3))
    y = (x[:, 0] > 0).astype(np.float64)
    y[-10:] = 2.0  # class 2 only in the test rows
    fold = FoldArrays(x[:50], y[:50], x[50:70], y[50:70], x[70:])
    result = evaluate_baselines(Task.CLASSIFICATION, 3, [fold], y[70:])
    assert result["gradient_boosting"]["test"]["accuracy"] == 0.0  # every test row is the unseen class
    assert result["gradient_boosting"]["validation"]["accuracy"] > 0.8
    assert result["gradient_boosting"]["test"]["log_loss"] is not None


def test_a_skipped_baseline_is_stored_with_its_reason_and_no_scores() -> None:
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    fold = FoldArrays(x[:6], y[:6], x[6:8], y[6:8], x[8:])
    result = evaluate_baselines(Task.REGRESSION, 0, [fold], y[8:], {Baseline.GRADIENT_BOOSTING: "too slow"})
    assert result["gradient_boosting"] == {
        "label": "gradient boosting", "validation": {}, "test": {}, "skipped": "too slow",
    }  # fmt: skip
    assert result["linear"]["test"]["mse"] == pytest.approx(0.0, abs=1e-9)


def test_data_that_is_no_table_gets_every_baseline_skipped_with_the_reason() -> None:
    stored = not_fitted(Task.CLASSIFICATION, "the data is not a table of rows and columns")
    assert [(e["label"], e["skipped"], e["test"]) for e in stored.values()] == [
        (label, "the data is not a table of rows and columns", {})
        for label in ("majority class", "logistic regression", "gradient boosting")
    ]
