"""A worker process: take queued trials of one run until none are left, then finish it.

Any number of workers, on any machines that reach the storage, may join a run. Each one
claims up to K waiting trials atomically, has Optuna sample them one after another (TPE's
constant liar keeps a batch apart), trains them together as one population, and
tells Optuna each outcome; before every claim it honours a stop request, and its
heartbeat thread fails the trials of dead workers (all K of a dead worker's). A worker
that finds the queue empty while others still train waits for them: if one of them dies,
its configurations are queued again and someone must run them. Storage errors are retried
with back-off; a worker that cannot reconnect in time exits non-zero, and its unfinished
trials are reaped by another worker, so no completed trial is lost.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import TrialState

from tuning.definition.pruners import make_pruner
from tuning.definition.strategies import make_sampler
from tuning.errors import StorageUnavailable
from tuning.models.source import CodeMismatch
from tuning.storage import record
from tuning.storage.lifecycle import claim_order, hand_picked_waiting, reopen
from tuning.storage.liveness import HOST, Heartbeat, worker_records
from tuning.storage.refit import fail_asked_refit
from tuning.storage.runs import (
    Run,
    add_budget_tickets,
    deadline_passed,
    has_result,
    load_run,
    next_block,
    stop_requested,
)
from tuning.storage.urls import connection_error, redact, resolve_url
from tuning.training.devices import place, visible_gpus
from tuning.training.finalize import finalize, work_left
from tuning.training.measures import told
from tuning.training.population import Outcome, Status
from tuning.training.refit import refit_if_asked
from tuning.training.trainer import Trainer, make_trainer

log = logging.getLogger("tuning.training.worker")
T = TypeVar("T")


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker behaves; the run's spec says what it trains."""

    index: int = 0
    threads: int = 1
    reconnect_s: float = 60.0


@dataclass
class WorkerReport:
    """What this worker did, for the CLI's exit message."""

    worker_id: str
    trials: int = 0
    finished_run: bool = False
    stop_seen: bool = False


class Reconnecting:
    """The retry policy: run a storage operation, retrying with back-off while the storage is unreachable.

    The ``reconnect_s`` allowance starts at the first failure, so a long operation
    (training a population) gets the same grace as a short one. Errors that are not a lost
    connection are raised at once.
    """

    def __init__(self, url: str, reconnect_s: float) -> None:
        self.url = url
        self.reconnect_s = reconnect_s

    def __call__(self, what: str, operation: Callable[[], T]) -> T:
        delay, deadline = 0.5, None
        while True:
            try:
                return operation()
            except Exception as error:
                cause = connection_error(error)
                if cause is None:
                    raise
                reason = f"{type(cause).__name__}: {(str(cause).strip() or '-').splitlines()[0]}"
                if deadline is None:
                    deadline = time.monotonic() + self.reconnect_s
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StorageUnavailable(
                        f"could not {what}: the storage {redact(self.url)} has been unreachable "
                        f"for {self.reconnect_s:g} s ({reason}); start the worker again once it is back"
                    ) from None
                delay = min(delay, remaining)
                log.warning("could not %s (%s); retrying in %.1f s", what, reason, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)


Retry = Callable[[str, Callable[[], T]], T]


class TrialQueue:
    """Claims this run's queued trials for one worker; only one worker can move a trial to RUNNING."""

    def __init__(self, run: Run, study: optuna.Study, worker_id: str) -> None:
        self.run = run
        self.study = study
        self.worker_id = worker_id
        self.only_hand_picked = False  # once stopped or out of time: only hand-picked tickets

    def claim_population(self, size: int) -> list[optuna.Trial]:
        """Up to ``size`` trials, each claimed as ``claim`` does."""
        trials: list[optuna.Trial] = []
        while len(trials) < size and (trial := self.claim()) is not None:
            trials.append(trial)
        return trials

    def claim(self) -> optuna.Trial | None:
        """Take the next waiting trial (hand-picked ones first, then the oldest), or ask a new
        one when only time ends the run; None when empty.

        The list comes from this worker's study: for an RDB storage Optuna wraps the study's
        storage in a cache that can only write to trials it has read.
        """
        storage, study_id = self.run.storage, self.run.study_id
        waiting_trials = self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
        for waiting in claim_order(waiting_trials, self.only_hand_picked):
            trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, waiting.number)
            try:
                if not storage.set_trial_state_values(trial_id, TrialState.RUNNING):
                    continue
            except UpdateFinishedTrialError:
                continue
            storage.set_trial_user_attr(trial_id, record.WORKER.key, self.worker_id)
            if (start := next_block(waiting)) is not None:  # the first of its block: make the next one
                add_budget_tickets(self.study, self.run.spec, start)
            return optuna.trial.Trial(self.study, trial_id)
        if self.run.spec.open_ended() and not self.only_hand_picked:
            trial = self.study.ask()  # a time-only budget queues nothing: make trials as we go
            trial.set_user_attr(record.WORKER.key, self.worker_id)
            return trial
        return None


