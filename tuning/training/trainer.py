"""What a worker asks of the trainer of a run's model family, and how it gets one.

A family names its trainer as ``"module:Class"`` (``tuning/models/family.py``), resolved
here, in the worker, the only kind of process that imports torch and the user's code.
``Class(spec, csv_text, device)`` must give an object with:

- ``spec``: the run's spec;
- ``population_size(threads, workers_alive)``: how many trials the next claim takes;
- ``trainer(trials, publish)``: train the claimed trials (they suggest their own
  configurations), publishing each one's learning curve as it goes (``publish(trial,
  curve)``) and, with a pruner, reporting each epoch to Optuna; returns one
  ``population.Outcome`` per trial (finished, stopped by the pruner, or diverged). An
  exception fails every trial of the claim, its traceback stored (the worker goes on);
- ``validation_metrics(outcome)``: every metric of the task on validation for a finished
  trial, or None when the family has none to give (an objective's value is all it has);
- ``baselines()``: the constant and linear baselines on the run's splits, or None when the
  data is not a table.

A family that ``tests_winner`` also offers what ``finalize.py`` evaluates: ``data``,
``split``, ``members`` and ``retrain(params) -> Outcome`` (the winner trained again when
its models were not kept).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, Protocol

import optuna

from tuning.definition.spec import RunSpec
from tuning.models.reference import import_code
from tuning.models.source import CodeMismatch, ModelSource
from tuning.training.population import Outcome

Publish = Callable[[optuna.Trial, list[float]], None]


class Trainer(Protocol):
    """See the module docstring."""

    spec: RunSpec

    def population_size(self, threads: int = 1, workers_alive: int = 0) -> int: ...

    def __call__(self, trials: Sequence[optuna.Trial], publish: Publish) -> list[Outcome]: ...

    def validation_metrics(self, outcome: Outcome) -> dict[str, float | None] | None: ...

    def baselines(self) -> dict[str, dict[str, Any]] | None: ...


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
