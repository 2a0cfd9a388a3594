"""Snapshots: one read of a run (or several) as plain data, kept incremental between reads."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fake_runs import make_run
from tuning import delete_run, load_run
from tuning.views import snapshot
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


def test_sessions_share_the_snapshot_of_an_unchanged_run_and_what_is_built_from_it(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten visitors of a live run refresh it between two of its changes: the second read
    rebuilds nothing (no summary, no frames), and what one session built from the
    snapshot (a figure) another gets as it is."""
    monkeypatch.setattr(snapshot, "REUSE_S", 3600.0)  # no clock in this test: only changes count
    study = make_run(storage_url, "live", 5, n_running=1, finished=False)
    first = shared_watcher("live", storage_url).read()
    built: list[str] = []
    assert first.derived(("figure", True), lambda: built.append("figure") or "drawn") == "drawn"
    second = shared_watcher("live", storage_url).read()  # another session's refresh
    assert second is first
    assert second.derived(("figure", True), lambda: built.append("figure again") or "redrawn") == "drawn"
    assert second.derived(("figure", False), lambda: built.append("other choice") or "other") == "other"
    assert built == ["figure", "other choice"]
    running = next(t for t in study.get_trials() if t.state.name == "RUNNING")
    study.tell(running.number, 0.5)
    third = shared_watcher("live", storage_url).read()
    assert third is not first and third.summary.n_complete == 6
    assert third.derived(("figure", True), lambda: "of the new snapshot") == "of the new snapshot"


def test_a_snapshot_is_made_again_once_the_clock_may_have_changed_it(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summary says which workers are alive by the clock: an unchanged run is read again."""
    make_run(storage_url, "quiet", 3, n_running=1, finished=False)
    watcher = RunWatcher("quiet", storage_url)
    monkeypatch.setattr(snapshot, "REUSE_S", 0.0)
    first = watcher.read()
    assert watcher.read() is not first
    monkeypatch.setattr(snapshot, "REUSE_S", 3600.0)
    kept = watcher.read()
    assert watcher.read() is kept
    watcher.forget(older_than_s=0.0)  # a run nobody watched for a while holds no frames
    assert watcher.read() is not kept


def test_a_database_run_is_read_afresh_at_every_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its reads are never the same objects (``RunRead.same_as``): no stale snapshot."""
    monkeypatch.setattr(snapshot, "REUSE_S", 3600.0)
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    make_run(url, "run", 3, n_running=1, finished=False)
    watcher = RunWatcher("run", url)
    assert watcher.read() is not watcher.read()
