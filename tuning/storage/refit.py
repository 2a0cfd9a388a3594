"""A refit of a run's winner: asked for, taken by a worker, done (or failed), as one record.

The record names the result it refits (its ``finished_at``) and the winning trial: once
an extension reopens the run and a new result is written, an older refit no longer
applies and reads as none, so nothing needs clearing when the winner changes.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from tuning.errors import FieldError, RunBusy
from tuning.storage import record
from tuning.storage.record import RunResult
from tuning.storage.runs import Run


class RefitState(StrEnum):
    REQUESTED = "requested"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def pending(self) -> bool:
        return self in (RefitState.REQUESTED, RefitState.RUNNING)


@dataclass(frozen=True)
class Refit:
    """One refit: which result and trial it is of, and, once done, the refit model's test
    metrics, the rows it trained on and its epochs (``error`` when it failed)."""

    state: RefitState
    of_result: float
    best_trial: int
    requested_at: float
    finished_at: float | None = None
    test_metrics: dict[str, float | None] | None = None
    rows: int | None = None
    epochs: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "state": self.state.value}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Refit:
        return cls(**{**raw, "state": RefitState(raw["state"])})


def current_result(attrs: dict[str, Any]) -> RunResult | None:
    raw = attrs.get(record.RESULT.key)
    return RunResult.from_dict(raw) if raw else None


def read_refit(attrs: dict[str, Any]) -> Refit | None:
    """The refit of the run's current result, or None (never asked, or of an earlier result)."""
    raw, result = attrs.get(record.REFIT.key), current_result(attrs)
    if not raw or result is None:
        return None
    refit = Refit.from_dict(raw)
    return refit if refit.of_result == result.finished_at and refit.best_trial == result.best_trial else None


def ask_refit(run: Run) -> Refit:
    """Record that the run's winner should be refit; refused (RunBusy) before the run has a
    winner, or while a refit of it is pending; FieldError for a run whose family keeps no
    model of its own (an Optuna objective's)."""
    if not run.spec.family.tests_winner:
        why = "Sweetspot keeps no model of it to train again"
        raise FieldError("refit", f"run {run.name} tunes an Optuna objective: {why}")
    attrs = run.attrs()
    result = current_result(attrs)
    if result is None or result.best_trial is None:
        raise RunBusy(
            f"run {run.name} has no winner to refit yet; refit once it has ended with a complete trial"
        )
    pending = read_refit(attrs)
    if pending is not None and pending.state.pending:
        raise RunBusy(f"a refit of run {run.name}'s winner is already {pending.state.value}")
    refit = Refit(RefitState.REQUESTED, result.finished_at, result.best_trial, time.time())
    write_refit(run, refit)
    return refit


def write_refit(run: Run, refit: Refit) -> None:
    run.study.set_user_attr(record.REFIT.key, refit.to_dict())


def take_refit(run: Run) -> Refit | None:
    """The requested refit, marked running for this worker; None when none is asked for.

    Two workers ending at once may both take it; both then compute the same seeded model.
    """
    refit = read_refit(run.attrs())
    if refit is None or refit.state is not RefitState.REQUESTED:
        return None
    running = replace(refit, state=RefitState.RUNNING)
    write_refit(run, running)
    return running


def fail_asked_refit(run: Run, reason: str) -> None:
    """Mark a requested refit failed with ``reason``, for a worker that refuses to join the
    run (its model file is missing or differs here): that refit was started for it, and
    left requested it would be followed, and a new one refused as pending, for ever."""
    asked = read_refit(run.attrs())
    if asked is not None and asked.state is RefitState.REQUESTED:
        write_refit(run, replace(asked, state=RefitState.FAILED, finished_at=time.time(), error=reason))


def refit_of(run: Run) -> Refit | None:
    """The refit of the run's current winner, or None (``read_refit`` on a fresh read)."""
    return read_refit(run.attrs())
