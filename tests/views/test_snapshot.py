"""Snapshots: one read of a run (or several) as plain data, kept incremental between reads."""

from __future__ import annotations

import time

from tests.fake_runs import make_run
from tuning import delete_run, load_run
from tuning.views.chart_data import trials_frame
from tuning.views.snapshot import RunWatcher, read_race, shared_watcher


def test_a_watcher_reads_a_run_as_plain_data_and_follows_it(storage_url: str) -> None:
    study = make_run(storage_url, "run", 5, n_running=1, finished=False)
    watcher = RunWatcher("run", storage_url)
    first = watcher.read()
    assert first.summary.name == "run" and first.summary.n_complete == 5
    assert first.frame.equals(trials_frame(study.get_trials()))
    assert set(first.curves.frame["state"]) == {"complete", "running"}
    running = next(t for t in study.get_trials() if t.state.name == "RUNNING")
    study.tell(running.number, 0.5)
    second = watcher.read()
    assert second.summary.n_complete == 6 and second.summary.best_value == 0.5
    assert second.frame.equals(trials_frame(study.get_trials()))


def test_a_race_reads_each_run_once_in_the_order_asked(storage_url: str) -> None:
    make_run(storage_url, "a", 4)
    make_run(storage_url, "b", 6, seed=1)
    race = read_race(["b", "a"], storage_url)
    assert [run.name for run in race.runs] == ["b", "a"]
    assert [s.n_complete for s in race.summaries] == [6, 4]
    assert set(race.frame["run"]) == {"a", "b"}


def test_sessions_share_one_watcher_per_run(storage_url: str) -> None:
    make_run(storage_url, "shared", 5)
    assert shared_watcher("shared", storage_url) is shared_watcher("shared", storage_url)
    assert shared_watcher("shared", storage_url) is not shared_watcher("other", storage_url)


def test_a_run_created_again_under_its_name_is_read_afresh(storage_url: str) -> None:
    make_run(storage_url, "again", 8)
    watcher = RunWatcher("again", storage_url)
    assert len(watcher.read().frame) == 8
    delete_run(load_run("again", storage_url))
    time.sleep(0.01)  # another creation time
    make_run(storage_url, "again", 3)
    assert len(watcher.read().frame) == 3  # not the deleted run's eight rows
