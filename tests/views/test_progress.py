"""Progress in epochs and the time left at the run's pace, as the Monitor's bar shows them."""

from __future__ import annotations

import dataclasses
import os

import pytest

from tests.fake_runs import make_run
from tests.runs_helpers import quick_spec
from tuning import RunState, load_run, summarize
from tuning.views.chart_data import trials_frame
from tuning.views.progress import expected_epochs, run_progress
from tuning.views.summary import RunSummary


def read(storage_url: str, name: str) -> tuple[RunSummary, object, float]:
    """The run's summary, its trials frame and when its first trial started."""
    run = load_run(name, storage_url)
    trials = run.study.get_trials(deepcopy=False)
    frame = trials_frame(trials)
    return summarize(run, trials), frame, float(frame["started_at"].min())


def test_a_population_in_flight_counts_its_epochs_and_its_pace(storage_url: str) -> None:
    """Fifteen trials trained together, none finished: the bar used to read 0 of 15 trials
    until every one finished at once, and the time left came only then."""
    make_run(storage_url, "pop", 0, n_running=15, finished=False, trial_s=0.0, worker_pid=os.getpid())
    summary, frame, began = read(storage_url, "pop")
    summary = dataclasses.replace(summary, n_waiting=45)  # the other 45 tickets of the houses budget
    spec = load_run("pop", storage_url).spec  # 30 epochs a trial; each running one is at 15
    progress = run_progress(spec, summary, frame, now=began + 45)
    assert (progress.trials_done, progress.trials_planned) == (0, 60)
    assert (progress.epochs_done, progress.epochs_planned) == (15 * 15, 60 * 30)
    assert progress.fraction == pytest.approx(225 / 1800)
    assert progress.seconds_left == pytest.approx((15 * 15 + 45 * 30) / (225 / 45))  # 5 epochs a second
    unmade = dataclasses.replace(summary, n_waiting=5)  # a block of 5 made, the other 40 still due
    assert run_progress(spec, unmade, frame, now=began + 45) == progress
    stopping = run_progress(spec, dataclasses.replace(summary, state=RunState.STOPPING), frame, began + 45)
    assert stopping.seconds_left == pytest.approx(15 * 15 / 5)  # the queue is not run
    finished = dataclasses.replace(summary, state=RunState.FINISHED)
    assert run_progress(spec, finished, frame, began + 45).seconds_left is None


def test_the_pace_counts_only_what_trained_since_the_latest_extension(storage_url: str) -> None:
    make_run(storage_url, "extended", 10, n_running=2, finished=False, trial_s=2.0, worker_pid=os.getpid())
    summary, frame, _ = read(storage_url, "extended")
    running = frame.loc[frame["state"] == "running", "started_at"]
    reopened = dataclasses.replace(summary, reopened_at=float(running.min()) - 0.5)
    spec = load_run("extended", storage_url).spec
    progress = run_progress(spec, reopened, frame, now=float(running.min()) + 10)
    assert (progress.epochs_done, progress.epochs_planned) == (10 * 30 + 2 * 15, 12 * 30)
    assert progress.seconds_left == pytest.approx(
        2 * 15 / ((2 * 15) / 10)
    )  # the old trials' epochs don't count


def test_inherited_trials_and_a_time_only_budget(storage_url: str) -> None:
    spec = quick_spec(budget={"timeout_s": 100})
    make_run(
        storage_url, "timed", 4, spec=spec, n_running=1, epochs=3, finished=False, worker_pid=os.getpid()
    )
    summary, frame, _ = read(storage_url, "timed")
    frame.loc[frame.index[:2], "origin"] = "inherited"  # another run trained them
    progress = run_progress(spec, summary, frame, now=summary.created_at + 40)
    assert progress.epochs_done == 2 * 3 + 1 and progress.epochs_planned is None  # 3 epochs a trial
    assert progress.seconds_left == pytest.approx(60)  # only the time limit ends it


def test_a_queued_trial_is_planned_at_the_spaces_average_epochs() -> None:
    assert expected_epochs(quick_spec()) == 3
    assert expected_epochs(quick_spec(space={"epochs": {"type": "choice", "values": [10, 20, 60]}})) == 30
    assert expected_epochs(quick_spec(space={"epochs": {"type": "int", "low": 10, "high": 50}})) == 30
