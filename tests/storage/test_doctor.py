"""``python -m tuning doctor``: checks a storage, repairs a damaged journal (backup first)."""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.fake_runs import make_run
from tests.storage.journal_files import (
    UNAPPLICABLE,
    complete_trials,
    glued_journal,
    stock_reader,
    with_line_in_the_middle,
)
from tests.worker_processes import WorkerProcesses, eventually, live_spec
from tuning.cli import EXIT_BAD_INPUT, EXIT_STORAGE, main
from tuning.errors import StorageUnavailable
from tuning.storage import record
from tuning.storage.liveness import HOST, WorkerRecord, worker_records
from tuning.storage.runs import create_run, load_run
from tuning.storage.urls import open_storage
from tuning.views.summary import summarize


def doctor(capsys: pytest.CaptureFixture[str], path: Path | str, *args: str) -> tuple[int, str]:
    code = main(["doctor", "--storage", f"journal://{path}" if isinstance(path, Path) else path, *args])
    out, err = capsys.readouterr()
    return code, out + err


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*.bak"))


def test_a_healthy_journal_is_left_alone(finished_journal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = finished_journal.read_bytes()
    for args in ((), ("--repair",)):
        code, out = doctor(capsys, finished_journal, *args)
        assert code == 0, out
        assert "healthy" in out and "reads 1 study with 4 complete trials" in out
    assert finished_journal.read_bytes() == before and backups(finished_journal) == []


def test_a_torn_tail_is_reported_then_cut_after_a_backup(
    finished_journal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = finished_journal.read_bytes()
    path = tmp_path / "torn.journal"
    path.write_bytes(data[:-7])
    boundary = data.rindex(b"\n", 0, len(data) - 1) + 1

    code, out = doctor(capsys, path)
    assert code == EXIT_STORAGE
    assert f"incomplete last record at byte {boundary} ({len(data) - 7 - boundary} bytes" in out
    assert f"repair with: python -m tuning doctor --storage journal://{path} --repair" in out
    assert path.read_bytes() == data[:-7] and backups(path) == []  # a check changes nothing

    code, out = doctor(capsys, path, "--repair")
    assert code == 0, out
    (backup,) = backups(path)
    assert backup.read_bytes() == data[:-7]
    assert path.read_bytes() == data[:boundary]
    whole = data[:boundary].count(b"\n")  # every record before the torn one (46 before runs stored baselines)
    assert f"backup of the damaged file: {backup}" in out and f"kept {whole} whole records; dropped:" in out
    assert doctor(capsys, path)[0] == 0


def test_a_fragment_in_the_middle_is_dropped_and_the_record_glued_to_it_kept(
    finished_journal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = glued_journal(finished_journal, tmp_path)
    code, out = doctor(capsys, path, "--repair")
    assert code == 0, out
    assert "fragment glued before a whole record" in out and "kept the whole record after it" in out
    assert "reads 3 studies with 4 complete trials" in out
    repaired = stock_reader(path)  # Optuna's own reader (optuna-dashboard) reads it again
    assert [s.study_name for s in repaired.get_all_studies()] == ["done", "after", "again"]
    assert complete_trials(repaired) == complete_trials(stock_reader(finished_journal))


def test_a_missing_journal_is_bad_input_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = doctor(capsys, tmp_path / "nowhere.journal")
    assert code == EXIT_BAD_INPUT
    assert f"storage: there is no journal file at {tmp_path / 'nowhere.journal'}" in out
    assert list(tmp_path.iterdir()) == []
    code, out = doctor(capsys, "journal://runs.journal")
    assert code == EXIT_BAD_INPUT and "a journal URL needs an absolute path" in out


def test_an_unreachable_database_exits_4_without_its_password(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = doctor(capsys, "postgresql+psycopg2://alice:hunter2@127.0.0.1:9/runs")
    assert code == EXIT_STORAGE
    assert "cannot reach the storage postgresql+psycopg2://alice:***@127.0.0.1:9/runs" in out
    assert "hunter2" not in out


def test_after_a_repair_open_storages_read_the_new_file_and_stale_readers_say_so(
    finished_journal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = glued_journal(finished_journal, tmp_path)
    url = f"journal://{path}"
    before = open_storage(url)
    assert len(before.get_all_studies()) == 3
    assert doctor(capsys, path, "--repair")[0] == 0
    with pytest.raises(StorageUnavailable, match="was replaced .* start this process again"):
        before.get_all_studies()
    after = open_storage(url)  # what a dashboard asks for on its next refresh
    assert after is not before and len(after.get_all_studies()) == 3


def test_a_database_is_checked_and_has_nothing_to_repair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    make_run(url, "in-sqlite", 3)
    code, out = doctor(capsys, url, "--repair")
    assert code == 0, out
    assert out.splitlines() == [f"storage {url}", "reads 1 study with 3 complete trials", "healthy"]


@pytest.mark.parametrize(
    "line",
    [*UNAPPLICABLE.values(), b'{"op_co' + UNAPPLICABLE["unknown operation"]],
    ids=[*UNAPPLICABLE.keys(), "glued after a fragment"],
)
def test_a_record_the_replay_cannot_apply_is_reported_then_removed(
    finished_journal: Path, tmp_path: Path, line: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """``doctor`` and ``doctor --repair`` used to exit 1 with ``AssertionError: Should not reach.``"""
    path, offset = with_line_in_the_middle(finished_journal, tmp_path, line)
    code, out = doctor(capsys, path)
    assert code == EXIT_STORAGE, out
    assert f"record this reader cannot apply at byte {offset} ({len(line)} bytes" in out
    assert "reads 1 study with 4 complete trials" in out and backups(path) == []

    code, out = doctor(capsys, path, "--repair")
    assert code == 0, out
    (backup,) = backups(path)
    assert backup.read_bytes().count(line) == 1 and line not in path.read_bytes()
    assert path.read_bytes() == finished_journal.read_bytes()  # nothing else lost, nothing reordered
    assert complete_trials(stock_reader(path)) == complete_trials(stock_reader(finished_journal))
    assert doctor(capsys, path)[0] == 0


def test_a_repair_waits_for_the_running_workers_naming_them(
    tmp_path: Path, workers: WorkerProcesses, capsys: pytest.CaptureFixture[str]
) -> None:
    """A repair used to replace the file under two training workers: they exited after 60 s
    and their run ended interrupted with 12 trials still queued."""
    path = tmp_path / "runs.journal"
    url = f"journal://{path}"
    run = create_run(live_spec(n_trials=3, epochs=400), "busy", url)
    with path.open("ab") as journal:
        journal.write(b"not json\n")  # damage that older versions left
    worker = workers.start(run.name, url)
    eventually(lambda: summarize(load_run(run.name, url)).n_running, 60, "the worker to train")
    before = path.read_bytes()

    code, out = doctor(capsys, path, "--repair")
    assert code == EXIT_BAD_INPUT, out
    (alive,) = worker_records(load_run(run.name, url).attrs()).values()
    assert f"worker {alive.id} of run busy (PID {worker.pid} on {HOST}" in out and "--force" in out
    assert path.read_bytes().startswith(before) and backups(path) == []  # untouched: the worker appends

    assert worker.wait() == 0, worker.log()
    assert summarize(load_run(run.name, url)).state == "finished"
    code, out = doctor(capsys, path, "--repair")  # its worker has exited: nothing stops the repair
    assert code == 0 and "malformed record" in out, out


def test_force_repairs_despite_a_worker_that_looks_alive(
    finished_journal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = with_line_in_the_middle(finished_journal, tmp_path, b"not json\n")
    run = load_run("done", f"journal://{path}")
    alive = WorkerRecord("w-1", HOST, os.getpid(), time.time(), time.time())  # this process: alive
    run.study.set_user_attr(record.WORKER_RECORD.member(alive.id), asdict(alive))
    assert doctor(capsys, path, "--repair")[0] == EXIT_BAD_INPUT and backups(path) == []
    code, out = doctor(capsys, path, "--repair", "--force")
    assert code == 0, out
    assert len(backups(path)) == 1 and b"not json" not in path.read_bytes()
