"""PostgreSQL read as the dashboard reads it: Optuna's answers, fetching only what changed."""

from __future__ import annotations

import optuna
import pandas as pd
import pytest
import sqlalchemy
from optuna.trial import FrozenTrial, TrialState, create_trial

from bench.pg_runs import make_pg_run
from tests.fake_runs import make_run
from tuning import delete_run, load_run, summarize
from tuning.reading import rdb_cache, rdb_reader
from tuning.reading import trials as reading
from tuning.reading.records import TrialTable
from tuning.reading.trials import read_run
from tuning.storage import record
from tuning.views.chart_data import table_frame, trials_frame
from tuning.views.table_summary import summarize_table


def assert_reads_as_optuna(url: str, name: str = "run") -> TrialTable:
    got = read_run(name, url)
    run = load_run(name, url)
    trials = run.study.get_trials(deepcopy=False)
    pd.testing.assert_frame_equal(table_frame(got.table), trials_frame(trials))
    assert [t for t in trials if not t.state.is_finished()] == list(got.table.live)
    assert summarize_table(got.run, got.table, got.attrs) == summarize(run, trials)
    numbers = [t.number for t in trials if t.state.is_finished()]
    assert got.table.curves(numbers) == TrialTable.of(trials).curves(numbers)
    return got.table


def test_a_run_is_read_whole_once_then_only_its_new_and_unfinished_trials(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = make_run(pg_url, "run", 12, n_running=2, n_failed=1, n_pruned=2, finished=False)
    study.enqueue_trial({"lr": 0.01})
    study.add_trial(create_trial(value=5.0, intermediate_values={1: 7.0, 2: 5.0}, system_attrs={"s": [1]}))
    built: list[int] = []
    build = rdb_reader._trial
    monkeypatch.setattr(
        rdb_reader, "_trial", lambda head, *parts: built.append(head.number) or build(head, *parts)
    )
    assert_reads_as_optuna(pg_url)
    assert len(built) == 19  # every trial, once
    built.clear()
    running = study.get_trials(states=(TrialState.RUNNING,))
    study.tell(running[0].number, 1.0)
    study.add_trial(create_trial(value=2.0))
    assert_reads_as_optuna(pg_url)
    unfinished = {t.number for t in running} | {
        t.number for t in study.get_trials(states=(TrialState.WAITING,))
    }
    assert sorted(built) == sorted(unfinished | {19})  # the unfinished ones again, and the new one
    built.clear()
    assert_reads_as_optuna(pg_url)
    assert sorted(built) == sorted(unfinished - {running[0].number})  # nothing new: the live ones only


def test_a_run_created_again_under_its_name_is_read_afresh(pg_url: str) -> None:
    make_run(pg_url, "again", 4)
    assert len(assert_reads_as_optuna(pg_url, "again").finished) == 4
    delete_run(load_run("again", pg_url))
    make_run(pg_url, "again", 2, seed=1)
    assert len(assert_reads_as_optuna(pg_url, "again").finished) == 2


def test_a_run_copied_in_bulk_reads_back_as_optuna_stores_it(pg_url: str) -> None:
    """bench/pg_runs.py writes Optuna's tables directly: Optuna must read what it would have stored."""
    make_pg_run(pg_url, "bulk", (6, 1, 2, 1))
    make_run(pg_url, "stored", 6, n_failed=1, n_pruned=2, n_running=1, finished=False)
    bulk, stored = (load_run(name, pg_url).study.get_trials() for name in ("bulk", "stored"))

    def comparable(trial: FrozenTrial) -> dict:  # type: ignore[type-arg]
        """All but its id and its times, which each run takes from its own creation."""
        kept = {
            k: v
            for k, v in vars(trial).items()
            if k not in ("_trial_id", "_datetime_start", "datetime_complete")
        }
        end = trial.datetime_complete
        return {**kept, "took": end - trial.datetime_start if end and trial.datetime_start else None}

    assert [comparable(t) for t in bulk] == [comparable(t) for t in stored]


def _read_and_save(pg_url: str, study: optuna.Study) -> None:
    """Read run "run" as a page does, then save its rows as a server saves them."""
    read_run("run", pg_url)
    (key,) = [k for k in reading._rdb if k[0] == pg_url]
    study_key = {"name": "run", "created_at": study.user_attrs[record.CREATED_AT.key]}
    rdb_cache.save(reading._rdb[key], pg_url, key[1], study_key)


def test_a_restarted_server_reads_the_saved_rows_and_only_what_changed_since(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = make_run(pg_url, "run", 12, n_running=2, finished=False)
    _read_and_save(pg_url, study)
    running = study.get_trials(states=(TrialState.RUNNING,))
    study.tell(running[0].number, 1.0)  # saved as running: must not show so
    study.add_trial(create_trial(value=2.0))
    reading._rdb.clear()  # a freshly started server
    built: list[int] = []
    build = rdb_reader._trial
    monkeypatch.setattr(
        rdb_reader, "_trial", lambda head, *parts: built.append(head.number) or build(head, *parts)
    )
    assert_reads_as_optuna(pg_url)
    assert sorted(built) == sorted([t.number for t in running] + [14])  # the saved rows were not fetched


def test_a_saved_cache_that_no_longer_matches_the_database_is_not_used(pg_url: str) -> None:
    study = make_run(pg_url, "run", 6)
    _read_and_save(pg_url, study)
    engine = load_run("run", pg_url).storage.engine  # type: ignore[attr-defined]
    gone = study.trials[5]._trial_id
    with engine.begin() as connection:  # the database restored from a backup that lacks a trial
        for table in ("trial_user_attributes", "trial_params", "trial_values", "trials"):
            connection.execute(sqlalchemy.text(f"DELETE FROM {table} WHERE trial_id = :t"), {"t": gone})
    reading._rdb.clear()
    assert len(assert_reads_as_optuna(pg_url).finished) == 5
