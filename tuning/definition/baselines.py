"""The baselines registry: the models every run is measured against, and what a run stores of them.

An entry says what the views and the plan need to know without importing scikit-learn or
torch: the model's everyday name for each task, how it fits (for the docs), and how long
it may take. The models themselves are built worker-side (``tuning.training.baseline``,
one factory per entry). Cheap baselines (closed forms, a logistic regression) are always
fitted; a costly one is fitted when its forecast fit time stays under ``MAX_SHARE`` of the
run's forecast, or when the spec asks for every baseline (``"baselines": "all"``); a
skipped one is stored with the reason, so the Monitor and ``show`` can say it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tuning.data.task import Task
from tuning.registry import Registry


class Baseline(StrEnum):
    """The reference models of every table run; the keys of the stored baselines."""

    CONSTANT = "constant"
    LINEAR = "linear"
    GRADIENT_BOOSTING = "gradient_boosting"


class BaselineRequest(StrEnum):
    """Which baselines a run fits: the spec's ``baselines`` (omitted: ``auto``)."""

    AUTO = "auto"  # the cheap ones, and a costly one when it stays under MAX_SHARE of the forecast
    ALL = "all"  # every baseline of the task, whatever it costs


#: A costly baseline may take at most this share of the run's forecast unless asked for.
MAX_SHARE = 0.1

#: Importing scikit-learn in a worker that has not loaded it: a regression on plain numeric
#: columns loads neither its preprocessing nor its metrics (1.3 to 1.5 s, measured on the
#: 2-core machine; see the comment on the regression metrics in definition/metrics.py).
SKLEARN_IMPORT_S = 1.4


@dataclass(frozen=True)
class FitSize:
    """What a baseline's fits cost depends on: a fold's training rows and input columns
    (after encoding), the classes (0 for regression) and the number of fits (folds)."""

    rows: int
    columns: int
    classes: int
    fits: int


@dataclass(frozen=True)
class FitCost:
    """Seconds one fit takes on one thread: a model of where histogram gradient boosting
    spends them, its constants fitted by ``bench/baselines.py`` (least squares on the
    relative error of 60 fits from 50 to 100,000 rows, 4 to 60 columns, regression and 2
    or 3 classes, on the 2-core machine: every estimate within 0.7 to 1.5 times the fit).

    A fit grows one tree per round (one per class past two classes) for its 100 rounds:
    a fixed part; split finding per leaf, and per leaf and column (a tree's leaves grow
    with the rows, ``rows_per_leaf`` each, up to ``max_leaves``); histograms per training
    cell; gradients per row. ``start_s`` is paid once: importing the model's module.
    """

    start_s: float
    per_fit_s: float
    per_leaf_s: float
    per_leaf_column_s: float
    per_cell_s: float
    per_row_s: float
    max_leaves: int = 31
    rows_per_leaf: int = 40

    def seconds(self, size: FitSize) -> float:
        """Seconds to fit it on every fold of ``size``."""
        trees = size.classes if size.classes > 2 else 1
        leaves = min(self.max_leaves, max(1.0, size.rows / self.rows_per_leaf))
        split = leaves * (self.per_leaf_s + size.columns * self.per_leaf_column_s)
        histograms = size.rows * (size.columns * self.per_cell_s + self.per_row_s)
        return self.start_s + size.fits * trees * (self.per_fit_s + split + histograms)


@dataclass(frozen=True)
class BaselineInfo:
    """One baseline: its name per task, how it fits, and its cost (None: always cheap)."""

    labels: Mapping[Task, str]
    how: str
    cost: FitCost | None = None

    def label(self, task: Task) -> str:
        """The model's everyday name for this task."""
        return self.labels[task]


BASELINES: Registry[Baseline, BaselineInfo] = Registry(
    "baseline",
    {
        Baseline.CONSTANT: BaselineInfo(
            {Task.REGRESSION: "mean", Task.CLASSIFICATION: "majority class"},
            "the training mean, or the training class shares as probabilities (numpy; DummyClassifier)",
        ),
        Baseline.LINEAR: BaselineInfo(
            {Task.REGRESSION: "linear regression", Task.CLASSIFICATION: "logistic regression"},
            "least squares (numpy, as LinearRegression), or LogisticRegression on standardized inputs",
        ),
        Baseline.GRADIENT_BOOSTING: BaselineInfo(
            {Task.REGRESSION: "gradient boosting", Task.CLASSIFICATION: "gradient boosting"},
            "HistGradientBoostingRegressor or HistGradientBoostingClassifier with scikit-learn's "
            "defaults, early stopping off, seeded with the run's seed, on the worker's threads",
            FitCost(
                start_s=0.3,
                per_fit_s=1.2e-2,
                per_leaf_s=5.7e-3,
                per_leaf_column_s=2.7e-4,
                per_cell_s=5.7e-7,
                per_row_s=2.7e-6,
            ),  # fmt: skip
        ),
    },
)


def costly_skips(
    request: BaselineRequest, forecast_s: float, size: FitSize, sklearn_loaded: bool
) -> dict[Baseline, str]:
    """The costly baselines a run does not fit, each with the reason it says to the user:
    their forecast fit time is over ``MAX_SHARE`` of the run's forecast and the spec did
    not ask for every baseline. ``sklearn_loaded``: the run's worker loads scikit-learn
    anyway (a table's preprocessing, the classification metrics)."""
    skips = {}
    for name, info in BASELINES.items():
        if info.cost is None or request is BaselineRequest.ALL:
            continue
        estimate = info.cost.seconds(size) + (0.0 if sklearn_loaded else SKLEARN_IMPORT_S)
        if estimate > MAX_SHARE * forecast_s:
            skips[name] = (
                f"its fit would take about {estimate:.2g} s, more than a tenth of the run's forecast "
                f"({forecast_s:.3g} s); ask for every baseline to fit it anyway (the spec's "
                '"baselines": "all", or "Fit every baseline" on Launch)'
            )
    return skips


Scores = dict[str, float | None]


@dataclass(frozen=True)
class BaselineResult:
    """What a run stores of one baseline (``record.BASELINES``: name → ``to_dict()``).

    A fitted baseline has every metric of the task on validation (the mean over folds)
    and on test, and ``fit_s``, the seconds its fits and predictions took on every fold.
    A skipped one has empty scores and ``skipped``, the reason. Runs stored before either
    field existed read with None.
    """

    name: str
    label: str
    validation: Scores
    test: Scores
    fit_s: float | None = None
    skipped: str | None = None

    @classmethod
    def from_dict(cls, name: str, raw: Mapping[str, Any]) -> BaselineResult:
        return cls(
            name, str(raw["label"]), dict(raw.get("validation") or {}), dict(raw.get("test") or {}),
            raw.get("fit_s"), raw.get("skipped"),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        stored: dict[str, Any] = {"label": self.label, "validation": self.validation, "test": self.test}
        if self.fit_s is not None:
            stored["fit_s"] = self.fit_s
        if self.skipped is not None:
            stored["skipped"] = self.skipped
        return stored


def baseline_results(stored: Mapping[str, Any] | None) -> list[BaselineResult]:
    """A run's stored baselines in the order they were stored (none before the first worker stored them)."""
    return [BaselineResult.from_dict(name, raw) for name, raw in (stored or {}).items()]