#: The most of a traceback stored with a failed trial (its end: where it was raised).
TRACEBACK_CHARS = 20_000


#: How often a training claim reads whether its run was stopped (``ClaimProgress``).
STOP_CHECK_S = 2.0
#: What a trial ended by the run's stop says of it.
STOPPED_RUN = "the run was stopped"


class ClaimProgress:
    """A claim's link to the storage while it trains (``trainer.Progress``): its learning
    curves stored, and a stop request read at most every ``STOP_CHECK_S``.

    ``interruptible`` is False for a claim made after the stop (hand-picked tickets run
    even then): the stop that let it run must not end it.
    """

    def __init__(self, run: Run, retry: Retry[Any], interruptible: bool) -> None:
        self.run, self.retry, self.interruptible = run, retry, interruptible
        self.checked_at = time.monotonic()  # the claim itself just read the run
        self.reason: str | None = None

    def publish(self, trial: optuna.Trial, curve: list[float]) -> None:
        self.retry("store the learning curve", lambda: trial.set_user_attr(record.CURVE.key, curve))

    def stop_reason(self) -> str | None:
        if self.reason is None and self.interruptible and time.monotonic() - self.checked_at >= STOP_CHECK_S:
            self.checked_at = time.monotonic()
            if stop_requested(self.retry("read the run", self.run.attrs)):
                self.reason = STOPPED_RUN
        return self.reason


class PopulationRunner:
    """Trains claimed trials as one population and tells Optuna each outcome; keeps the best so far."""

    def __init__(self, run: Run, study: optuna.Study, objective: Trainer, retry: Retry[Any]) -> None:
        self.run = run
        self.study = study
        self.objective = objective
        self.retry = retry
        self.best: tuple[int, Outcome] | None = None

    def run_trials(self, trials: list[optuna.Trial], interruptible: bool = True) -> None:
        """Train ``trials`` (ended at the next epoch by a stop of the run when
        ``interruptible``); a failure of their configurations is recorded, never raised
        (storage loss is)."""
        progress = ClaimProgress(self.run, self.retry, interruptible)
        numbers = ", ".join(str(trial.number) for trial in trials)
        try:
            # Suggesting and pruning read the storage too: if it drops there, train again.
            outcomes = self.retry(f"run trials {numbers}", lambda: self.objective(trials, progress))
        except StorageUnavailable:
            raise
        except (Exception, SystemExit) as error:  # a bug, ours or the user's code's, fails these trials only
            trace = traceback.format_exc()
            log.error("trials %s failed:\n%s", numbers, trace)
            attrs = {
                record.ERROR.key: f"{type(error).__name__}: {error}",
                record.TRACEBACK.key: trace[-TRACEBACK_CHARS:],
            }
            for trial in trials:
                self.tell(trial, TrialState.FAIL, None, attrs)
            return
        for trial, outcome in zip(trials, outcomes, strict=True):
            self.tell_outcome(trial, outcome)

    def tell_outcome(self, trial: optuna.Trial, outcome: Outcome) -> None:
        """Tell Optuna how one member of the population ended; keep this worker's best."""
        if outcome.status is Status.STOPPED:
            self.tell(trial, TrialState.PRUNED, None, {record.ERROR.key: outcome.reason})
        elif outcome.status is Status.DIVERGED:
            self.tell(trial, TrialState.FAIL, None, {record.ERROR.key: outcome.reason})
        else:
            metrics = self.objective.validation_metrics(outcome)
            attrs: dict[str, Any] = {record.LOSS_SPREAD.key: outcome.spread}
            if metrics is not None:  # an objective's values are all it records
                attrs[record.METRICS.key] = metrics
            scored = told(self.objective, outcome, metrics)  # one value per objective, and bounds
            self.tell(trial, scored.state, scored.values, {**attrs, **scored.attrs}, scored.violations)
            selection = self.objective.spec.selection
            better = self.best is None or selection.better(outcome.loss, self.best[1].loss)
            if better and scored.state is TrialState.COMPLETE:
                self.best = (trial.number, outcome)

    def tell(
        self,
        trial: optuna.Trial,
        state: TrialState,
        value: float | list[float] | None,
        attrs: dict[str, Any],
        violations: dict[str, float] | None = None,
    ) -> None:
        """Record an outcome, unless another worker has failed the trial meanwhile (then drop it).

        ``value`` is one per objective for a run of several; ``violations`` are its bounds'
        (Optuna's constraints)."""

        def tell() -> TrialState:
            for key, attr in attrs.items():
                trial.set_user_attr(key, attr)
            for bound, violation in (violations or {}).items():
                trial.set_constraint(bound, violation)
            return self.study.tell(trial, value, state=state, skip_if_finished=True).state

        try:
            told = self.retry(f"record trial {trial.number}", tell)
        except UpdateFinishedTrialError:
            told = TrialState.FAIL
        if told is not state:
            log_taken_over(trial)
            return
        error = attrs.get(record.ERROR.key)
        shown = f": {error}" if error else " " + " ".join(f"{v:.6g}" for v in _as_list(value))
        log.info("trial %d %s%s", trial.number, state.name.lower(), shown)


