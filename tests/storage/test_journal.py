"""The embedded journal survives a writer that stops mid-record (a crash, a full disk).

Optuna's reader skips a torn last line, but the next append used to land after the
fragment, and the malformed line in the middle then made every run unreadable.
"""

from __future__ import annotations

import logging
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.storages.journal import JournalFileSymlinkLock
from optuna.trial import TrialState

from tests.filesystems import fill, tmpfs
from tests.runs_helpers import quick_spec
from tests.storage.journal_files import (
    UNAPPLICABLE,
    complete_trials,
    glued_journal,
    stock_reader,
    trial_counts,
    with_line_in_the_middle,
)
from tests.worker_processes import (
    WorkerProcess,
    WorkerProcesses,
    eventually,
    live_spec,
    paused_when,
    trials_of,
)
from tuning.cli import EXIT_STORAGE, main
from tuning.reading.trials import list_run_names
from tuning.storage.journal import open_journal
from tuning.storage.runs import create_run, load_run
from tuning.views.summary import summarize


def test_a_torn_last_record_at_any_byte_loses_no_run_and_no_trial(
    finished_journal: Path, tmp_path: Path
) -> None:
    data = finished_journal.read_bytes()
    last_start = data.rindex(b"\n", 0, len(data) - 1) + 1
    expected = complete_trials(stock_reader(finished_journal))
    assert len(expected) == 4
    for cut in range(last_start + 1, len(data)):
        path = tmp_path / f"cut-{cut}.journal"
        path.write_bytes(data[:cut])
        url = f"journal://{path}"
        assert list_run_names(url) == ["done"], cut
        assert summarize(load_run("done", url)).n_complete == 4, cut
        create_run(quick_spec(budget={"n_trials": 2}), "next", url)  # a new launch appends
        for reader in (open_journal(str(path)), stock_reader(path)):  # another process, and Optuna's own
            assert {s.study_name for s in reader.get_all_studies()} == {"done", "next"}, cut
            assert {k: v for k, v in complete_trials(reader).items() if k[0] == "done"} == expected, cut
        path.unlink()


