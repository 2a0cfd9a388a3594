"""A run's local files: deleting the run removes its folder (its models) and its worker logs."""

from __future__ import annotations

from tests.runs_helpers import quick_spec, run_in_process
from tuning.reading.trials import list_run_names
from tuning.storage.artifacts import log_path, model_path, run_dir, run_logs
from tuning.storage.runs import delete_run


def test_deleting_a_run_removes_its_weights_and_logs_and_nothing_else(storage_url: str) -> None:
    run = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url, "gone")
    kept = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url, "gone-worker-1")
    logs = [log_path("gone", 0), log_path("gone", 1), log_path(kept.name, 0)]
    for path in logs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("worker output\n")
    assert model_path("gone", "selected").exists() and run_logs("gone") == logs[:2]

    delete_run(run)
    assert list_run_names(storage_url) == [kept.name]
    assert not run_dir("gone").exists()
    assert [path.exists() for path in logs] == [False, False, True]  # a similar name's log stays
    assert model_path(kept.name, "selected").exists()
