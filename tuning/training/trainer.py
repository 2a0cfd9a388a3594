"""What a worker asks of the trainer of a run's model family, and how it gets one.

A family names its trainer as ``"module:Class"`` (``tuning/models/family.py``), resolved
here, in the worker, the only kind of process that imports torch and the user's code.
``Class(spec, csv_text, device)`` must give an object with:

- ``spec``: the run's spec;
- ``population_size(threads, workers_alive)``: how many trials the next claim takes;
- ``trainer(trials, progress)``: train the claimed trials (they suggest their own
  configurations), publishing each one's learning curve as it goes
  (``progress.publish(trial, curve)``), with a pruner reporting each epoch to Optuna, and
  ending every trial still training at the next epoch once ``progress.stop_reason()``
  names one (someone stopped the run: a population of 60 trials would train minutes
  more); returns one ``population.Outcome`` per trial (finished, stopped, or diverged). An
  exception fails every trial of the claim, its traceback stored (the worker goes on);
- ``validation_metrics(outcome)``: every metric of the task on validation for a finished
  trial, or None when the family has none to give (an objective's value is all it has);
- ``baselines(threads)``: the baselines on the run's splits (each skipped, with the reason,
  when the data is not a table), or None when the family has no data Sweetspot sees.

A family that ``tests_winner`` also offers what ``finalize.py`` evaluates and stores and
``refit.py`` trains again (``TestedTrainer``): ``data``, ``split``, ``members``, ``device``,
``retrain(params) -> Outcome`` (the winner trained again when its models were not kept),
``members_for(split)`` and ``train_members(params, members)`` (a configuration trained on
other rows: the refit), and ``network_card()`` (what the model folder says of the network).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Protocol

import optuna

from tuning.data.dataset import Dataset
from tuning.data.splits import Split
from tuning.definition.spec import RunSpec
from tuning.models.reference import import_code
from tuning.models.source import CodeMismatch, ModelSource
from tuning.training.members import Member
from tuning.training.population import Outcome


class Progress(Protocol):
    """The worker's side of a claim while it trains: where learning curves go, and whether
    the run still wants the training."""

    def publish(self, trial: optuna.Trial, curve: list[float]) -> None:
        """Store ``trial``'s learning curve so far."""

    def stop_reason(self) -> str | None:
        """Why the claim's trials should end at this epoch (the run was stopped), or None.
        Cheap enough to ask after every epoch: the storage is read every few seconds."""


class Trainer(Protocol):
    """See the module docstring."""

    spec: RunSpec

    def population_size(self, threads: int = 1, workers_alive: int = 0) -> int: ...

    def __call__(self, trials: Sequence[optuna.Trial], progress: Progress) -> list[Outcome]: ...

    def validation_metrics(self, outcome: Outcome) -> dict[str, float | None] | None: ...

    def baselines(self, threads: int = 1) -> dict[str, dict[str, Any]] | None: ...


class TestedTrainer(Trainer, Protocol):
    """A trainer whose winner is tested on held-out rows, stored and refit (see above)."""

    data: Dataset
    split: Split
    members: list[Member]

    @property
    def device(self) -> Any: ...

    def retrain(self, params: dict[str, Any]) -> Outcome: ...

    def members_for(self, split: Split) -> list[Member]: ...

    def train_members(self, params: dict[str, Any], members: list[Member]) -> Outcome: ...

    def network_card(self) -> dict[str, Any]: ...


def import_user_code(source: ModelSource) -> ModuleType:
    """The run's model file or objective, imported in this worker; a worker that cannot
    import it refuses to join (CodeMismatch: exit 2 with the reason), it does not crash."""
    try:
        return import_code(source.parsed)
    except (Exception, SystemExit) as error:
        raise CodeMismatch(
            f"this worker cannot import the run's {source.kind.value} {source.reference}: "
            f"{type(error).__name__}: {error}; its imports must work here too (docs/your-model.md)"
        ) from error


def make_trainer(spec: RunSpec, csv_text: str | None, device: str | None = None) -> Any:
    """The trainer the spec's family names, for this worker's ``device``."""
    module, _, name = spec.family.trainer.partition(":")
    return getattr(importlib.import_module(module), name)(spec, csv_text, device)
