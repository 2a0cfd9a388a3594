"""Detached workers: several processes share one queue on the embedded storage."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest
from optuna.trial import TrialState

from tests.filesystems import make_read_only, tmpfs
from tests.runs_helpers import quick_spec, wait_until_ended
from tuning.cli import EXIT_STORAGE, main
from tuning.definition.presets import preset_spec
from tuning.definition.spec import RunSpec
from tuning.launcher import PACKAGE_ROOT, launch, spawn_workers, worker_command
from tuning.reading.trials import list_run_names
from tuning.storage.artifacts import read_model
from tuning.storage.runs import create_run, load_run


def test_article_grid_runs_every_combination_once_with_two_workers(storage_url: str) -> None:
    spec = RunSpec.from_dict({**preset_spec("article-grid").to_dict(), "workers": 2})
    launch(spec, "grid", storage_url)
    summary = wait_until_ended("grid", storage_url)
    trials = load_run("grid", storage_url).study.get_trials()
    assert summary.state == "finished" and summary.n_complete == 24
    assert len(trials) == 24 and all(t.state is TrialState.COMPLETE for t in trials)
    combos = Counter(json.dumps(t.params, sort_keys=True) for t in trials)
    assert sorted(combos) == sorted(json.dumps(c, sort_keys=True) for c in spec.grid())
    assert set(combos.values()) == {1}
    # Both workers get some only if the second starts before the first has trained the whole
    # grid (twelve trials train in a tenth of a second): tests/training/test_worker.py holds the share.
    assert 1 <= len({t.user_attrs["worker"] for t in trials}) <= 2
    assert summary.test_loss is not None


def test_two_workers_finish_a_40_trial_run_without_losing_or_repeating(storage_url: str) -> None:
    launch(quick_spec(budget={"n_trials": 40}, workers=2), "forty", storage_url)
    summary = wait_until_ended("forty", storage_url)
    trials = load_run("forty", storage_url).study.get_trials()
    assert summary.state == "finished"
    assert (summary.n_complete, summary.n_failed, summary.n_waiting) == (40, 0, 0)
    assert sorted(t.number for t in trials) == list(range(40))
    per_worker = Counter(t.user_attrs["worker"] for t in trials)
    assert 1 <= len(per_worker) <= 2 and sum(per_worker.values()) == 40


def test_workers_get_the_storage_url_from_their_environment_not_their_command_line() -> None:
    """A password in a worker's command line is visible to every user in ``ps``."""
    url = "postgresql+psycopg2://alice:hunter2@127.0.0.1:9/runs?password=hunter2"
    (pid,) = spawn_workers("secret-run", url, 1)  # nothing listens on port 9: it keeps retrying
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    finally:
        os.kill(pid, signal.SIGKILL)
    assert not [arg for arg in argv if b"hunter2" in arg], argv
    assert argv[-6:-1] == [b"worker", b"--study", b"secret-run", b"--index", b"0"]
    assert f"TUNING_STORAGE={url}".encode() in environ


def test_a_worker_started_without_storage_option_works_on_the_launchers_storage(tmp_path: Path) -> None:
    url = f"journal://{tmp_path / 'elsewhere.journal'}"  # not the default journal of the data folder
    launch(quick_spec(budget={"n_trials": 3}), "from-env", url)
    assert wait_until_ended("from-env", url).n_complete == 3


def test_worker_command_for_another_machine_still_names_the_storage() -> None:
    url = "postgresql+psycopg2://alice@db/runs"
    assert worker_command("run", url, 2)[4:] == ["--study", "run", "--storage", url, "--index", "2"]
    assert "--storage" not in worker_command("run", index=2)


def test_an_unwritable_logs_folder_keeps_no_run_without_workers(
    storage_url: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").write_text("a file where the logs folder should be")
    code = main(["launch", "--preset", "article-grid", "--name", "ghost", "--storage", storage_url])
    error = capsys.readouterr().err
    assert code == EXIT_STORAGE, error
    assert f"cannot start the workers of ghost: File exists ({data_dir / 'logs'})" in error
    assert f"Workers log to {data_dir / 'logs'}: make it writable" in error
    assert "the run was not kept" in error
    assert list_run_names(storage_url) == []


def test_a_read_only_journal_is_a_storage_problem_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tmpfs(tmp_path / "mounted") as folder:
        check_read_only_journal(folder / "runs.journal", capsys)


def check_read_only_journal(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"journal://{path}"
    create_run(quick_spec(), "kept", url)
    make_read_only(path.parent)
    for argv in (["launch", "--preset", "article-grid", "--name", "new"], ["stop", "kept"]):
        code = main([*argv, "--storage", url])
        error = capsys.readouterr().err
        assert code == EXIT_STORAGE, error
        assert f"cannot write to the journal file {path}: Read-only file system" in error
        assert "Errno" not in error
    assert main(["ls", "--storage", url]) == 0  # reading still works
    assert capsys.readouterr().out.startswith("kept ")


def test_workers_write_where_the_launcher_reads_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default data folder is relative: workers must get the launcher's, resolved.

    Workers run from the package folder; before, they resolved ``sweetspot-data`` there and
    wrote the winner's model where the dashboard (started elsewhere) never looked.
    """
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.delenv("TUNING_DATA_DIR")
    monkeypatch.chdir(elsewhere)
    run = launch(quick_spec(budget={"n_trials": 2}), "here", None)
    assert wait_until_ended("here", None).state == "finished"
    model = elsewhere / "sweetspot-data" / "runs" / "here" / "model-selected.zip"
    assert model.is_file()
    assert read_model(run, "selected") == model.read_bytes()
    assert not (PACKAGE_ROOT / "sweetspot-data" / "runs" / "here").exists()
