"""The winner on test rows, and against the baselines: the data behind the best panel.

Computed apart from drawing (``tuning.views.figures`` draws): what the worker stores when
a run ends (a small picture of the test predictions), and the frames and sentences the
dashboard and the CLI make of it. "Was tuning worth it?" is answered on test, the only
place where the network and the baselines meet on rows neither has seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tuning.data.task import Task
from tuning.definition.baselines import baseline_results
from tuning.definition.metrics import Metric, get_metric
from tuning.storage import record
from tuning.storage.record import RunResult
from tuning.views.formatting import fmt_score

if TYPE_CHECKING:
    import pandas as pd

    from tuning.storage.runs import Run
    from tuning.views.summary import RunSummary

#: Points kept for the predicted-against-actual picture (evenly spaced test rows beyond it).
MAX_PICTURE_POINTS = 2_000


def winner_picture(
    task: Task, classes: tuple[str, ...], truth: np.ndarray, predicted: np.ndarray
) -> dict[str, Any]:
    """What the best panel draws, as plain data for the run's result.

    Regression: actual and predicted values of (at most ``MAX_PICTURE_POINTS``) test rows.
    Classification: the confusion matrix (rows: actual class, columns: predicted class).
    """
    if task is Task.CLASSIFICATION:
        hard = predicted.argmax(axis=1)
        counts = np.zeros((len(classes), len(classes)), dtype=int)
        np.add.at(counts, (truth.astype(int), hard), 1)
        return {"classes": list(classes), "counts": counts.tolist()}
    keep = np.linspace(0, len(truth) - 1, min(len(truth), MAX_PICTURE_POINTS)).round().astype(int)
    return {"actual": truth[keep].tolist(), "predicted": predicted[keep].tolist()}


def prediction_frame(picture: dict[str, Any]) -> pd.DataFrame:
    """Predicted against actual target values, one row per test row."""
    import pandas as pd

    return pd.DataFrame({"actual": picture["actual"], "predicted": picture["predicted"]})


def confusion_frame(picture: dict[str, Any]) -> pd.DataFrame:
    """Test rows counted by actual class (index) and predicted class (columns)."""
    import pandas as pd

    classes = picture["classes"]
    return pd.DataFrame(picture["counts"], index=pd.Index(classes, name="actual"), columns=classes)


def baseline_lines(baselines: dict[str, Any], metric: Metric) -> list[tuple[str, float]]:
    """(label, validation score) of each fitted baseline, for reference lines beside the trials."""
    lines = []
    for result in baseline_results(baselines):
        value = result.validation.get(metric.name)
        if value is not None:
            lines.append((result.label, float(value)))
    return lines


def baseline_verdict(
    metric: Metric, metric_unit: str, network: float | None, baselines: dict[str, Any]
) -> list[str]:
    """One phrase per fitted baseline: by how much the tuned network beats (or trails) it on
    test, e.g. "beats logistic regression (accuracy 0.965) by 0.0116". ``metric_unit`` (the
    metric's unit for this target) follows differences of errors in the target's units."""
    if network is None:
        return []
    unit = f" {metric_unit}" if "{unit}" in metric.units else ""
    phrases = []
    for result in baseline_results(baselines):
        value = result.test.get(metric.name)
        if value is None:
            continue
        verdict = "ties with" if network == value else "beats" if metric.better(network, value) else "trails"
        gap = f" by {fmt_score(abs(network - value))}{unit}" if network != value else ""
        phrases.append(f"{verdict} {result.label} ({metric.label} {fmt_score(value)}){gap}")
    return phrases


def baseline_notes(baselines: dict[str, Any] | None) -> list[str]:
    """What the run paid for its baselines and which it left out, e.g. "Baselines' fit time
    (every fold): mean 0.0005 s, gradient boosting 1.2 s" and "Gradient boosting was not
    fitted: …". Runs stored before fit times were recorded say nothing of them."""
    results = baseline_results(baselines)
    timed = [f"{r.label} {fmt_score(r.fit_s, 2)} s" for r in results if r.fit_s is not None]
    notes = [f"Baselines' fit time (every fold): {', '.join(timed)}."] if timed else []
    skipped = [r for r in results if r.skipped]
    if skipped and len(skipped) == len(results) and len({r.skipped for r in skipped}) == 1:
        return notes + [f"No baselines: {skipped[0].skipped}."]  # data they cannot take
    return notes + [f"{r.label[:1].upper()}{r.label[1:]} was not fitted: {r.skipped}." for r in skipped]


def test_table(test_metrics: dict[str, float | None], baselines: dict[str, Any] | None) -> pd.DataFrame:
    """Every metric of the task on test: the tuned network beside each fitted baseline."""
    import pandas as pd

    columns: dict[str, list[float | None]] = {"tuned network": list(test_metrics.values())}
    for result in baseline_results(baselines):
        if result.skipped is None:
            columns[result.label] = [result.test.get(name) for name in test_metrics]
    index = pd.Index([get_metric(name).label for name in test_metrics], name="metric")
    return pd.DataFrame(columns, index=index)


@dataclass(frozen=True)
class WinnerOutcome:
    """What the best panel shows once a run has ended: scores, verdict, and a picture."""

    task: Task
    metric: Metric
    metric_unit: str
    table: pd.DataFrame  # test_table
    verdict: list[str]  # baseline_verdict
    picture: pd.DataFrame | None  # confusion_frame or prediction_frame


def winner_outcome(run: Run, summary: RunSummary) -> WinnerOutcome | None:
    """The winner's test report against the baselines, or None before the run has one."""
    stored = run.attrs().get(record.RESULT.key)
    result = RunResult.from_dict(stored) if stored else None
    if result is None or not result.test_metrics:
        return None
    metric = get_metric(summary.metric)
    task = metric.task
    picture = result.test_picture
    frame = None
    if picture:
        frame = confusion_frame(picture) if task is Task.CLASSIFICATION else prediction_frame(picture)
    return WinnerOutcome(
        task, metric, summary.metric_unit, test_table(result.test_metrics, summary.baselines),
        baseline_verdict(metric, summary.metric_unit, result.test_loss, summary.baselines or {}), frame,
    )  # fmt: skip
