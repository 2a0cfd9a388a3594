"""Which workers count as dead, and a real SIGKILL on the embedded storage."""

from __future__ import annotations

import os
import subprocess
from dataclasses import asdict
from datetime import datetime
from typing import Any

import pytest
from optuna.trial import TrialState, create_trial

from tests.worker_processes import (
    WorkerProcesses,
    check_killed_population_is_retried,
    check_killed_worker_is_replaced,
)
from tuning.storage import record
from tuning.storage.liveness import HOST, WorkerRecord, orphaned_trials

NOW, GRACE = 10_000.0, 60.0


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    "beat, started_s_ago, reason",
    [
        ({"host": HOST, "pid": dead_pid()}, 1, "died during the trial"),
        ({"host": HOST, "pid": os.getpid(), "beat_at": NOW - 10 * GRACE}, 1, None),  # the PID rules here
        ({"host": HOST, "pid": os.getpid(), "exited_at": NOW - 1}, 1, "exited during the trial"),
        ({"host": "elsewhere", "pid": 1, "beat_at": NOW - GRACE - 1}, 1, "sent no heartbeat for 60 s"),
        ({"host": "elsewhere", "pid": 1, "beat_at": NOW - GRACE + 5}, 1, None),
        (None, 1, None),  # claimed a moment ago: the worker is writing its record
        (None, GRACE + 1, "no worker claimed this trial within 60 s"),
    ],
)
def test_orphaned_trials_names_why_the_worker_is_gone(
    beat: dict[str, Any] | None, started_s_ago: float, reason: str | None
) -> None:
    trial = create_trial(state=TrialState.RUNNING, user_attrs={record.WORKER.key: "w1"})
    trial.datetime_start = datetime.fromtimestamp(NOW - started_s_ago)
    attrs = {}
    if beat is not None:
        fields = {"id": "w1", "started_at": NOW - 100, "beat_at": NOW - 1, **beat}
        attrs[record.WORKER_RECORD.member("w1")] = asdict(WorkerRecord(**fields))
    reasons = [found for _, found in orphaned_trials([trial], attrs, GRACE, NOW)]
    if reason is None:
        assert reasons == []
    else:
        assert len(reasons) == 1 and reason in reasons[0]


def test_a_killed_worker_is_replaced_on_the_embedded_storage(
    workers: WorkerProcesses, storage_url: str
) -> None:
    check_killed_worker_is_replaced(workers, storage_url)


def test_a_worker_killed_mid_population_fails_each_member_and_each_is_retried_once(
    workers: WorkerProcesses, storage_url: str
) -> None:
    check_killed_population_is_retried(workers, storage_url)
