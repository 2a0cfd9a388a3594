"""The embedded journal survives a writer that stops mid-record (a crash, a full disk).

Optuna's reader skips a torn last line, but the next append used to land after the
fragment, and the malformed line in the middle then made every run unreadable.
"""

from __future__ import annotations

import logging
import resource
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from tests.runs_helpers import quick_spec, run_in_process
from tests.worker_processes import WorkerProcesses, eventually, live_spec, trials_of
from tuning.storage.journal import open_journal
from tuning.storage.runs import create_run, list_run_names, load_run
from tuning.views.summary import summarize


def complete_trials(storage: optuna.storages.BaseStorage) -> dict[tuple[str, int], float | None]:
    """Every complete trial of every run: ``(run, number) -> value``."""
    return {
        (study.study_name, trial.number): trial.value
        for study in storage.get_all_studies()
        for trial in storage.get_all_trials(
            storage.get_study_id_from_name(study.study_name), states=(TrialState.COMPLETE,)
        )
    }


def stock_reader(path: Path) -> optuna.storages.JournalStorage:
    """Optuna's own reader (as optuna-dashboard uses it): it must still read our files."""
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


@pytest.fixture(scope="module")
def finished_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The journal of a real run of 4 trials, finished by a worker, weights and all."""
    folder = tmp_path_factory.mktemp("finished")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUNING_DATA_DIR", str(folder))
        run_in_process(quick_spec(budget={"n_trials": 4}), f"journal://{folder / 'runs.journal'}", "done")
    yield folder / "runs.journal"


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


def glued_journal(finished_journal: Path, folder: Path) -> Path:
    """A journal as Optuna's writer leaves it after a torn record: the fault, reproduced.

    The next record lands on the fragment's line; Optuna's reader cannot read it back, and
    once anything follows, it cannot read the file at all.
    """
    path = folder / "glued.journal"
    path.write_bytes(finished_journal.read_bytes()[:-7])
    with pytest.raises(AssertionError, match="Should not reach"):
        optuna.create_study(study_name="after", storage=stock_reader(path))
    with pytest.raises(ValueError):  # JSONDecodeError: what every page and command used to show
        optuna.create_study(study_name="again", storage=stock_reader(path))
    return path


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


@pytest.mark.parametrize("garbage", [b"not json\n", b"[1, 2]\n", b'{"op_code": "4"}\n', b"\xff\xfe\n"])
def test_a_malformed_line_is_skipped_and_the_rest_reads(
    finished_journal: Path, tmp_path: Path, garbage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    lines = finished_journal.read_bytes().splitlines(keepends=True)
    path = tmp_path / "garbage.journal"
    path.write_bytes(b"".join([*lines[:5], garbage, *lines[5:]]))
    with caplog.at_level(logging.WARNING, logger="tuning.storage.journal"):
        storage = open_journal(str(path))
        assert complete_trials(storage) == complete_trials(stock_reader(finished_journal))
    (message,) = [r.getMessage() for r in caplog.records]
    assert f"malformed record at byte {len(b''.join(lines[:5]))}" in message and str(path) in message


def test_a_file_size_limit_mid_run_then_a_restarted_worker_loses_no_complete_trial(
    storage_url: str, workers: WorkerProcesses
) -> None:
    """A full disk, as a file-size limit: the worker's append fails part-way through a record."""
    path = Path(storage_url[len("journal://") :])
    spec = live_spec(n_trials=6, epochs=40)
    run = create_run(spec, "full", storage_url)
    first = workers.start(run.name, storage_url, "--reconnect-s", "30")

    def complete() -> dict[int, float | None]:
        return {
            t.number: t.value
            for t in trials_of(load_run(run.name, storage_url))
            if t.state is TrialState.COMPLETE
        }

    eventually(lambda: len(complete()) >= 2, 60, "two trials to complete")
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.prlimit(first.pid, resource.RLIMIT_FSIZE, (path.stat().st_size + 7, hard))
    eventually(lambda: "could not" in first.log(), 30, "the worker to hit the limit")
    done_before = complete()
    first.kill()  # it would retry for 30 s; an operator frees space and restarts it
    second = workers.start(run.name, storage_url)
    assert second.wait() == 0, second.log()
    assert summarize(load_run(run.name, storage_url)).state == "finished"
    after = complete()
    assert len(after) == spec.budget.n_trials
    assert {n: after.get(n) for n in done_before} == done_before
    assert complete_trials(stock_reader(path)) == {("full", n): v for n, v in after.items()}
