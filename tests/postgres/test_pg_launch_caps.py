"""The demo's caps on PostgreSQL, as dashboard servers on several machines would share it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.launch_race import STARTED, assert_exactly, processes_together, race_processes, race_threads
from tests.runs_helpers import quick_spec
from tuning.demo import DEMO_ENV, DemoLimits
from tuning.errors import StorageUnavailable
from tuning.launcher import launch
from tuning.storage import locks
from tuning.storage.locks import storage_lock
from tuning.storage.runs import load_run

pytestmark = pytest.mark.postgres
RACES = {"threads": race_threads, "processes": race_processes}


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> DemoLimits:
    monkeypatch.setenv(DEMO_ENV, "1")
    limits = DemoLimits.from_env()
    assert limits is not None
    return limits


@pytest.mark.parametrize("how", list(RACES))
def test_simultaneous_launches_start_exactly_the_cap(demo, pg_url: str, tmp_path: Path, how: str) -> None:
    """Issue 15.3 across machines: processes share nothing but the database."""
    outcomes = RACES[how](pg_url, [f"{index:032x}" for index in range(5)], tmp_path)
    assert_exactly(demo.max_active_runs, outcomes, "at most 3 searches at once", pg_url)


def test_two_tabs_of_one_visitor_starting_together_get_one_run(demo, pg_url: str, tmp_path: Path) -> None:
    outcomes = race_processes(pg_url, ["a" * 32] * 3, tmp_path)
    assert_exactly(1, outcomes, "you already have 1 search running", pg_url)


def test_a_lock_held_too_long_ends_the_wait_with_a_message(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "WAIT_S", 0.2)
    with (
        storage_lock(pg_url),
        pytest.raises(StorageUnavailable, match="could not take the launch lock"),
        storage_lock(pg_url),
    ):
        pass  # a second holder while the first holds
    with storage_lock(pg_url):  # released with its transaction
        pass


def test_simultaneous_enqueues_fill_the_trial_cap_exactly(
    demo, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23.4 across machines: eight enqueues on a 39-trial run store one trial, not two."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    owner = "b" * 32
    launch(quick_spec(budget={"n_trials": 39}), "almost", pg_url, owner=owner)
    picked = json.dumps({"hidden_size": 8, "lr": 0.01, "batch_size": 16})
    outcomes = processes_together(tmp_path, [["enqueue", pg_url, "almost", owner, picked]] * 8)
    assert outcomes.count(STARTED) == 1, outcomes
    assert all("would hold 41 trials (40 stored, 1 more)" in o for o in outcomes if o != STARTED), outcomes
    assert len(load_run("almost", pg_url).study.get_trials()) == 40
