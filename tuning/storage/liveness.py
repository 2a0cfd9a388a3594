"""Which workers are alive, and what happens to the trials of those that are not.

Every worker keeps a record in the run (host, PID, last heartbeat) and refreshes it from a
background thread. A RUNNING trial whose worker is gone (its local PID has exited, or its
heartbeat is older than the run's grace period, or the worker said it exited) is marked
failed with the reason, and its configuration is queued once more. The same thread looks
for such trials at every beat, so a dead worker's trial is failed within a beat of being
noticed however long the live workers' own trials take. This works the same on the
journal file and on PostgreSQL; it relies on the machines' clocks agreeing to within a
fraction of the grace period.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from tuning.storage import record
from tuning.storage.runs import Run, requeue
from tuning.storage.urls import connection_error

HOST = socket.gethostname()
log = logging.getLogger("tuning.storage.liveness")


@dataclass(frozen=True)
class WorkerRecord:
    """What a worker says of itself in the run's attributes."""

    id: str
    host: str
    pid: int
    started_at: float
    beat_at: float
    exited_at: float | None = None

    def is_alive(self, grace_s: float, now: float) -> bool:
        if self.exited_at is not None:
            return False
        if self.host == HOST:
            return pid_alive(self.pid)
        return now - self.beat_at < grace_s


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def worker_records(attrs: dict[str, Any]) -> dict[str, WorkerRecord]:
    return {
        key[len(record.WORKER_RECORD.key) :]: WorkerRecord(**value)
        for key, value in attrs.items()
        if key.startswith(record.WORKER_RECORD.key)
    }


def live_workers(attrs: dict[str, Any], grace_s: float, now: float) -> list[WorkerRecord]:
    """The run's workers alive now: by their PID on this machine, by their heartbeat elsewhere."""
    return [worker for worker in worker_records(attrs).values() if worker.is_alive(grace_s, now)]


class Heartbeat:
    """This worker's record in the run, written now and then every ``interval_s``.

    A daemon thread does the writing, and at every beat also reaps the trials of dead workers.
    """

    def __init__(self, run: Run, worker_id: str, interval_s: float) -> None:
        now = time.time()
        self.run = run
        self.record = WorkerRecord(worker_id, HOST, os.getpid(), now, now)
        self.interval_s = interval_s
        self._stopped = threading.Event()
        self._reaping = threading.Lock()
        self._write()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        self.run.study.set_user_attr(record.WORKER_RECORD.member(self.record.id), asdict(self.record))

    def _beat(self) -> None:
        while True:
            with self._reaping:
                if self._stopped.is_set():
                    return
                _quietly(lambda: reap_orphans(self.run))
            if self._stopped.wait(self.interval_s):
                return
            self.record = WorkerRecord(**{**asdict(self.record), "beat_at": time.time()})
            _quietly(self._write)

    def still_needed(self, work_left: Callable[[], bool]) -> bool:
        """``work_left()``, read while this worker reaps nothing; if False, it reaps no more.

        A reaped trial is failed first and queued again just after: a look in between would
        see no work where there is some, and the worker would leave that trial to nobody.
        """
        with self._reaping:
            if work_left():
                return True
            self._stopped.set()
            return False

    def stop(self) -> None:
        """Say that this worker has exited, so nobody waits for its heartbeat to age."""
        self._stopped.set()
        self._thread.join()
        self.record = WorkerRecord(**{**asdict(self.record), "exited_at": time.time()})
        _quietly(self._write)  # storage gone: the heartbeat's age tells the others


def _quietly(operation: Callable[[], object]) -> None:
    """Run a background storage operation; a lost connection must not kill the worker (its main
    loop reports and retries), and any other error is logged, not raised."""
    try:
        operation()
    except Exception as error:
        if connection_error(error) is None:
            log.exception("heartbeat thread: %s", error)


def orphaned_trials(
    trials: list[FrozenTrial], attrs: dict[str, Any], grace_s: float, now: float
) -> list[tuple[FrozenTrial, str]]:
    """RUNNING trials whose worker is gone, with the reason to record."""
    records = worker_records(attrs)
    orphans = []
    for trial in trials:
        if trial.state is not TrialState.RUNNING:
            continue
        owner = records.get(trial.user_attrs.get(record.WORKER.key, ""))
        if owner is None:
            started = trial.datetime_start.timestamp() if trial.datetime_start else now
            if now - started > grace_s:
                orphans.append((trial, f"no worker claimed this trial within {grace_s:g} s"))
        elif not owner.is_alive(grace_s, now):
            where = f"worker {owner.id} (PID {owner.pid} on {owner.host})"
            if owner.exited_at is not None:
                orphans.append((trial, f"{where} exited during the trial"))
            elif owner.host == HOST:
                orphans.append((trial, f"{where} died during the trial"))
            else:
                orphans.append((trial, f"{where} sent no heartbeat for {grace_s:g} s"))
    return orphans


def reap_orphans(run: Run) -> int:
    """Fail the trials of dead workers and queue each configuration once more."""
    trials = run.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    reaped = 0
    for trial, reason in orphaned_trials(trials, run.attrs(), run.spec.grace_s, time.time()):
        trial_id = run.storage.get_trial_id_from_study_id_trial_number(run.study_id, trial.number)
        try:
            run.storage.set_trial_user_attr(trial_id, record.ERROR.key, reason)
            if not run.storage.set_trial_state_values(trial_id, TrialState.FAIL):
                continue
        except UpdateFinishedTrialError:
            continue  # another worker reaped it, or it finished after all
        reaped += 1
        if record.RETRY_OF.key not in trial.user_attrs:
            requeue(run, trial)
    return reaped
