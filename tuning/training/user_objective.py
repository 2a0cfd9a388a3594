"""An Optuna objective from an existing script, run as it is under Sweetspot's workers.

``objective(trial) -> float`` gets the worker's claimed trial: its ``suggest_*`` calls go
to the run's sampler, ``trial.report``/``trial.should_prune`` to its pruner, and the values
it reports become the trial's learning curve, published live as the built-in models'
are. ``optuna.TrialPruned`` prunes the trial; a value that is not a finite number fails
it; any other exception fails it with its traceback (``worker.py``). Sweetspot never sees
its data or model: no test rows, no weights, no baselines.

An objective that returns a tuple (as for Optuna's ``create_study(directions=[...])``)
trades its values off: the spec's ``direction`` lists one direction per value, each
value is told to Optuna, and the run draws its Pareto front like any trade-off run. A
tuple of another length than the directions fails the trial, saying both.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import optuna

from tuning.definition.spec import RunSpec
from tuning.training.members import Diverged
from tuning.training.objective import CURVE_PUBLISH_S
from tuning.training.population import Outcome, Status
from tuning.training.trainer import Progress, import_user_code


class CurveRecorder:
    """Keeps the values a trial reports, by step, and publishes them about once a second;
    a report after the run was stopped ends the trial (``optuna.TrialPruned``, which an
    objective lets through as it does a pruner's)."""

    def __init__(self, trial: optuna.Trial, progress: Progress) -> None:
        self.trial, self.progress = trial, progress
        self.values: dict[int, float] = {}
        self.published_at = -math.inf
        self.stopped: str | None = None  # why the run's stop ended the trial
        report = trial.report

        def recorded(value: float, step: int) -> None:
            report(value, step)  # Optuna's own checks first: the pruner reads what it stores
            self.values.setdefault(step, float(value))  # Optuna keeps a step's first value too
            if time.monotonic() - self.published_at >= CURVE_PUBLISH_S:
                self.flush()
            why = progress.stop_reason()
            if why is not None:
                self.stopped = f"stopped at step {step}: {why}"
                raise optuna.TrialPruned(self.stopped)

        trial.report = recorded  # type: ignore[method-assign]  # this trial object only

    @property
    def curve(self) -> list[float]:
        return [self.values[step] for step in sorted(self.values)]

    def flush(self) -> None:
        self.progress.publish(self.trial, self.curve)
        self.published_at = time.monotonic()


class FunctionObjective:
    """The trainer of an objective's family (the contract: ``training/trainer.py``)."""

    def __init__(self, spec: RunSpec, csv_text: str | None, device: str | None = None) -> None:
        if spec.source is None:
            raise ValueError("an objective's run keeps its source with its spec")
        self.spec = spec
        self.function = getattr(import_user_code(spec.source), spec.source.parsed.function or "")

    def population_size(self, threads: int = 1, workers_alive: int = 0) -> int:
        return 1

    def __call__(self, trials: Sequence[optuna.Trial], progress: Progress) -> list[Outcome]:
        return [self._trial(trial, progress) for trial in trials]

    def _trial(self, trial: optuna.Trial, progress: Progress) -> Outcome:
        recorder = CurveRecorder(trial, progress)
        outcome = Outcome()
        try:
            value = self.function(trial)
        except optuna.TrialPruned as pruned:
            outcome.status, outcome.reason = (
                Status.STOPPED,
                recorder.stopped or f"pruned by the objective{f': {pruned}' if str(pruned) else ''}",
            )
            outcome.curve = recorder.curve
            return outcome
        finally:
            recorder.flush()
        numbers, problem = _values(value, len(self.spec.goals))
        if problem:
            outcome.diverged = Diverged(len(recorder.values), float("nan"))
            outcome.status, outcome.reason = Status.DIVERGED, problem
            return outcome
        outcome.curve, outcome.values = recorder.curve or [numbers[0]], numbers
        outcome.member_losses, outcome.status = [numbers[0]], Status.FINISHED
        return outcome

    def validation_metrics(self, outcome: Outcome) -> None:
        return None

    def baselines(self, threads: int = 1) -> None:
        return None


def _values(value: Any, expected: int) -> tuple[list[float], str]:
    """The finite numbers ``value`` holds (one, or a tuple of ``expected``), else a reason."""
    several = isinstance(value, (tuple, list))
    items = list(value) if several else [value]
    numbers = [number for item in items if (number := _number(item)) is not None and math.isfinite(number)]
    if len(numbers) == len(items) == expected and (several or expected == 1):
        return numbers, ""
    if expected > 1 or several:
        got = f"{len(items)} value(s)" if several else "one value"
        return [], (
            f"the objective returned {value!r:.60} ({got}), but the run's direction lists {expected}: "
            "it must return one finite number per direction"
        )
    return [], f"the objective returned {value!r:.60}, not a finite number"


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
