"""Baselines: the constant and linear models, scored with every metric on the run's folds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tuning.data.task import Task
from tuning.training.baseline import Baseline, FoldArrays, evaluate_baselines, mean_scores, regression_model


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
    result = evaluate_baselines(Task.REGRESSION, 0, folds_of(x, y, test), y[test])
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
    result = evaluate_baselines(Task.CLASSIFICATION, 3, folds_of(x, y, test), y[test])
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


def test_regression_baselines_do_not_load_sklearn() -> None:
    code = (
        "import sys, numpy as np; from tuning.definition.metrics import Task; "
        "from tuning.training.baseline import FoldArrays, evaluate_baselines; "
        "x = np.arange(12.0).reshape(6, 2); y = np.arange(6.0); fold = FoldArrays(x[:4], y[:4], x[4:], y[4:], x[4:]); "
        "evaluate_baselines(Task.REGRESSION, 0, [fold], y[4:]); print('sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
