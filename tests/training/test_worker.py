"""The worker's fault tolerance on the embedded storage: retries, and a dead worker's trial."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict

import pytest
import sqlalchemy.exc
from optuna.exceptions import StorageInternalError
from optuna.trial import TrialState

import tuning.training.worker
from tests.runs_helpers import QUICK_SPACE, quick_spec, run_in_process
from tuning.definition.presets import preset_spec
from tuning.definition.spec import RunSpec
from tuning.errors import StorageUnavailable
from tuning.storage import lifecycle, record, runs
from tuning.storage.liveness import HOST, Heartbeat, WorkerRecord
from tuning.storage.runs import create_run, load_run, requeue
from tuning.storage.urls import connection_error
from tuning.training.worker import TrialQueue, Worker, WorkerOptions
from tuning.views.summary import summarize

DROPPED = sqlalchemy.exc.OperationalError(
    "SELECT 1", {}, Exception("server closed the connection unexpectedly")
)


def wrapped(cause: Exception) -> StorageInternalError:
    """What Optuna's RDB storage raises for any SQLAlchemy error of a query."""
    error = StorageInternalError("An exception is raised during the commit.")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error, lost",
    [
        (wrapped(DROPPED), True),
        (DROPPED, True),
        (OSError("Stale file handle"), True),  # a journal file on a network mount
        (wrapped(sqlalchemy.exc.DataError("INSERT", {}, Exception("value too long"))), False),
        (ValueError("Cannot tell a FAIL trial."), False),
    ],
)
def test_connection_error_sees_through_optunas_wrapper(error: Exception, lost: bool) -> None:
    assert (connection_error(error) is not None) is lost


