"""An Optuna objective from an existing script, run as it is under Sweetspot's workers.

``objective(trial) -> float`` gets the worker's claimed trial: its ``suggest_*`` calls go
to the run's sampler, ``trial.report``/``trial.should_prune`` to its pruner, and the values
it reports become the trial's learning curve, published live as the built-in models'
are. ``optuna.TrialPruned`` prunes the trial; a value that is not a finite number fails
it; any other exception fails it with its traceback (``worker.py``). Sweetspot never sees
its data or model: no test rows, no weights, no baselines.
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
from tuning.training.trainer import Publish, import_user_code


class CurveRecorder:
    """Keeps the values a trial reports, by step, and publishes them about once a second."""

    def __init__(self, trial: optuna.Trial, publish: Publish) -> None:
        self.trial, self.publish = trial, publish
        self.values: dict[int, float] = {}
        self.published_at = -math.inf
        report = trial.report

        def recorded(value: float, step: int) -> None:
            report(value, step)  # Optuna's own checks first: the pruner reads what it stores
            self.values.setdefault(step, float(value))  # Optuna keeps a step's first value too
            if time.monotonic() - self.published_at >= CURVE_PUBLISH_S:
                self.flush()

        trial.report = recorded  # type: ignore[method-assign]  # this trial object only

    @property
    def curve(self) -> list[float]:
        return [self.values[step] for step in sorted(self.values)]

    def flush(self) -> None:
        self.publish(self.trial, self.curve)
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

    def __call__(self, trials: Sequence[optuna.Trial], publish: Publish) -> list[Outcome]:
        return [self._trial(trial, publish) for trial in trials]

    def _trial(self, trial: optuna.Trial, publish: Publish) -> Outcome:
        recorder = CurveRecorder(trial, publish)
        outcome = Outcome()
        try:
            value = self.function(trial)
        except optuna.TrialPruned as pruned:
            outcome.status, outcome.reason = (
                Status.STOPPED,
                f"pruned by the objective{f': {pruned}' if str(pruned) else ''}",
            )
            outcome.curve = recorder.curve
            return outcome
        finally:
            recorder.flush()
        number = _number(value)
        if number is None or not math.isfinite(number):
            outcome.diverged = Diverged(len(recorder.values), float("nan"))
            outcome.status = Status.DIVERGED
            outcome.reason = f"the objective returned {value!r:.60}, not a finite number"
            return outcome
        outcome.curve, outcome.value = recorder.curve or [number], number
        outcome.member_losses, outcome.status = [number], Status.FINISHED
        return outcome

    def validation_metrics(self, outcome: Outcome) -> None:
        return None

    def baselines(self) -> None:
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