def test_a_fragment_in_the_middle_is_skipped_naming_file_and_offset(
    finished_journal: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = glued_journal(finished_journal, tmp_path)
    url = f"journal://{path}"
    with caplog.at_level(logging.WARNING, logger="tuning.storage.journal"):
        names = {s.study_name for s in open_journal(str(path)).get_all_studies()}
    assert names == {"done", "after", "again"}  # the record glued after the fragment is kept
    offset = len(finished_journal.read_bytes()) - len(finished_journal.read_bytes().splitlines()[-1]) - 1
    (message,) = [r.getMessage() for r in caplog.records]
    assert str(path) in message and f"at byte {offset}" in message
    assert "kept the whole record after it" in message and "python -m tuning doctor" in message
    assert complete_trials(open_journal(str(path))) == complete_trials(stock_reader(finished_journal))
    create_run(quick_spec(budget={"n_trials": 2}), "later", url)
    assert set(list_run_names(url)) == {"done", "later"}  # the others have no run spec: not runs


#: The last one would be half applied (a trial added) before Optuna's replay looked for its worker id.
@pytest.mark.parametrize(
    "garbage",
    [
        b"not json\n",
        b"[1, 2]\n",
        b'{"op_code": "4"}\n',
        b"\xff\xfe\n",
        b'{"op_code": 4, "study_id": 0, "datetime_start": null}\n',
    ],
)
def test_a_malformed_line_is_skipped_and_the_rest_reads(
    finished_journal: Path, tmp_path: Path, garbage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path, offset = with_line_in_the_middle(finished_journal, tmp_path, garbage)
    with caplog.at_level(logging.WARNING, logger="tuning.storage.journal"):
        storage = open_journal(str(path))
        assert complete_trials(storage) == complete_trials(stock_reader(finished_journal))
        assert trial_counts(storage) == trial_counts(stock_reader(finished_journal))
    (message,) = [r.getMessage() for r in caplog.records]
    assert f"malformed record at byte {offset}" in message and str(path) in message


@pytest.mark.parametrize("line", UNAPPLICABLE.values(), ids=UNAPPLICABLE.keys())
def test_a_record_the_replay_cannot_apply_is_skipped_naming_its_offset(
    finished_journal: Path, tmp_path: Path, line: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Every reader, ``ls``, ``launch`` and ``doctor`` ended in ``AssertionError: Should not reach.``"""
    path, offset = with_line_in_the_middle(finished_journal, tmp_path, line)
    url = f"journal://{path}"
    with caplog.at_level(logging.WARNING, logger="tuning.storage.journal"):
        storage = open_journal(str(path))
        assert complete_trials(storage) == complete_trials(stock_reader(finished_journal))
        assert trial_counts(storage) == trial_counts(stock_reader(finished_journal))
    (message,) = [r.getMessage() for r in caplog.records]
    assert f"record this reader cannot apply at byte {offset}" in message and str(path) in message
    create_run(quick_spec(budget={"n_trials": 2}), "next", url)  # a launch appends and reads its own record
    assert set(list_run_names(url)) == {"done", "next"}
    assert {s.study_name for s in storage.get_all_studies()} == {"done", "next"}  # the same reader goes on
    assert main(["ls", "--storage", url]) == 0


def limit_file_size(path: Path, worker: WorkerProcess) -> Callable[[], None]:
    """From now on the worker may not write past 7 more bytes: its next record is cut short."""
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.prlimit(worker.pid, resource.RLIMIT_FSIZE, (path.stat().st_size + 7, hard))
    return lambda: None  # the limit dies with the worker


def fill_filesystem(path: Path, worker: WorkerProcess) -> Callable[[], None]:
    """Fill the journal's filesystem: the worker's records fill its last page, then stop mid-way."""
    return fill(path.parent).unlink


@pytest.mark.parametrize(
    ("fault", "restart"),
    [(limit_file_size, True), (fill_filesystem, True), (fill_filesystem, False)],
    ids=["file-size limit, restarted", "full filesystem, restarted", "full filesystem, worker carries on"],
)
def test_a_full_disk_mid_run_loses_no_complete_trial(
    fault: Callable[[Path, WorkerProcess], Callable[[], None]],
    restart: bool,
    tmp_path: Path,
    workers: WorkerProcesses,
) -> None:
    """The worker's append fails part-way through a record; then space comes back."""
    folder = tmp_path / "disk"
    with tmpfs(folder) if fault is fill_filesystem else nullcontext(folder.mkdir()):
        path = folder / "runs.journal"
        url = f"journal://{path}"
        spec = live_spec(n_trials=6, epochs=15)
        run = create_run(spec, "full", url)
        first = workers.start(run.name, url, "--reconnect-s", "30")

        def complete() -> dict[int, float | None]:
            trials = trials_of(load_run(run.name, url))
            return {t.number: t.value for t in trials if t.state is TrialState.COMPLETE}

        def two_complete() -> dict[int, float | None]:
            done = complete()
            return done if len(done) >= 2 else {}

        # The worker is stopped while the test reads the run and injects the fault: it could
        # otherwise finish every trial first, and then nothing would run out of space.
        done = paused_when(first, two_complete, 60, "two trials to complete")
        assert len(done) < spec.budget.n_trials, "the worker finished before the fault"
        free_space = fault(path, first)
        first.resume()
        eventually(lambda: "could not" in first.log(), 30, "the worker to run out of space")
        done_before = complete()
        if restart:  # the worker is stopped (or gave up); an operator frees space and starts it
            first.kill()
            free_space()
            first = workers.start(run.name, url)
        else:  # space comes back within the worker's --reconnect-s
            free_space()
        assert first.wait() == 0, first.log()
        assert summarize(load_run(run.name, url)).state == "finished"
        after = complete()
        assert len(after) == spec.budget.n_trials
        assert {n: after.get(n) for n in done_before} == done_before
        assert complete_trials(stock_reader(path)) == {("full", n): v for n, v in after.items()}


def test_commands_read_a_damaged_journal_and_name_an_unreadable_one(
    finished_journal: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ls`` used to exit 2 with a bare JSON error on a torn journal."""
    path = glued_journal(finished_journal, tmp_path)
    assert main(["ls", "--storage", f"journal://{path}"]) == 0
    assert capsys.readouterr().out.startswith("done ")
    folder = tmp_path / "folder.journal"
    folder.mkdir()
    assert main(["ls", "--storage", f"journal://{folder}"]) == EXIT_STORAGE
    error = capsys.readouterr().err
    assert f"cannot read the journal file {folder}: Is a directory" in error
    assert f"python -m tuning doctor --storage journal://{folder}" in error


def test_a_replayed_journal_parses_each_distinct_distribution_once(tmp_path: Path) -> None:
    """A 10,000-trial run's first read parsed 60,000 distribution texts; its trials now
    share one object per distinct text, equal to what was suggested."""
    path = str(tmp_path / "runs.journal")
    study = optuna.create_study(storage=open_journal(path), study_name="shared")
    for _ in range(20):
        trial = study.ask()
        study.tell(trial, trial.suggest_float("lr", 1e-4, 1e-1, log=True) + trial.suggest_int("n", 1, 3))
    trials = optuna.load_study(study_name="shared", storage=open_journal(path)).get_trials()
    first, last = trials[0].distributions, trials[-1].distributions
    assert first["lr"] is last["lr"] and first["n"] is last["n"]
    suggested = {"lr": FloatDistribution(1e-4, 1e-1, log=True), "n": IntDistribution(1, 3)}
    assert all(t.distributions == suggested for t in trials)
    assert [t.params for t in trials] == [t.params for t in study.get_trials()]


HOLD_THE_LOCK = """
import sys, time
from tuning.storage.journal import open_journal
open_journal(sys.argv[1]).backend._lock.acquire()  # the lock each append takes
print("held", flush=True)
time.sleep(600)
"""


def test_a_writer_killed_holding_the_lock_holds_up_no_other_writer(tmp_path: Path) -> None:
    """A worker killed mid-append left Optuna's lock behind, and every other writer waited
    Optuna's 30 s grace period (seen under load: a killed worker's trial was not reaped)."""
    path = tmp_path / "runs.journal"
    storage = open_journal(str(path))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(path)], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    holder.kill()
    holder.wait()
    assert Path(f"{path}.lock").is_symlink()  # left behind, as Optuna's lock is

    wrote = threading.Thread(target=lambda: optuna.create_study(study_name="after", storage=storage))
    wrote.start()
    wrote.join(timeout=15)  # Optuna's grace period is 30 s
    assert not wrote.is_alive(), "the write waited for the dead writer's lock"
    assert optuna.get_all_study_names(open_journal(str(path))) == ["after"]


def test_a_live_optuna_program_holding_the_lock_is_waited_for(tmp_path: Path) -> None:
    """A lock Sweetspot did not take (another Optuna program's) is waited for, not broken."""
    path = tmp_path / "runs.journal"
    storage = open_journal(str(path))
    foreign = JournalFileSymlinkLock(str(path))
    foreign.acquire()
    wrote = threading.Thread(target=lambda: optuna.create_study(study_name="after", storage=storage))
    wrote.start()
    wrote.join(timeout=1)
    assert wrote.is_alive() and Path(f"{path}.lock").is_symlink()  # still waiting: the lock stands
    foreign.release()
    wrote.join(timeout=30)
    assert not wrote.is_alive()
    assert optuna.get_all_study_names(open_journal(str(path))) == ["after"]