class FakeClock:
    """Stands in for the ``time`` module in tuning.training.worker: sleeping only moves the clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clocked_worker(storage_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Worker, FakeClock]:
    create_run(quick_spec(), "run", storage_url)
    clock = FakeClock()
    monkeypatch.setattr(tuning.training.worker, "time", clock)
    return Worker("run", storage_url, WorkerOptions(reconnect_s=5)), clock


def test_a_long_operation_that_loses_the_storage_is_retried_with_a_log_line(
    clocked_worker: tuple[Worker, FakeClock], caplog: pytest.LogCaptureFixture
) -> None:
    worker, clock = clocked_worker
    calls = []

    def train_then_report() -> str:
        calls.append(clock.now)
        if len(calls) == 1:
            clock.now += 100  # trained longer than reconnect_s: the allowance starts at the failure
        if len(calls) < 3:
            raise wrapped(DROPPED)
        return "reported"

    with caplog.at_level(logging.WARNING, logger="tuning.training.worker"):
        assert worker._retry("report an epoch", train_then_report) == "reported"
    assert "could not report an epoch (OperationalError: " in caplog.text
    assert "server closed the connection unexpectedly); retrying in 0.5 s" in caplog.text


def test_a_worker_gives_up_after_reconnect_s_and_says_so(clocked_worker: tuple[Worker, FakeClock]) -> None:
    worker, clock = clocked_worker

    def unreachable() -> None:
        raise wrapped(DROPPED)

    with pytest.raises(
        StorageUnavailable, match=r"could not claim a trial: the storage journal:///.* for 5 s"
    ):
        worker._retry("claim a trial", unreachable)
    assert clock.now == 5


def test_a_worker_reruns_the_trial_of_a_dead_worker_before_finishing(storage_url: str) -> None:
    """The queue is empty and the only trial belongs to a dead worker: waiting for it pays."""
    run = create_run(quick_spec(budget={"n_trials": 1}, heartbeat_s=1.0), "run", storage_url)
    dead = subprocess.Popen(["true"])
    dead.wait()
    trial_id = run.storage.get_trial_id_from_study_id_trial_number(run.study_id, 0)
    run.storage.set_trial_state_values(trial_id, TrialState.RUNNING)
    run.storage.set_trial_user_attr(trial_id, record.WORKER.key, "ghost")
    ghost = WorkerRecord("ghost", HOST, dead.pid, time.time(), time.time())
    run.study.set_user_attr(record.WORKER_RECORD.member("ghost"), asdict(ghost))

    report = Worker("run", storage_url, WorkerOptions()).work()

    assert report.trials == 1 and report.finished_run
    lost, rerun = load_run("run", storage_url).study.get_trials()
    assert lost.state is TrialState.FAIL and "died during the trial" in lost.user_attrs[record.ERROR.key]
    assert rerun.state is TrialState.COMPLETE and rerun.user_attrs[record.RETRY_OF.key] == 0


def test_two_workers_share_a_grid_by_claiming_a_population_each_without_overlap(storage_url: str) -> None:
    """What ``workers: 2`` guarantees: each worker claims at most its share of the queue, and
    no trial is claimed twice. (Whether the second process arrives before the first has
    finished the whole grid is timing, so the launcher tests do not assert it.)"""
    spec = RunSpec.from_dict({**preset_spec("article-grid").to_dict(), "workers": 2})
    create_run(spec, "grid", storage_url)
    first, second = (Worker("grid", storage_url, WorkerOptions()) for _ in range(2))
    assert first.population == second.population == 12
    mine = first.queue.claim_population(first.population)
    theirs = second.queue.claim_population(second.population)
    left = second.queue.claim_population(second.population)
    numbers = [trial.number for trial in mine + theirs]
    assert (len(mine), len(theirs), left) == (12, 12, [])
    assert sorted(numbers) == list(range(24))
    workers = Counter(
        t.user_attrs[record.WORKER.key] for t in load_run("grid", storage_url).study.get_trials()
    )
    assert sorted(workers.values()) == [12, 12] and len(workers) == 2


def test_a_worker_shares_the_queue_with_every_worker_alive_not_only_the_specs(storage_url: str) -> None:
    """A run launched with ``workers: 1`` and joined by three more workers (another machine,
    a Kubernetes Job): each claims a quarter, so none is left idle while one trains all."""
    create_run(preset_spec("article-grid"), "grid", storage_url)  # workers: 1
    joined = [Heartbeat(load_run("grid", storage_url), f"elsewhere-{i}", 60) for i in range(3)]
    try:
        worker = Worker("grid", storage_url, WorkerOptions())
        assert worker.population == 24  # the spec's one worker would take the whole grid
        assert worker.claim_size() == 6  # 24 trials, 4 workers alive
    finally:
        for heartbeat in joined:
            heartbeat.stop()
    assert worker.claim_size() == 24  # the others have exited


def test_workers_claim_a_budget_made_a_block_at_a_time_each_ticket_once(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers' queues take turns: every budget ticket is made once and claimed once, and a
    retry of a trial whose worker died before it made the next block makes that block."""
    monkeypatch.setattr(runs, "TICKET_BLOCK", 3)
    create_run(quick_spec(budget={"n_trials": 8}), "run", storage_url)
    run = load_run("run", storage_url)
    queues = [TrialQueue(run, run.study, name) for name in ("w1", "w2")]
    claimed = [queues[i % 2].claim() for i in range(3)]  # 0, 1, 2; claiming 0 made 3-5

    def dies(*args: object) -> int:
        raise KeyboardInterrupt("killed")

    with monkeypatch.context() as patch:  # 3, the first of its block: its worker dies before making 6-7
        patch.setattr(tuning.training.worker, "add_budget_tickets", dies)
        with pytest.raises(KeyboardInterrupt):
            queues[0].claim()
    (dead,) = run.study.get_trials(states=(TrialState.RUNNING,))[3:]
    assert runs.ticket_index(dead) == 3 and runs.next_block(dead) == 6
    requeue(run, dead)  # what the reaper does with a dead worker's trial
    claimed += [queues[i % 2].claim() for i in range(4)]  # 4, 5, the retry of 3 (makes 6-7), 6
    claimed += [queues[1].claim(), queues[0].claim()]  # 7, then nothing
    assert claimed[-1] is None
    indices = [runs.ticket_index(run.study.trials[t.number]) for t in claimed if t is not None]
    assert sorted(indices) == [0, 1, 2, 3, 4, 5, 6, 7]  # the retry is 3 again: the budget, once each
    made = Counter(runs.ticket_index(t) for t in run.study.get_trials() if runs.ticket_index(t) is not None)
    assert made == {i: 2 if i == 3 else 1 for i in range(8)}  # no block made twice


