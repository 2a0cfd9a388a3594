"""Snapshots: one read of a run (or several) as plain data, kept incremental between reads."""

from __future__ import annotations

from tests.fake_runs import make_run
from tuning.views.chart_data import trials_frame
from tuning.views.snapshot import RunWatcher, read_race


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
