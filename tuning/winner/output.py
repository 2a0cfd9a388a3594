"""Predictions as people take them away: a CSV of the rows with their predictions, the lines
that say what they are, and the few lines of Python that make them again.

Every predictions CSV (the command line's ``--out``, the Predict panel's download) is
written by ``predictions_csv``, so one function decides how cells are written (spreadsheet
formula neutralising: ``tuning.views.safe_csv``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuning.definition.metrics import get_metric
from tuning.views.safe_csv import safe_csv

if TYPE_CHECKING:
    import pandas as pd

    from tuning.winner.model import Prediction


def with_predictions(rows: pd.DataFrame, prediction: Prediction) -> pd.DataFrame:
    """The rows as given, followed by the prediction columns."""
    return rows.join(prediction.frame, suffixes=("", " (prediction)"))


def predictions_csv(frame: pd.DataFrame) -> str:
    """The one writer of predictions CSVs: the frame as CSV text, without its index.

    Given the prediction columns alone (row i of the file is row i of the rows predicted):
    writing 100,000 rows' own 30 columns back cost three times the prediction itself.
    """
    return safe_csv(frame)


def prediction_lines(prediction: Prediction, test_metrics: dict[str, float | None] | None) -> list[str]:
    """What a reader should know beside the predictions: their model, the columns ignored,
    and the metrics on rows that carry the target beside the model's test figures."""
    lines = [f"{len(prediction.frame):,} prediction(s) from {prediction.model}"]
    if prediction.ignored:
        lines.append(f"ignored column(s) the model does not use: {list(prediction.ignored)}")
    if prediction.unknown_labels:
        lines.append(
            f"rows whose target is a class the model never saw are left out of the metrics: "
            f"{list(prediction.unknown_labels)}"
        )
    if prediction.metrics:
        lines.append(f"on these {prediction.scored:,} row(s) with a target, beside the test rows:")
        for name, value in prediction.metrics.items():
            test = (test_metrics or {}).get(name)
            lines.append(f"  {get_metric(name).label}: {_fmt(value)} (test {_fmt(test)})")
    return lines


def metrics_table(
    prediction: Prediction, test_metrics: dict[str, float | None] | None
) -> list[tuple[str, float | None, float | None]]:
    """(metric label, on these rows, on the test rows) for each metric of the task."""
    return [
        (get_metric(name).label, value, (test_metrics or {}).get(name))
        for name, value in (prediction.metrics or {}).items()
    ]


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.5g}"


def model_snippet(source: str) -> str:
    """Five lines of Python that load the model and predict rows of a CSV."""
    return "\n".join(
        [
            "import pandas as pd",
            "from tuning import load_model",
            f'model = load_model("{source}")  # a run name, a model folder or its zip',
            'rows = pd.read_csv("rows.csv")',
            "print(model.predict(rows).head())",
        ]
    )