def _queue_once(name: str, url: str, params: dict[str, object]) -> Callable[[], None]:
    """Queues ``params`` into run ``name`` the first time it is called, as ``enqueue`` does."""
    queued: list[int] = []

    def queue() -> None:
        if not queued:
            queued.append(lifecycle.enqueue(load_run(name, url), params))

    return queue


def test_a_configuration_queued_between_a_workers_last_reads_runs_before_the_run_ends_again(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker decides to test the winner from two reads (is there a result? is there work
    left?). A configuration queued into the ended run between them (``python -m tuning
    enqueue``, seen once under load in the PostgreSQL suite) must not end the reopened run
    without it, test it again and reopen it a second time."""
    run_in_process(quick_spec(budget={"n_trials": 2}), storage_url)
    picked = {"batch_size": 32, "hidden_size": 17, "lr": 0.02}
    queue = _queue_once("run", storage_url, picked)
    worker = Worker("run", storage_url, WorkerOptions())
    for name in ("has_result", "work_left"):  # whichever the worker reads first, the ticket comes after it
        real = getattr(tuning.training.worker, name)
        monkeypatch.setattr(tuning.training.worker, name, lambda *a, real=real: (real(*a), queue())[0])

    assert worker._finish_if_last()  # the ticket is seen; the run is not ended without it
    monkeypatch.undo()
    worker.work()

    summary = summarize(load_run("run", storage_url))
    assert (summary.state, summary.n_hand_picked, len(summary.history)) == ("finished", 1, 1)
    assert summary.n_complete == 3 and not summary.active


def test_a_configuration_queued_as_the_last_worker_leaves_is_run_by_it(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``enqueue`` starts a worker only when none is alive. One that has looked at the queue
    for the last time still reads as alive until it says it has exited: it looks again after
    saying so, and runs what was queued meanwhile."""
    create_run(quick_spec(budget={"n_trials": 2}), "run", storage_url)
    picked = {"batch_size": 32, "hidden_size": 17, "lr": 0.02}
    queue = _queue_once("run", storage_url, picked)
    real_refit = tuning.training.worker.refit_if_asked
    monkeypatch.setattr(tuning.training.worker, "refit_if_asked", lambda *a: (real_refit(*a), queue())[0])

    Worker("run", storage_url, WorkerOptions()).work()

    run = load_run("run", storage_url)
    summary = summarize(run)
    assert (summary.state, summary.n_hand_picked, summary.n_waiting) == ("finished", 1, 0)
    assert [t.params for t in run.study.get_trials(states=(TrialState.COMPLETE,))].count(picked) == 1


def test_a_stop_ends_a_population_at_its_next_epoch(storage_url: str) -> None:
    """A random search trains its trials as one population: Stop waited for all of them to
    finish every epoch (minutes), the trials then all complete. Now they end at the epoch
    the stop is read, as pruned trials that say why."""
    spec = quick_spec(budget={"n_trials": 8}, population=8, space={**QUICK_SPACE, "epochs": 5000})
    create_run(spec, "long", storage_url)
    worker = Worker("long", storage_url, WorkerOptions())
    done: list[float] = []
    thread = threading.Thread(target=lambda: (worker.work(), done.append(time.monotonic())))
    thread.start()
    run = load_run("long", storage_url)
    while not any(record.CURVE.key in t.user_attrs for t in run.study.get_trials(deepcopy=False)):
        assert thread.is_alive(), "the worker ended before it trained an epoch"
        time.sleep(0.1)
    runs.request_stop(run)
    stopped_at = time.monotonic()
    thread.join(timeout=120)
    assert done, "the worker did not end after the stop"
    trials = load_run("long", storage_url).study.get_trials()
    assert [t.state for t in trials] == [TrialState.PRUNED] * 8
    for trial in trials:
        reason = trial.user_attrs[record.ERROR.key]
        assert reason.startswith("stopped at epoch ") and reason.endswith(": the run was stopped")
        assert len(trial.user_attrs[record.CURVE.key]) < 5000
    assert done[0] - stopped_at < 60  # the whole population: a few minutes of epochs left
    assert summarize(load_run("long", storage_url)).state.value == "stopped"
