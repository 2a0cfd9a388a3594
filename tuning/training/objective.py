"""The MLP family's trainer: suggest configurations, train them together, report epochs.

The data is loaded, split and moved to the device once per worker; each trial only
builds and trains fresh models. A worker takes up to ``population_size`` trials at once
and trains them as populations of similar configurations. Members are seeded from the
run's seed and the repeat index, not from the trial, so equal configurations get equal
results without dropout, and the same distribution of results with it (the dropout noise
is shared by a population). ``training/trainer.py`` states what a worker asks of it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import optuna
import torch
from optuna.exceptions import UpdateFinishedTrialError

from tuning.data.datasets import Dataset, load_dataset
from tuning.data.splits import Split, make_split
from tuning.data.task import Task
from tuning.definition.baselines import Baseline, BaselineRequest, FitSize, costly_skips
from tuning.definition.batching import plan_populations, population_size
from tuning.definition.space import suggest
from tuning.definition.spec import Pruner, RunSpec
from tuning.training.baseline import FoldArrays, evaluate_baselines, not_fitted
from tuning.training.devices import place, visible_gpus
from tuning.training.members import Member, encode_fold, make_members, validation_metrics
from tuning.training.population import Candidate, Outcome, Status, train, train_population
from tuning.training.trainer import Progress
from tuning.views.estimate import forecast

CURVE_PUBLISH_S = 1.0


class Objective:
    """Trains configurations of one run on its data (``device``: where; by default the
    spec's device for a first worker, see ``devices.place``)."""

    def __init__(self, spec: RunSpec, csv_text: str | None, device: str | None = None) -> None:
        self.spec = spec
        self.data: Dataset = load_dataset(spec.dataset, csv_text, spec.task)
        self.split: Split = split_of(spec, self.data)
        self.device = torch.device(device or place(0, visible_gpus(), spec.device))
        self.members: list[Member] = make_members(
            self.data, self.split, spec.repeats, spec.seed, self.device, spec.metric
        )

    def params(self, trial: optuna.Trial) -> dict[str, Any]:
        """Every hyperparameter's value for this trial: fixed ones and suggested ones."""
        return configuration(self.spec, trial)

    def population_size(self, threads: int = 1, workers_alive: int = 0) -> int:
        """How many trials this worker trains at once (see definition/batching.py)."""
        features = self.members[0].train_x.shape[1]
        return population_size(self.spec, features, len(self.members), threads, workers_alive)

    def __call__(self, trials: Sequence[optuna.Trial], progress: Progress) -> list[Outcome]:
        """Train the trials' configurations; ``progress`` stores a trial's learning curve so
        far, and says when the run was stopped: every trial still training ends then.

        The configurations are split into populations of similar shapes (see
        ``definition.batching.plan_populations``), trained one after another. Curves are
        published after the first epoch, then at most every ``CURVE_PUBLISH_S``, and once
        more at the end however training ends. With a pruner each epoch is reported to
        Optuna and a pruned trial leaves its population (status STOPPED, the reason in
        ``Outcome.reason``). A trial that another worker failed meanwhile (its heartbeat
        was late) stops too; telling it later reveals that.
        """
        configs = [self.params(trial) for trial in trials]
        rows, features = self.members[0].train_x.shape
        outcomes: dict[int, Outcome] = {}
        for group in plan_populations(self.spec, configs, rows, features, len(self.members)):
            trained = self._train([trials[i] for i in group], [configs[i] for i in group], progress)
            outcomes.update(zip(group, trained, strict=True))
        return [outcomes[i] for i in range(len(trials))]

    def _train(
        self, trials: list[optuna.Trial], configs: list[dict[str, Any]], progress: Progress
    ) -> list[Outcome]:
        """Train one population, reporting to Optuna as it goes."""
        reporter = Reporter(trials, progress, self.spec.pruner is not Pruner.NONE)
        try:
            outcomes = train_population(
                [Candidate(config, self.members) for config in configs], reporter.on_epoch
            )
        finally:
            reporter.publish_all()
        for index, reason in reporter.pruned.items():
            if outcomes[index].status is Status.STOPPED:  # not one that finished at that epoch
                outcomes[index].reason = reason
        for index, seconds in reporter.trained_s.items():
            outcomes[index].train_s = seconds
        return outcomes

    def validation_metrics(self, outcome: Outcome) -> dict[str, float | None]:
        """Every metric of the task on validation for a finished trial (member mean)."""
        return validation_metrics(self.members, outcome.models)

    def baselines(self, threads: int = 1) -> dict[str, dict[str, Any]]:
        """The baselines on this run's folds and preprocessing (``record.BASELINES``), fitted
        on ``threads`` threads (``table_baselines``)."""
        return table_baselines(self.spec, self.data, self.split, threads)

    def retrain(self, params: dict[str, Any]) -> Outcome:
        """Train a finished trial's configuration again, e.g. on another machine."""
        return train({**self.spec.fixed_values(), **params}, self.members)

    def members_for(self, split: Split) -> list[Member]:
        """The run's members on another split of its data (a refit's), seeded alike."""
        spec = self.spec
        return make_members(self.data, split, spec.repeats, spec.seed, self.device, spec.metric)

    def train_members(self, params: dict[str, Any], members: list[Member]) -> Outcome:
        """Every hyperparameter's value ``params`` trained on ``members``."""
        return train(params, members)

    def network_card(self) -> dict[str, Any]:
        """The network as a model folder names it: the built-in MLP (``winner/network.py``)."""
        return {"kind": "mlp"}


def configuration(spec: RunSpec, trial: optuna.Trial) -> dict[str, Any]:
    """Every hyperparameter's value for ``trial``: the fixed ones, and the searched ones as
    the run's sampler suggests them."""
    values = spec.fixed_values()
    for name, param in spec.searched().items():
        values[name] = suggest(trial, name, param)
    return values


def split_of(spec: RunSpec, data: Dataset) -> Split:
    """The run's seeded split of ``data``: stratified by class, k-fold when the spec says."""
    labels = data.target.astype(int) if data.classes else None
    return make_split(data.rows, spec.val_fraction, spec.test_fraction, spec.cv_folds, spec.seed, labels)


def table_baselines(
    spec: RunSpec, data: Dataset, split: Split, threads: int = 1
) -> dict[str, dict[str, Any]]:
    """The baselines on a run's folds and preprocessing, fitted on ``threads`` threads; the
    costly ones only when they are cheap beside the run or the spec asks for them. Data
    that is not a table (a model file's images) gets none, each with the reason."""
    if not data.tabular:
        return not_fitted(data.task, "the data is not a table of rows and columns")
    folds = [encode_fold(data, split, f.train, f.val)[1] for f in split.folds]
    return evaluate_baselines(
        data.task, len(data.classes), folds, data.target[split.test],
        _costly_skips(spec, data, folds), spec.seed, threads,
    )  # fmt: skip


def _costly_skips(spec: RunSpec, data: Dataset, folds: list[FoldArrays]) -> dict[Baseline, str]:
    """The costly baselines this run leaves out, priced against the run's forecast."""
    rows, columns = folds[0].train_x.shape
    size = FitSize(rows, columns, len(data.classes), len(folds))
    shape = (data.rows, len(data.feature_names) + 1)  # a file's rows and columns
    forecast_s = forecast(spec, shape).seconds
    loaded = data.task is Task.CLASSIFICATION or data.table is not None
    return costly_skips(spec.baselines or BaselineRequest.AUTO, forecast_s, size, loaded)


class Reporter:
    """A population's link to Optuna and the worker: curves published, epochs reported,
    pruning asked, and every trial ended at once when the run was stopped."""

    def __init__(self, trials: Sequence[optuna.Trial], progress: Progress, pruning: bool) -> None:
        self.trials, self.progress, self.pruning = trials, progress, pruning
        self.curves: list[list[float]] = [[] for _ in trials]
        self.pruned: dict[int, str] = {}
        self.published_at = -math.inf
        self.started = time.monotonic()
        self.trained_s: dict[int, float] = {}  # index → seconds from the start to its last epoch

    def on_epoch(self, epoch: int, losses: dict[int, float]) -> set[int]:
        stop = set()
        stopped_run = self.progress.stop_reason()
        for index, loss in losses.items():
            self.curves[index].append(loss)
            self.trained_s[index] = time.monotonic() - self.started
            if stopped_run is not None:
                stop.add(index)
                self.pruned[index] = f"stopped at epoch {epoch}: {stopped_run}"
                continue
            try:
                if self.pruning and self._should_prune(self.trials[index], epoch, loss):
                    stop.add(index)
                    self.pruned[index] = f"pruned at epoch {epoch} (validation loss {loss:.4g})"
            except UpdateFinishedTrialError:
                stop.add(index)
        if time.monotonic() - self.published_at >= CURVE_PUBLISH_S:
            self.publish_all(losses)
            self.published_at = time.monotonic()
        return stop

    @staticmethod
    def _should_prune(trial: optuna.Trial, epoch: int, loss: float) -> bool:
        trial.report(loss, epoch)
        return trial.should_prune()

    def publish_all(self, only: Sequence[int] | dict[int, float] | None = None) -> None:
        """Store the curves of these trials (all of them by default); a trial failed by
        another worker meanwhile is skipped."""
        for index in only if only is not None else range(len(self.trials)):
            try:
                self.progress.publish(self.trials[index], list(self.curves[index]))
            except UpdateFinishedTrialError:
                continue
