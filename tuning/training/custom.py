"""A user's PyTorch module, trained by Sweetspot's plain loop, one trial at a time.

The module comes from the model file's ``build(config, data_info)``; the data from its
``data()`` (kept as given) or from the run's dataset (encoded and standardized as for the
MLP). Each member (fold × repeat) is seeded (``torch.manual_seed`` before ``build``, its
own generator for the batch order), trains with the configuration's optimizer, learning
rate, weight decay, batch size and epochs (or the file's ``train_step``), with the task's
loss (or the file's ``loss``). After every epoch each member validates in eval mode
without gradients; their mean is the learning curve, reported to the pruner; a
non-finite one fails the trial. No population: batching a compute-bound module gains
nothing on a CPU (shared/recipes/func_population_prototype.py: 0.6–1.2×).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, cast

import optuna
import torch
from torch import nn

from tuning.data.datasets import DATASETS, load_dataset
from tuning.data.splits import Split
from tuning.data.task import Task
from tuning.definition.spec import Pruner, RunSpec
from tuning.models.code_data import read_code_data
from tuning.models.source import ModelSource
from tuning.models.training_space import OPTIMIZERS
from tuning.training.code_members import code_dataset, code_members, code_split
from tuning.training.devices import place, visible_gpus
from tuning.training.members import Diverged, Member, make_members, validate, validation_metrics
from tuning.training.objective import Reporter, configuration, split_of, table_baselines
from tuning.training.population import Outcome, Status
from tuning.training.trainer import Progress, import_user_code

_OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}
#: The torch optimizer of each name the training space offers (and only those).
OPTIMIZER_CLASSES = {name: _OPTIMIZERS[name] for name in OPTIMIZERS}


def hook(code: Any, name: str) -> Any:
    """The model file's optional function ``name``, or None."""
    function = getattr(code, name, None)
    return function if callable(function) else None


def outputs_2d(out: torch.Tensor) -> torch.Tensor:
    """A regression module may give a vector; the loss and the head want one column."""
    return out.unsqueeze(-1) if out.ndim == 1 else out


class MemberRun:
    """One member's module, optimizer and batch order, built from the user's code."""

    def __init__(
        self, code: Any, config: Mapping[str, Any], member: Member, data_info: dict[str, Any]
    ) -> None:
        torch.manual_seed(member.seed)
        module = code.build(dict(config), dict(data_info))
        if not isinstance(module, nn.Module):
            raise TypeError(f"build() must return a torch.nn.Module, got {type(module).__name__}")
        self.member, self.config = member, config
        self.model = module.to(member.train_x.device)
        self.optimizer = OPTIMIZER_CLASSES[str(config["optimizer"])](
            self.model.parameters(), lr=float(config["lr"]), weight_decay=float(config["weight_decay"])
        )
        self.order = torch.Generator().manual_seed(member.seed)
        self.loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = (
            getattr(code, "loss", None) or member.head.loss()
        )
        self.step = getattr(code, "train_step", None)

    def epoch(self) -> None:
        """One pass over the member's training rows in a fresh seeded order."""
        self.model.train()
        x, y = self.member.train_x, self.member.train_y
        rows = x.shape[0]
        batch = min(int(self.config["batch_size"]), rows)
        order = torch.randperm(rows, generator=self.order).to(x.device)
        for start in range(0, rows, batch):
            rows_now = order[start : start + batch]
            if self.step is not None:
                self.step(self.model, x[rows_now], y[rows_now], self.optimizer, dict(self.config))
                continue
            self.optimizer.zero_grad(set_to_none=True)
            self.loss(outputs_2d(self.model(x[rows_now])), y[rows_now]).backward()
            self.optimizer.step()


def _kept(model: nn.Module) -> nn.Module:
    """A trained member's module as it is (a population rebuilds its members; this loop has them)."""
    return model


