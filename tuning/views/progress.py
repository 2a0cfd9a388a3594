"""How far a run has got and how long it has left, from what its workers store as they train.

Workers train trials together as populations: fifteen trials may start at once and all
finish together minutes later. Counting finished trials then reads "0 of 15" until the
very end, and the durations of finished trials give nothing to go on until then. But each
running trial's learning curve is stored about once a second (``record.CURVE``), so
progress counts epochs: the epochs trained of the epochs planned, where a finished trial
counts the epochs it trained (a pruned one stops early), a running trial its planned
epochs, and a queued one the epochs the space gives on average. The time left is the
epochs still to train at the pace the run's trials have trained since the run last began
(its launch, or its latest extension): a population's pace is every member's epoch count
over the same wall time, so it is known a second after the population starts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from statistics import fmean

import pandas as pd

from tuning.definition.space import Param, Range
from tuning.definition.spec import RunSpec
from tuning.reading.records import PARAM_PREFIX
from tuning.storage.record import RunState, TrialOrigin
from tuning.views.summary import RunSummary

EPOCHS = "epochs"  # the hyperparameter that says how many epochs a trial trains


@dataclass(frozen=True)
class Progress:
    """A run's progress in trials and in epochs, and the seconds it has left (None: unknown).

    ``epochs_planned`` is None when the run's trials have no epoch count to plan by, or
    when only time ends the run; the fraction is then counted in trials.
    """

    trials_done: int
    trials_planned: int | None
    epochs_done: int
    epochs_planned: int | None
    seconds_left: float | None

    @property
    def fraction(self) -> float:
        """How much of the run is done, between 0 and 1: by epochs when they are planned."""
        if self.epochs_planned:
            return min(self.epochs_done / self.epochs_planned, 1.0)
        if self.trials_planned:
            return min(self.trials_done / self.trials_planned, 1.0)
        return 0.0


def run_progress(
    spec: RunSpec, summary: RunSummary, frame: pd.DataFrame, now: float | None = None
) -> Progress:
    """The progress of the run ``summary`` describes; ``frame`` is its ``trials_frame``.

    Inherited trials are left out: they were trained by another run, outside the budget.
    """
    now = time.time() if now is None else now
    own = frame[frame["origin"] != TrialOrigin.INHERITED.value]
    running = (own["state"] == "running").to_numpy()
    planned = planned_epochs(spec, own)
    trained = own["epochs_run"].fillna(0).clip(upper=planned.fillna(float("inf")))
    done = int(trained.sum())
    per_ticket = float(planned.mean()) if planned.notna().any() else expected_epochs(spec)
    queued = 0 if summary.state is RunState.STOPPING else queued_trials(summary)
    to_train = float((planned[running] - trained[running]).clip(lower=0).sum())
    if per_ticket is not None:
        to_train += queued * per_ticket
    plannable = summary.n_trials is not None and per_ticket is not None and planned[running].notna().all()
    total = done + round(to_train) if plannable else None
    left = _seconds_left(spec, summary, own, to_train if plannable else None, now)
    trials_done = summary.n_complete + summary.n_failed + summary.n_pruned
    return Progress(trials_done, summary.trials_planned, done, total, left)


def queued_trials(summary: RunSummary) -> int:
    """Trials still to start: the queue, and a trial budget's tickets not made yet.

    Tickets are made a block at a time as workers go (``storage.runs.add_budget_tickets``):
    the worker that claims a block's first ticket makes the next block, so while tickets
    wait, the rest of the budget is still to come; with none waiting, none is.
    """
    if summary.trials_planned is None or not summary.n_waiting:
        return summary.n_waiting
    started = summary.n_complete + summary.n_failed + summary.n_pruned + summary.n_running
    return max(summary.n_waiting, summary.trials_planned - started)


def planned_epochs(spec: RunSpec, frame: pd.DataFrame) -> pd.Series:
    """Epochs each trial of ``frame`` trains in all: a finished one what it trained, a running
    one its ``epochs`` (searched, or fixed by the spec); NaN where the run has no epochs."""
    column = f"{PARAM_PREFIX}{EPOCHS}"
    fixed = spec.fixed_values().get(EPOCHS)
    if column in frame:
        intended = pd.to_numeric(frame[column], errors="coerce")
        if fixed is not None:
            intended = intended.fillna(float(fixed))
    else:
        intended = pd.Series(float(fixed) if fixed is not None else float("nan"), index=frame.index)
    finished = frame["state"] != "running"
    return intended.where(~finished, frame["epochs_run"].astype(float))


def expected_epochs(spec: RunSpec) -> float | None:
    """The epochs a trial not yet sampled will train, on average over the space."""
    param: Param | None = spec.space.get(EPOCHS)
    if param is None:
        fixed = spec.fixed_values().get(EPOCHS)
        return float(fixed) if fixed is not None else None
    if isinstance(param, Range):
        return (param.low * param.high) ** 0.5 if param.log else (param.low + param.high) / 2
    return fmean(float(value) for value in param.values())  # a fixed value, or a list of them


def _seconds_left(
    spec: RunSpec, summary: RunSummary, frame: pd.DataFrame, to_train: float | None, now: float
) -> float | None:
    """Epochs still to train over the pace of this active period's trials, capped by the time
    budget; None once the run is over, or before any epoch of this period is stored."""
    if not summary.active:
        return None
    timeout = spec.budget.timeout_s  # counted from the run's creation, as the workers count it
    budget_left = max(summary.created_at + timeout - now, 0.0) if timeout is not None else None
    if summary.n_trials is None:  # only the time limit ends the run
        return budget_left
    reopened = summary.reopened_at
    current = frame if reopened is None else frame[frame["started_at"] >= reopened]
    trained = float(current["epochs_run"].fillna(0).sum())
    if to_train is None or trained == 0:
        return budget_left
    pace = trained / max(now - float(current["started_at"].min()), 1e-9)  # epochs per second
    left = to_train / pace
    return min(left, budget_left) if budget_left is not None else left
