"""The best panel's data: test pictures, baseline lines, and the verdict against baselines."""

from __future__ import annotations

import numpy as np

from tuning.data.task import Task
from tuning.definition.metrics import get_metric
from tuning.views.outcome import (
    baseline_lines,
    baseline_notes,
    baseline_verdict,
    confusion_frame,
    prediction_frame,
    winner_picture,
)
from tuning.views.outcome import test_table as on_test_table  # not a test: pytest would collect the name

BASELINES = {  # as runs stored them before gradient boosting and fit times
    "constant": {"label": "majority class", "validation": {"accuracy": 0.44}, "test": {"accuracy": 0.435}},
    "linear": {"label": "logistic regression", "validation": {"accuracy": 0.99}, "test": {"accuracy": 0.965}},
}
BOOSTED = {
    **{name: {**entry, "fit_s": 0.0012} for name, entry in BASELINES.items()},
    "gradient_boosting": {
        "label": "gradient boosting", "validation": {"accuracy": 0.97}, "test": {"accuracy": 0.94}, "fit_s": 1.84,
    },
}  # fmt: skip
SKIPPED = {
    **BASELINES,
    "gradient_boosting": {"label": "gradient boosting", "validation": {}, "test": {}, "skipped": "too slow"},
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


def test_the_verdict_and_the_lines_name_gradient_boosting() -> None:
    accuracy = get_metric("accuracy")
    assert (
        baseline_verdict(accuracy, "", 0.95, BOOSTED)[2] == "beats gradient boosting (accuracy 0.94) by 0.01"
    )
    assert baseline_lines(BOOSTED, accuracy)[2] == ("gradient boosting", 0.97)


def test_a_skipped_baseline_draws_no_line_takes_no_column_and_says_why() -> None:
    accuracy = get_metric("accuracy")
    assert [label for label, _ in baseline_lines(SKIPPED, accuracy)] == [
        "majority class",
        "logistic regression",
    ]
    assert len(baseline_verdict(accuracy, "", 0.95, SKIPPED)) == 2
    table = on_test_table({"accuracy": 0.95}, SKIPPED)
    assert list(table.columns) == ["tuned network", "majority class", "logistic regression"]
    assert baseline_notes(SKIPPED) == ["Gradient boosting was not fitted: too slow."]


def test_the_notes_give_each_baselines_fit_time() -> None:
    assert baseline_notes(BOOSTED) == [
        "Baselines' fit time (every fold): majority class 0.0012 s, logistic regression 0.0012 s, "
        "gradient boosting 1.8 s."
    ]
    assert list(on_test_table({"accuracy": 0.95}, BOOSTED).loc["accuracy"]) == [0.95, 0.435, 0.965, 0.94]


def test_runs_stored_before_gradient_boosting_read_as_they_did() -> None:
    assert baseline_notes(BASELINES) == [] and baseline_notes(None) == []
    assert len(baseline_lines(BASELINES, get_metric("accuracy"))) == 2


def test_data_that_no_baseline_takes_says_so_once() -> None:
    reason = "the data is not a table of rows and columns"
    stored = {
        name: {"label": name, "validation": {}, "test": {}, "skipped": reason}
        for name in ("constant", "linear", "gradient_boosting")
    }
    assert baseline_notes(stored) == [f"No baselines: {reason}."]
    assert baseline_lines(stored, get_metric("accuracy")) == []
    assert list(on_test_table({"accuracy": 0.9}, stored).columns) == ["tuned network"]


def test_baselines_are_labelled_reference_lines() -> None:
    import plotly.graph_objects as go

    from tuning.views.outcome_figures import add_baselines

    lines = [("majority class", 1.05), ("logistic regression", 0.44), ("gradient boosting", 0.41)]
    fig = add_baselines(go.Figure(), lines)
    assert [s.y0 for s in fig.layout.shapes] == [1.05, 0.44, 0.41]
    assert len({s.line.dash for s in fig.layout.shapes}) == 3  # each its own dotted pattern
    assert [a.text for a in fig.layout.annotations] == [
        "baseline: majority class 1.05",
        "baseline: logistic regression 0.44",
        "baseline: gradient boosting 0.41",
    ]


def test_a_baseline_far_above_the_trials_is_said_at_the_top_not_drawn() -> None:
    """The mean's line at 11,640 stretched the loss axis ten times past the trials (about
    1,000), which lay flat along the bottom."""
    import plotly.graph_objects as go

    from tuning.views.outcome_figures import add_baselines

    lines = [("mean", 11_640.0), ("linear regression", 1_268.0)]
    fig = add_baselines(go.Figure(), lines, ceiling=5_300.0)
    assert [s.y0 for s in fig.layout.shapes] == [1_268.0]
    above, drawn = fig.layout.annotations
    assert (above.text, above.yref, above.y) == ("baseline: mean 11,640, above the chart", "y domain", 1)
    assert drawn.text == "baseline: linear regression 1,268"
    assert len(add_baselines(go.Figure(), lines).layout.shapes) == 2  # no ceiling: every line


def test_the_pictures_draw_their_frames() -> None:
    from tuning.views.outcome_figures import confusion_figure, prediction_figure

    picture = {"classes": ["a", "b"], "counts": [[3, 1], [0, 4]]}
    heat = confusion_figure(confusion_frame(picture)).data[0]
    assert heat.type == "heatmap" and list(heat.x) == ["a", "b"] and heat.text.tolist() == [[3, 1], [0, 4]]
    assert heat.z.tolist() == [[0.75, 0.25], [0.0, 1.0]]  # shares of each actual class
    scatter = prediction_figure(prediction_frame({"actual": [1.0, 2.0], "predicted": [1.5, 1.0]}), "$1000s")
    diagonal, points = scatter.data
    assert list(diagonal.x) == [1.0, 2.0] and list(points.y) == [1.5, 1.0]
    assert scatter.layout.xaxis.title.text == "actual ($1000s)"


MSE_BASELINES = {
    "constant": {"label": "mean", "validation": {"mse": 11640.2}, "test": {"mse": 11170.4}, "fit_s": 1234.5},
    "linear": {"label": "linear regression", "validation": {"mse": 1300.0}, "test": {"mse": 1268.2}},
}


def test_baselines_are_written_with_the_apps_digits_not_scientific_notation() -> None:
    import plotly.graph_objects as go

    from tuning.views.outcome_figures import add_baselines

    mse = get_metric("mse")
    assert baseline_verdict(mse, "$1000s²", 266.0, MSE_BASELINES) == [
        "beats mean (MSE 11,170) by 10,904 $1000s²",
        "beats linear regression (MSE 1,268.2) by 1,002.2 $1000s²",
    ]
    assert baseline_notes(MSE_BASELINES) == ["Baselines' fit time (every fold): mean 1,200 s."]
    fig = add_baselines(go.Figure(), baseline_lines(MSE_BASELINES, mse))
    assert [a.text for a in fig.layout.annotations] == [
        "baseline: mean 11,640",
        "baseline: linear regression 1,300",
    ]


def test_a_confusion_matrix_of_numbered_classes_has_one_tick_per_class() -> None:
    """Classes 0, 1, 2 were read by plotly.js as numbers: ticks at -0.5, 0, 0.5… (QA pass)."""
    from tuning.views.outcome_figures import confusion_figure

    picture = {"classes": [0, 1, 2], "counts": [[3, 1, 0], [0, 4, 0], [1, 0, 2]]}
    fig = confusion_figure(confusion_frame(picture))
    assert (fig.layout.xaxis.type, fig.layout.yaxis.type) == ("category", "category")
