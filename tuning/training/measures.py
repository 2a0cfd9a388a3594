"""What a worker tells Optuna of a complete trial when the run trades scores off.

A run of one objective tells its selection score, as ever. A run of several objectives
tells one value per objective (``RunSpec.goals``, the selection metric first), and a run
with bounds tells each bound's violation as an Optuna constraint. The quantities beyond
the task's metrics are measured here, only when the run's objectives or bounds name them:

- ``params``: the parameter count of the trial's model (every member has the same shape);
- ``latency_ms``: milliseconds the model takes to predict a fixed batch of 1,000 of the
  run's own rows, in eval mode without gradients, the fastest of a few timed passes after
  a warm-up (the least disturbed by other work on the machine);
- ``train_s``: seconds from the start of the trial's population to its last epoch. Members
  of a population train in lockstep, so this is the trial's wall time among the others, not
  alone; with ``population: 1`` it is its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import torch
from optuna.trial import TrialState
from torch import nn

from tuning.definition.objectives import Measure, violations
from tuning.storage import record

if TYPE_CHECKING:
    from tuning.training.population import Outcome
    from tuning.training.trainer import TestedTrainer, Trainer

LATENCY_ROWS = 1_000
LATENCY_PASSES = 5


@dataclass(frozen=True)
class Told:
    """What Optuna is told of a complete trial: its state, value(s), attributes and constraints."""

    state: TrialState
    values: float | list[float] | None
    attrs: dict[str, Any] = field(default_factory=dict)
    violations: dict[str, float] = field(default_factory=dict)


def told(objective: Trainer, outcome: Outcome, metrics: Mapping[str, float | None] | None) -> Told:
    """A finished trial's values for the run's objectives; FAIL when one is undefined (a metric
    that cannot be computed on these rows), since Optuna refuses a missing value. An Optuna
    objective's values are the ones it returned (``Outcome.values``), in its directions' order."""
    spec = objective.spec
    if not spec.tradeoff:
        return Told(TrialState.COMPLETE, outcome.loss)
    measured = measure(spec.measured(), cast("TestedTrainer", objective), outcome) if spec.measured() else {}
    returned = dict(zip((goal.name for goal in spec.goals), outcome.values or (), strict=False))
    quantities = {**(metrics or {}), **measured, spec.selection.name: outcome.loss, **returned}
    values = [quantities.get(goal.name) for goal in spec.goals]
    attrs: dict[str, Any] = {record.MEASURES.key: measured} if measured else {}
    undefined = [g.name for g, v in zip(spec.goals, values, strict=True) if v is None or not math.isfinite(v)]
    if undefined:
        attrs[record.ERROR.key] = f"objective {', '.join(undefined)} is undefined for this trial"
        return Told(TrialState.FAIL, None, attrs)
    bounds = violations(spec.constraints or (), quantities)
    return Told(TrialState.COMPLETE, values if len(values) > 1 else values[0], attrs, bounds)  # type: ignore[arg-type]


def measure(wanted: set[Measure], objective: TestedTrainer, outcome: Outcome) -> dict[str, float]:
    """The ``wanted`` measures of a finished trial, by name: of the built-in MLP's members, or
    of a model file's module (``build``'s, timed on the same fixed batch of the run's rows)."""
    model = outcome.models[0]
    found: dict[str, float] = {}
    if Measure.PARAMS in wanted:
        found[Measure.PARAMS.value] = float(parameter_count(model))
    if Measure.LATENCY_MS in wanted:
        found[Measure.LATENCY_MS.value] = latency_ms(model, fixed_batch(objective.members[0].train_x))
    if Measure.TRAIN_S in wanted:
        found[Measure.TRAIN_S.value] = outcome.train_s
    return found


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def fixed_batch(rows: torch.Tensor) -> torch.Tensor:
    """``LATENCY_ROWS`` of the run's own (encoded, scaled) rows, cycled when it has fewer:
    every trial of a run is timed on the same input."""
    return rows[torch.arange(LATENCY_ROWS, device=rows.device) % rows.shape[0]]


def latency_ms(model: nn.Module, batch: torch.Tensor) -> float:
    """Milliseconds per ``len(batch)`` rows: the fastest of ``LATENCY_PASSES`` after a warm-up."""
    model.eval()
    fastest = math.inf
    with torch.no_grad():
        for attempt in range(LATENCY_PASSES + 1):
            started = time.perf_counter()
            model(batch)
            if batch.device.type == "cuda":
                torch.cuda.synchronize(batch.device)
            if attempt:  # the first pass warms caches and allocators up
                fastest = min(fastest, time.perf_counter() - started)
    return fastest * 1000 * LATENCY_ROWS / len(batch)
