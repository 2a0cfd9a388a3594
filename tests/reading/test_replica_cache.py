"""The replica's cache: a restarted server reads only what is new, and never a stale trial.

Each test saves the cache, changes the journal underneath it as people and machines do
(a run extended, a record appended by another machine, a file repaired or rewritten), then
opens the file as a freshly started server would, and compares everything the Monitor
shows with a fresh Optuna replay of the same file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from optuna.trial import TrialState

from tests.fake_runs import make_run
from tuning import Extension, load_run, summarize
from tuning.reading import replica_cache
from tuning.reading.records import TrialTable
from tuning.reading.rows import FinishedRows
from tuning.storage.doctor import checkup
from tuning.storage.journal import open_journal
from tuning.storage.lifecycle import extend, plan_extension
from tuning.storage.replica import JournalReplica
from tuning.views.chart_data import table_frame, trials_frame
from tuning.views.table_summary import summarize_table


@pytest.fixture
def journal(storage_url: str) -> Path:
    """A live run of 40 trials (two running) with its cache saved."""
    make_run(storage_url, "run", 40, n_running=2, n_failed=2, n_pruned=3, finished=False)
    path = Path(storage_url.removeprefix("journal://"))
    saved = JournalReplica(str(path), FinishedRows)
    saved.refresh()
    replica_cache.save(saved)
    return path


def restarted(path: Path) -> tuple[JournalReplica, bool]:
    """The replica a freshly started server builds: from the cache when it still holds."""
    replica = JournalReplica(str(path), FinishedRows)
    restored = replica_cache.restore(replica)
    replica.refresh()
    return replica, restored


def assert_shows_what_the_journal_holds(replica: JournalReplica, name: str = "run") -> None:
    """Summary, trials frame, curves and attributes equal those of a fresh Optuna replay."""
    study = replica.study(name)
    assert study is not None
    rows: FinishedRows = study.finished  # type: ignore[assignment]
    table = TrialTable(rows.frame(), tuple(sorted(study.live.values(), key=lambda t: t.number)), rows.curves)
    run = load_run(name, f"journal://{replica.path}")
    fresh = optuna_trials(replica.path, name)
    assert study.user_attrs == run.attrs()
    pd.testing.assert_frame_equal(table_frame(table), trials_frame(fresh))
    read = dataclasses.replace(run, read_attrs=lambda: study.user_attrs)
    assert summarize_table(read, table, study.user_attrs) == summarize(run, fresh)
    numbers = [t.number for t in fresh if t.state.is_finished()]
    assert table.curves(numbers) == TrialTable.of(fresh).curves(numbers)


def optuna_trials(path: str, name: str) -> list:  # type: ignore[type-arg]
    storage = open_journal(path)  # a new replay of the whole file
    return storage.get_all_trials(storage.get_study_id_from_name(name), deepcopy=False)


def test_a_restart_reads_only_what_was_appended_since_the_save(journal: Path) -> None:
    saved_at = journal.stat().st_size
    run = load_run("run", f"journal://{journal}")
    running = run.study.get_trials(states=(TrialState.RUNNING,))[0]
    run.study.tell(running.number, 1.0)  # the cache has it running: it must not show so
    replica, restored = restarted(journal)
    assert restored and replica.position.offset == journal.stat().st_size > saved_at
    assert_shows_what_the_journal_holds(replica)
    assert replica.study("run").live.keys() != {running._trial_id}  # type: ignore[union-attr]


def test_a_run_extended_after_the_save_shows_its_new_budget_and_tickets(journal: Path) -> None:
    run = load_run("run", f"journal://{journal}")
    for trial in run.study.get_trials(states=(TrialState.RUNNING,)):
        run.study.tell(trial.number, state=TrialState.FAIL)
    extended = extend(run, plan_extension(run, Extension(trials=5)))
    replica, restored = restarted(journal)
    assert restored
    assert_shows_what_the_journal_holds(replica)
    queued = summarize(extended).n_waiting  # the rest of its longer budget, made as workers go
    assert queued == len(replica.study("run").live) > 0  # type: ignore[union-attr]


def test_a_record_appended_by_another_machine_is_read(journal: Path) -> None:
    other = open_journal(str(journal))  # another writer of the same file: its own worker id
    make_run(f"journal://{journal}", "theirs", 3)  # and a run of its own
    study_id = other.get_study_id_from_name("run")
    waiting = other.create_new_trial(study_id)
    other.set_trial_user_attr(waiting, "curve", [9.0, 8.0])
    other.set_trial_state_values(waiting, TrialState.COMPLETE, [8.0])
    replica, restored = restarted(journal)
    assert restored
    assert_shows_what_the_journal_holds(replica)
    assert_shows_what_the_journal_holds(replica, "theirs")


def test_a_repaired_journal_is_read_afresh(journal: Path) -> None:
    with open(journal, "r+b") as file:  # a malformed line in the middle, as an older version left
        lines = file.read().splitlines(keepends=True)
        file.seek(0)
        file.write(b"".join(lines[:10] + [b'{"op_code": 4, "stu\n'] + lines[10:]))
    checkup(f"journal://{journal}", repair=True)  # a new file without it
    replica, restored = restarted(journal)
    assert not restored
    assert_shows_what_the_journal_holds(replica)


def test_a_journal_rewritten_in_place_is_read_afresh(journal: Path) -> None:
    content = journal.read_bytes()
    changed = content.replace(b"fake-worker", b"fake-w0rker", 1)
    assert changed != content and len(changed) == len(content)
    with open(journal, "r+b") as file:  # same file, same length: only its bytes tell
        file.write(changed)
    replica, restored = restarted(journal)
    assert not restored
    assert_shows_what_the_journal_holds(replica)


def test_a_cache_from_other_code_or_damaged_is_ignored(
    journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replica_cache, "fingerprint", lambda: "another version")
    assert not restarted(journal)[1]
    monkeypatch.undo()
    cache = replica_cache.cache_path(str(journal))
    cache.write_bytes(cache.read_bytes()[:-100])
    replica, restored = restarted(journal)
    assert not restored
    assert_shows_what_the_journal_holds(replica)


def test_a_journal_that_cannot_be_cached_is_still_read(journal: Path) -> None:
    cache = replica_cache.cache_path(str(journal))
    cache.unlink()
    cache.mkdir()  # nothing can be written there (nor read)
    replica, restored = restarted(journal)
    replica_cache.save(replica)  # no cache, and no error
    assert not restored and cache.is_dir() and list(journal.parent.glob("*.tmp")) == []
    assert_shows_what_the_journal_holds(replica)


def test_saved_rows_read_back_as_they_were(journal: Path) -> None:
    replica, _ = restarted(journal)
    rows: FinishedRows = replica.study("run").finished  # type: ignore[union-attr,assignment]
    again = FinishedRows.from_arrow(rows.to_arrow())
    pd.testing.assert_frame_equal(again.frame(), rows.frame())
    numbers = rows.frame()["number"].tolist()
    assert again.curves(numbers) == rows.curves(numbers)