class ModuleObjective:
    """The trainer of a model file's family (the contract: ``training/trainer.py``)."""

    def __init__(self, spec: RunSpec, csv_text: str | None, device: str | None = None) -> None:
        if spec.source is None:
            raise ValueError("a model file's run keeps its source with its spec")
        self.spec = spec
        self.device = torch.device(device or place(0, visible_gpus(), spec.device))
        self.code = import_user_code(spec.source)
        self.from_code = DATASETS[spec.dataset.name].from_code
        self.members: list[Member] = []
        if not self.from_code:  # a Sweetspot dataset: loaded now, its baselines come first
            self.data = load_dataset(spec.dataset, csv_text, spec.task)
            self.split = split_of(spec, self.data)
            self.members = make_members(
                self.data, self.split, spec.repeats, spec.seed, self.device, spec.metric
            )

    def ready(self) -> None:
        """The data of ``data()``, loaded when a trial first needs it: an exception there is
        the user's, and fails that trial (the worker goes on) rather than the worker."""
        if self.members:
            return
        data = read_code_data(self.code.data())
        self.data = code_dataset(data, self.spec.task or Task(data.task))
        self.split = code_split(self.spec, data, self.data)
        self.members = code_members(self.data, self.split, self.spec, self.device)

    @property
    def data_info(self) -> dict[str, Any]:
        """What ``build`` learns of the data: input shape and features, outputs, task."""
        member = self.members[0]
        shape = tuple(member.train_x.shape[1:])
        return {
            "input_shape": shape, "features": math.prod(shape), "outputs": member.head.outputs,
            "classes": member.head.n_classes, "task": member.head.task.value,
        }  # fmt: skip

    def population_size(self, threads: int = 1, workers_alive: int = 0) -> int:
        return 1

    def __call__(self, trials: Sequence[optuna.Trial], progress: Progress) -> list[Outcome]:
        self.ready()
        return [self._trial(trial, progress) for trial in trials]

    def _trial(self, trial: optuna.Trial, progress: Progress) -> Outcome:
        reporter = Reporter([trial], progress, self.spec.pruner is not Pruner.NONE)
        try:
            outcome = self.train(
                configuration(self.spec, trial), lambda e, loss: bool(reporter.on_epoch(e, {0: loss}))
            )
        finally:
            reporter.publish_all()
        if outcome.status is Status.STOPPED:  # not one that finished at the epoch pruning spoke
            outcome.reason = reporter.pruned.get(0, outcome.reason)
        outcome.train_s = reporter.trained_s.get(0, 0.0)
        return outcome

    def train(
        self,
        config: Mapping[str, Any],
        stop: Callable[[int, float], bool] | None = None,
        members: Sequence[Member] | None = None,
    ) -> Outcome:
        """Train every member (the run's, or ``members``) of ``config`` epoch by epoch;
        ``stop(epoch, loss)`` may end it."""
        runs = [MemberRun(self.code, config, member, self.data_info) for member in members or self.members]
        outcome = Outcome()
        epochs = int(config["epochs"])
        for epoch in range(1, epochs + 1):
            for run in runs:
                run.epoch()
            losses = [validate(run.model, run.member) for run in runs]
            bad = next((loss for loss in losses if not math.isfinite(loss)), None)
            if bad is not None:
                outcome.diverged = Diverged(epoch, bad)
                outcome.status, outcome.reason = Status.DIVERGED, str(outcome.diverged)
                return outcome
            outcome.member_losses = losses
            outcome.curve.append(sum(losses) / len(losses))
            # Asked at the last epoch too (it reports that epoch), which it can no longer stop.
            if stop is not None and stop(epoch, outcome.curve[-1]) and epoch < epochs:
                outcome.status, outcome.reason = Status.STOPPED, f"stopped after epoch {epoch}"
                return outcome
        outcome.status = Status.FINISHED
        outcome.trained = [partial(_kept, run.model) for run in runs]
        return outcome

    def retrain(self, params: dict[str, Any]) -> Outcome:
        """The winner trained again (another worker trained it), for its one test."""
        self.ready()
        outcome = self.train({**self.spec.fixed_values(), **params})
        if outcome.diverged is not None:
            raise outcome.diverged
        return outcome

    def members_for(self, split: Split) -> list[Member]:
        """The run's members on another split of its data (a refit's), prepared alike."""
        self.ready()
        if self.from_code:
            return code_members(self.data, split, self.spec, self.device)
        spec = self.spec
        return make_members(self.data, split, spec.repeats, spec.seed, self.device, spec.metric)

    def train_members(self, params: dict[str, Any], members: list[Member]) -> Outcome:
        """Every hyperparameter's value ``params`` trained on ``members`` by the same loop."""
        return self.train(params, members=members)

    def validation_metrics(self, outcome: Outcome) -> dict[str, float | None]:
        return validation_metrics(self.members, outcome.models)

    def baselines(self, threads: int = 1) -> dict[str, dict[str, Any]] | None:
        """The baselines of a Sweetspot table; a ``data()`` that is not a table (images) gets
        each skipped with the reason. None when ``data()`` raises: the trials say why."""
        try:
            self.ready()
        except Exception:  # the user's data(): each trial fails with its traceback instead
            return None
        return table_baselines(self.spec, self.data, self.split, threads)

    def network_card(self) -> dict[str, Any]:
        """The network as the model folder names it: the model file (reference and sha256),
        what ``build`` was told of the data, and whether predictions take table rows (a
        Sweetspot dataset) or arrays (what ``data()`` gave)."""
        source = cast(ModelSource, self.spec.source)
        return {
            "kind": "module",
            "model": {"reference": source.reference, "sha256": source.sha256},
            "data_info": {**self.data_info, "input_shape": list(self.data_info["input_shape"])},
            "takes": "arrays" if self.from_code else "rows",
        }
