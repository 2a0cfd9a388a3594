"""The objective a worker evaluates: suggest a configuration, train it, report each epoch.

The data is loaded, split and moved to the device once per worker; each trial only
builds and trains fresh models. Members are seeded from the run's seed and the repeat
index, not from the trial, so equal configurations get equal results (and the winner
can be retrained exactly for its one look at the test split).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import optuna

from tuning.data.datasets import Dataset, load_dataset
from tuning.data.splits import Split, make_split
from tuning.definition.space import suggest
from tuning.definition.spec import Pruner, RunSpec
from tuning.training.baseline import evaluate_baselines
from tuning.training.model import pick_device
from tuning.training.trainer import Member, TrainResult, encode_fold, make_members, train

CURVE_PUBLISH_S = 1.0


class Objective:
    """Trains configurations of one run on its data."""

    def __init__(self, spec: RunSpec, csv_text: str | None) -> None:
        self.spec = spec
        self.data: Dataset = load_dataset(spec.dataset, csv_text, spec.task)
        labels = self.data.target.astype(int) if self.data.classes else None
        self.split: Split = make_split(
            self.data.rows, spec.val_fraction, spec.test_fraction, spec.cv_folds, spec.seed, labels
        )
        self.members: list[Member] = make_members(
            self.data, self.split, spec.repeats, spec.seed, pick_device(), spec.metric
        )

    def params(self, trial: optuna.Trial) -> dict[str, Any]:
        """Every hyperparameter's value for this trial: fixed ones and suggested ones."""
        values = self.spec.fixed_values()
        for name, param in self.spec.searched().items():
            values[name] = suggest(trial, name, param)
        return values

    def __call__(self, trial: optuna.Trial, publish: Callable[[list[float]], None]) -> TrainResult:
        """Train the trial's configuration; ``publish`` stores the learning curve so far.

        The curve is published after the first epoch, then at most every
        ``CURVE_PUBLISH_S``, and once more at the end however training ends. With a pruner
        each epoch is also reported to Optuna. Raises optuna.TrialPruned when the pruner
        says so, training.Diverged on NaN.
        """
        pruning = self.spec.pruner is not Pruner.NONE
        curve: list[float] = []
        published_at = -math.inf

        def on_epoch(epoch: int, loss: float) -> None:
            nonlocal published_at
            curve.append(loss)
            if time.monotonic() - published_at >= CURVE_PUBLISH_S:
                publish(list(curve))
                published_at = time.monotonic()
            if pruning:
                trial.report(loss, epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned at epoch {epoch} (validation loss {loss:.4g})")

        try:
            return train(self.params(trial), self.members, on_epoch)
        finally:
            publish(list(curve))

    def baselines(self) -> dict[str, dict[str, Any]]:
        """The constant and linear baselines on this run's folds and preprocessing."""
        folds = [encode_fold(self.data, self.split, f.train, f.val)[1] for f in self.split.folds]
        return evaluate_baselines(
            self.data.task, len(self.data.classes), folds, self.data.target[self.split.test]
        )

    def retrain(self, params: dict[str, Any]) -> TrainResult:
        """Train a finished trial's configuration again, e.g. on another machine."""
        return train({**self.spec.fixed_values(), **params}, self.members)
