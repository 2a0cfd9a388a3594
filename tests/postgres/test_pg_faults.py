"""Fault tolerance on PostgreSQL: killed and frozen workers, and an outage of the server."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import pytest
from optuna.trial import FrozenTrial, TrialState

from tests.worker_processes import (
    WorkerProcess,
    WorkerProcesses,
    check_killed_worker_is_replaced,
    eventually,
    live_spec,
    trials_of,
)
from tuning.reading.records import learning_curve
from tuning.storage import record
from tuning.storage.runs import Run, create_run
from tuning.views.summary import summarize

if TYPE_CHECKING:
    from conftest import PostgresServer

pytestmark = pytest.mark.postgres


def test_a_killed_worker_on_another_host_is_replaced(workers: WorkerProcesses, pg_url: str) -> None:
    """The case PostgreSQL is for: the killed worker's trial is failed once its heartbeat is stale.

    (A worker on the same host is known dead from its PID; test_liveness checks that.)
    """
    check_killed_worker_is_replaced(workers, pg_url, host="other-host")


def training(run: Run, worker: WorkerProcess) -> FrozenTrial | None:
    """The trial ``worker`` is in the middle of, once it has reported an epoch."""
    return next(
        (t for t in trials_of(run) if t.state is TrialState.RUNNING and worker.owns(t) and learning_curve(t)),
        None,
    )


def test_a_worker_presumed_dead_drops_its_late_result_and_carries_on(
    workers: WorkerProcesses, pg_url: str
) -> None:
    run = create_run(live_spec(n_trials=4, epochs=400), "frozen", pg_url)
    frozen = workers.start(run.name, pg_url, host="other-host")
    target = eventually(lambda: training(run, frozen), 60, "the worker to train")
    frozen.process.send_signal(signal.SIGSTOP)  # a network partition, seen from the storage
    try:
        # Started only now: a worker started beside it once trained all four trials before
        # the other had even joined, and nothing was left to freeze (see check_killed_worker_is_replaced
        # on 400 epochs).
        reaper = workers.start(run.name, pg_url)
        eventually(
            lambda: run.study.trials[target.number].state is TrialState.FAIL,
            60,
            "the frozen worker's trial to be failed",
        )
    finally:
        frozen.process.send_signal(signal.SIGCONT)

    assert frozen.wait() == 0 and reaper.wait() == 0
    assert f"trial {target.number} was marked failed while this worker ran it" in frozen.log()
    trials = trials_of(run)
    assert [t.state for t in trials].count(TrialState.COMPLETE) == 4
    assert any(t.user_attrs.get(record.RETRY_OF.key) == target.number for t in trials)
    assert summarize(run).state == "finished"


def test_an_outage_longer_than_reconnect_s_then_a_new_worker_finishes_the_run(
    workers: WorkerProcesses, pg_server: PostgresServer
) -> None:
    pg_url = pg_server.url
    run = create_run(live_spec(n_trials=4, epochs=400), "outage", pg_url)
    first = workers.start(run.name, pg_url, "--reconnect-s", "3")
    target = eventually(
        lambda: run.study.trials[0].state is TrialState.COMPLETE and training(run, first),
        60,
        "a finished trial and one in training",
    )
    done_before = {t.number: t.value for t in trials_of(run) if t.state is TrialState.COMPLETE}

    pg_server.stop()
    late = workers.start(run.name, pg_url)
    assert late.wait() == 4
    assert "error: cannot reach the storage postgresql+psycopg2://postgres@" in late.log()
    assert "Connection refused. Check that the database server is running" in late.log()
    assert first.wait() == 4
    assert "retrying in 0.5 s" in first.log()
    assert "has been unreachable for 3 s" in first.log()

    pg_server.start()
    again = workers.start(run.name, pg_url)
    assert again.wait() == 0, again.log()
    trials = {t.number: t for t in trials_of(run)}
    assert [t.state for t in trials.values()].count(TrialState.COMPLETE) == 4
    assert trials[target.number].state is TrialState.FAIL
    assert "died during the trial" in trials[target.number].user_attrs[record.ERROR.key]
    assert {n: trials[n].value for n in done_before} == done_before
    assert summarize(run).state == "finished"


def test_a_worker_rides_out_a_short_outage(workers: WorkerProcesses, pg_server: PostgresServer) -> None:
    pg_url = pg_server.url
    run = create_run(live_spec(n_trials=3, epochs=120), "blip", pg_url)
    worker = workers.start(run.name, pg_url, "--reconnect-s", "60")
    eventually(lambda: training(run, worker), 60, "the worker to train")

    pg_server.stop()
    eventually(lambda: "retrying in" in worker.log(), 20, "the worker to notice the outage")
    pg_server.start()

    assert worker.wait() == 0, worker.log()
    assert "(OperationalError: " in worker.log()
    assert [t.state for t in trials_of(run)] == [TrialState.COMPLETE] * 3
    assert summarize(run).state == "finished"
