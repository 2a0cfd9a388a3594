"""The baselines registry: labels per task, what a costly baseline may cost, and the stored record."""

from __future__ import annotations

import json

import pytest

from tuning.data.task import Task
from tuning.definition.baselines import (
    BASELINES,
    MAX_SHARE,
    SKLEARN_IMPORT_S,
    Baseline,
    BaselineRequest,
    BaselineResult,
    FitSize,
    baseline_results,
    costly_skips,
)

BOOSTING = BASELINES[Baseline.GRADIENT_BOOSTING]
COST = BOOSTING.cost
SMALL = FitSize(rows=200, columns=10, classes=0, fits=1)
LARGE = FitSize(rows=160_000, columns=40, classes=3, fits=5)


def test_every_baseline_is_named_for_both_tasks() -> None:
    assert [BASELINES[b].label(Task.REGRESSION) for b in Baseline] == [
        "mean", "linear regression", "gradient boosting",
    ]  # fmt: skip
    assert [BASELINES[b].label(Task.CLASSIFICATION) for b in Baseline] == [
        "majority class", "logistic regression", "gradient boosting",
    ]  # fmt: skip


def test_only_gradient_boosting_has_a_cost_to_weigh() -> None:
    assert [name for name, info in BASELINES.items() if info.cost is not None] == [Baseline.GRADIENT_BOOSTING]


def test_a_fit_costs_more_with_rows_columns_folds_and_classes() -> None:
    assert COST is not None
    base = COST.seconds(SMALL)
    for bigger in (
        FitSize(2_000, 10, 0, 1),
        FitSize(200, 50, 0, 1),
        FitSize(200, 10, 0, 5),
        FitSize(200, 10, 5, 1),
    ):
        assert COST.seconds(bigger) > base, bigger
    assert COST.seconds(FitSize(200, 10, 2, 1)) == base  # two classes: one tree per round, as regression
    three = COST.seconds(FitSize(200, 10, 3, 1)) - COST.start_s
    assert three == pytest.approx(3 * (base - COST.start_s))


def test_a_costly_baseline_is_fitted_when_it_is_cheap_beside_the_run() -> None:
    assert COST is not None
    cost = COST.seconds(LARGE)
    assert costly_skips(BaselineRequest.AUTO, cost / MAX_SHARE * 1.01, LARGE, sklearn_loaded=True) == {}


def test_a_costly_baseline_over_a_tenth_of_the_forecast_is_left_out_saying_why() -> None:
    assert COST is not None
    forecast_s = COST.seconds(LARGE) / MAX_SHARE * 0.9
    skips = costly_skips(BaselineRequest.AUTO, forecast_s, LARGE, sklearn_loaded=True)
    assert list(skips) == [Baseline.GRADIENT_BOOSTING]
    reason = skips[Baseline.GRADIENT_BOOSTING]
    assert reason.startswith(f"its fit would take about {COST.seconds(LARGE):.2g} s, more than a tenth")
    assert f"forecast ({forecast_s:.3g} s)" in reason and '"baselines": "all"' in reason


def test_asking_for_every_baseline_fits_it_whatever_it_costs() -> None:
    assert costly_skips(BaselineRequest.ALL, 1.0, LARGE, sklearn_loaded=False) == {}


def test_loading_scikit_learn_counts_where_the_run_would_not_load_it() -> None:
    """A regression on plain numbers (the article's houses) loads no scikit-learn unless
    gradient boosting does: that import is part of its cost there."""
    assert COST is not None
    forecast_s = (COST.seconds(SMALL) + SKLEARN_IMPORT_S / 2) / MAX_SHARE
    assert costly_skips(BaselineRequest.AUTO, forecast_s, SMALL, sklearn_loaded=True) == {}
    assert list(costly_skips(BaselineRequest.AUTO, forecast_s, SMALL, sklearn_loaded=False)) == [
        Baseline.GRADIENT_BOOSTING
    ]


def test_a_result_round_trips_through_json() -> None:
    fitted = BaselineResult("gradient_boosting", "gradient boosting", {"mse": 1.5}, {"mse": 2.0}, 0.25)
    skipped = BaselineResult("gradient_boosting", "gradient boosting", {}, {}, skipped="too slow")
    stored = json.loads(json.dumps({"a": fitted.to_dict(), "b": skipped.to_dict()}))
    assert stored["b"] == {"label": "gradient boosting", "validation": {}, "test": {}, "skipped": "too slow"}
    assert [r.to_dict() for r in baseline_results(stored)] == [fitted.to_dict(), skipped.to_dict()]


def test_baselines_stored_before_fit_times_read_without_them() -> None:
    old = {"linear": {"label": "linear regression", "validation": {"mse": 3.0}, "test": {"mse": 4.0}}}
    [result] = baseline_results(old)
    assert (result.name, result.fit_s, result.skipped, result.test) == ("linear", None, None, {"mse": 4.0})
    assert baseline_results(None) == []