def _as_list(value: float | list[float] | None) -> list[float]:
    return [] if value is None else value if isinstance(value, list) else [value]


def log_taken_over(trial: optuna.Trial) -> None:
    log.warning(
        "trial %d was marked failed while this worker ran it (its heartbeat was late, "
        "e.g. the storage was out of reach); its result is dropped",
        trial.number,
    )


class Worker:
    """Runs the trials of one run in this process: the claim loop around a queue and a runner."""

    def __init__(self, name: str, storage_url: str | None, options: WorkerOptions) -> None:
        self.options = options
        self.url = resolve_url(storage_url)
        self._retry: Retry[Any] = Reconnecting(self.url, options.reconnect_s)
        self.run: Run = self._retry("load the run", lambda: load_run(name, self.url))
        spec = self.run.spec
        self.study = optuna.load_study(
            study_name=name,
            storage=self.run.storage,
            sampler=make_sampler(spec, spec.seed + options.index),
            pruner=make_pruner(spec),
        )
        self.device = place(options.index, visible_gpus(), spec.device)
        try:  # this machine's copy of the user's code, or a refusal to join
            if spec.source is not None:
                spec.source.check_copy()
            self.objective: Trainer = make_trainer(spec, self.run.csv_text(), self.device)
        except CodeMismatch as refusal:
            reason = f"CodeMismatch: {refusal}"
            self._retry("fail the refit", lambda: fail_asked_refit(self.run, reason))
            raise
        self.report = WorkerReport(f"{HOST}-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        self.population = self.objective.population_size(options.threads)
        self.queue = TrialQueue(self.run, self.study, self.report.worker_id)
        self.runner = PopulationRunner(self.run, self.study, self.objective, self._retry)

    def work(self) -> WorkerReport:
        """Claim and run trials until the queue is empty, a stop arrives or time is up."""
        import torch

        torch.set_num_threads(self.options.threads)
        log.info(
            "worker %s joined run %s on %s; up to %d trials at once on %s",
            self.report.worker_id, self.run.name, redact(self.url), self.population, self.device,
        )  # fmt: skip
        heartbeat = self._join()
        try:
            self._store_baselines()
            while True:
                self._loop(heartbeat)
                while self._finish_if_last():  # a hand-picked ticket arrived as the run ended: run it too
                    self._loop(heartbeat)
                self._retry("refit the winner", lambda: refit_if_asked(self.run, self.objective))
                heartbeat.stop()
                if not self._queued_as_it_left():
                    return self.report
                heartbeat = self._join()
        finally:
            heartbeat.stop()

    def _join(self) -> Heartbeat:
        return self._retry(
            "join the run", lambda: Heartbeat(self.run, self.report.worker_id, self.run.spec.heartbeat_s)
        )

    def _queued_as_it_left(self) -> bool:
        """True when a hand-picked ticket waits once this worker has said it exited.

        ``enqueue`` writes its ticket, then starts a worker only if none is alive; this worker
        says it exited, then reads the queue. Whichever writes second sees the other's write,
        so a ticket queued while this worker still read as alive is never left to nobody.
        """
        trials = self._retry("check the queue", lambda: self.study.get_trials(deepcopy=False))
        return hand_picked_waiting(trials)

    def _store_baselines(self) -> None:
        """The run's baselines, once, before its first trial; workers that race compute the
        same figures (the same folds and preprocessing)."""
        if record.BASELINES.key in self._retry("read the run", self.run.attrs):
            return
        baselines = self.objective.baselines(self.options.threads)
        if baselines is not None:  # None: no data Sweetspot sees (an objective's), or data() raised
            self._retry(
                "store the baselines", lambda: self.study.set_user_attr(record.BASELINES.key, baselines)
            )

    def claim_size(self) -> int:
        """How many trials the next claim takes: ``population``, or this worker's share when
        more workers are alive than the spec started (it counts itself whether or not its
        heartbeat is written yet)."""
        attrs = self._retry("read the run", self.run.attrs)
        now, grace_s = time.time(), self.run.spec.grace_s
        others = sum(
            other.is_alive(grace_s, now)
            for worker_id, other in worker_records(attrs).items()
            if worker_id != self.report.worker_id
        )
        return self.objective.population_size(self.options.threads, 1 + others)

    def _loop(self, heartbeat: Heartbeat) -> None:
        """Claim and train populations; with the queue empty, wait while others train (one may die)."""
        while self._may_continue():
            trials = self._retry("claim trials", partial(self.queue.claim_population, self.claim_size()))
            if trials:
                self.runner.run_trials(trials, interruptible=not self.queue.only_hand_picked)
                self.report.trials += len(trials)
            elif heartbeat.still_needed(self._work_left):
                time.sleep(self.run.spec.heartbeat_s)
            else:
                return

    def _work_left(self) -> bool:
        return self._retry("check the queue", lambda: work_left(self.run))

    def _finish_if_last(self) -> bool:
        """Evaluate the winner once on test when no work is left and no worker has yet; True
        when a hand-picked ticket was queued meanwhile (the run is reopened, and this worker
        runs it).

        Finishing happens while the heartbeat still says this worker is alive: the run reads
        as running, not interrupted, while the winner is evaluated. Evaluating takes a
        moment, and a configuration queued then would otherwise wait in an ended run.
        """
        # The result is read before the queue, as ``enqueue`` writes the ticket before it
        # reopens: a run seen reopened shows its new ticket, and is not ended without it.
        if not self._retry("read the run", lambda: has_result(self.run.attrs())) and not self._work_left():
            result = self._retry(
                "finish the run", lambda: finalize(self.run, self.objective, self.runner.best)
            )
            self.report.finished_run = True
            log.info("run %s ended %s: test loss %s", self.run.name, result.state, result.test_loss)
        trials = self._retry("check the queue", lambda: self.study.get_trials(deepcopy=False))
        if not hand_picked_waiting(trials):
            return False
        if self._retry("read the run", lambda: has_result(self.run.attrs())):
            why = "a hand-picked configuration arrived as it ended"
            self._retry("reopen the run", lambda: reopen(self.run, why))
        return True

    def _may_continue(self) -> bool:
        """False once a stop or the time limit ends the run, unless hand-picked tickets wait."""
        attrs = self._retry("read the run", self.run.attrs)
        stopped = stop_requested(attrs)
        if not stopped and not deadline_passed(self.run, attrs):
            return True
        self.report.stop_seen |= stopped
        self.queue.only_hand_picked = True
        trials = self._retry("check the queue", lambda: self.study.get_trials(deepcopy=False))
        if hand_picked_waiting(trials):
            return True
        why = "stop requested" if stopped else "time budget spent"
        log.info("%s: leaving run %s", why, self.run.name)
        return False
