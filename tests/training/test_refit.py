"""Refit: the winner's configuration trained on training + validation rows by a worker, asked
by the spec or by refit_run, tested once, and the model predictions then use."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.code_files import QUADRATIC_OBJECTIVE, TINY_MODEL, write_code
from tests.runs_helpers import quick_spec, run_in_process
from tests.winner.winners import raw_rows
from tuning.actions import Actor, refit_run
from tuning.definition.spec import RunSpec
from tuning.errors import FieldError, RunBusy
from tuning.models.reference import CodeKind
from tuning.models.source import CodeMismatch
from tuning.storage.refit import RefitState, ask_refit, read_refit
from tuning.storage.runs import create_run, load_run
from tuning.training.objective import Objective
from tuning.training.refit import refit
from tuning.training.worker import Worker, WorkerOptions
from tuning.views.summary import summarize
from tuning.winner.folder import Source
from tuning.winner.load import load_model


def test_a_run_with_refit_ends_with_a_refit_model_that_predictions_use(storage_url: str) -> None:
    run = run_in_process(quick_spec(refit=True, budget={"n_trials": 3}, population=1), storage_url)
    summary = summarize(run)
    done = read_refit(run.attrs())
    assert done is not None and done.state is RefitState.DONE and done.best_trial == summary.best_trial
    rows = 200 - round(200 * 0.2)  # every non-test row of synthetic houses
    assert (done.rows, done.epochs) == (rows, 3) and set(done.test_metrics or {}) == {
        "mse",
        "rmse",
        "mae",
        "r2",
    }

    model = load_model(run.name, storage_url)
    assert model.source is Source.REFIT and model.card["refit"] == {"rows": rows, "epochs": 3}
    assert load_model(run.name, storage_url, "selected").source is Source.SELECTED
    objective = Objective(run.spec, None)
    _, _, report = refit(objective, {**run.spec.fixed_values(), **(summary.best_params or {})})
    predicted = model.predict(raw_rows(objective, None, objective.split.test))
    np.testing.assert_allclose(predicted["predicted_price"], report.predicted, rtol=1e-5)
    assert report.metrics == pytest.approx(done.test_metrics)


def test_refit_run_asks_a_worker_to_refit_an_ended_run(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url)
    assert read_refit(run.attrs()) is None
    started: list[str] = []

    def spawn(name: str, url: str, count: int, first_index: int = 0) -> list[int]:
        started.append(name)
        Worker(name, url, WorkerOptions(index=first_index)).work()  # the worker, in this process
        return [0]

    monkeypatch.setattr("tuning.launcher.spawn_workers", spawn)
    asked = refit_run(run.name, actor_for(storage_url))
    assert asked.state is RefitState.REQUESTED and started == [run.name]
    assert read_refit(load_run(run.name, storage_url).attrs()).state is RefitState.DONE  # type: ignore[union-attr]
    assert summarize(load_run(run.name, storage_url)).state == "finished"  # the result stands


def actor_for(storage_url: str) -> Actor:
    return Actor(storage_url)


def test_a_refit_is_refused_before_a_winner_and_while_one_is_pending(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    create_run(quick_spec(), "new", storage_url)
    with pytest.raises(RunBusy, match=re.escape("run new is starting; refit its winner once it has ended")):
        refit_run("new", actor_for(storage_url))
    with pytest.raises(RunBusy, match=re.escape("run new has no winner to refit yet")):
        ask_refit(load_run("new", storage_url))
    run = run_in_process(quick_spec(budget={"n_trials": 1}), storage_url, "ended")
    refit_run("ended", actor_for(storage_url))  # no worker takes it (spawning is replaced)
    with pytest.raises(RunBusy, match=re.escape("a refit of run ended's winner is already requested")):
        refit_run(run.name, actor_for(storage_url))


def test_a_model_files_winner_is_refit_by_its_own_loop(code_root: Path, storage_url: str) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    raw = {"dataset": {"name": "synthetic-houses", "rows": 60}, "budget": {"n_trials": 1}, "refit": True}
    run = run_in_process(RunSpec.for_code(CodeKind.MODEL, "tiny.py", raw), storage_url)
    done = read_refit(run.attrs())
    assert done is not None and done.state is RefitState.DONE and (done.rows, done.epochs) == (48, 2)
    model = load_model(run.name, storage_url)
    assert model.source is Source.REFIT and model.network["kind"] == "module"
    assert model.card["test_metrics"] == pytest.approx(done.test_metrics)


def test_an_objectives_run_has_no_model_to_refit(code_root: Path, storage_url: str) -> None:
    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    raw = {"objective": "quadratic.py:objective", "strategy": "random", "budget": {"n_trials": 1}}
    run = run_in_process(RunSpec.from_dict(raw), storage_url)
    with pytest.raises(FieldError, match="tunes an Optuna objective: Sweetspot keeps no model of it"):
        ask_refit(run)


def test_a_refit_whose_worker_refuses_to_join_fails_with_the_reason(
    code_root: Path, storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model file moved after the run: the refit's worker cannot find it. The refit used to
    stay "requested" for ever, and a new one was refused as pending (found in a QA pass)."""
    path = write_code(code_root, "tiny.py", TINY_MODEL)
    raw = {"dataset": {"name": "synthetic-houses", "rows": 60}, "budget": {"n_trials": 1}}
    run = run_in_process(RunSpec.for_code(CodeKind.MODEL, "tiny.py", raw), storage_url)
    path.unlink()
    refusals: list[str] = []

    def spawn(name: str, url: str, count: int, first_index: int = 0) -> list[int]:
        with pytest.raises(CodeMismatch) as refusal:
            Worker(name, url, WorkerOptions(index=first_index))  # the worker, in this process
        refusals.append(str(refusal.value))
        return [0]

    monkeypatch.setattr("tuning.launcher.spawn_workers", spawn)
    refit_run(run.name, actor_for(storage_url))
    failed = read_refit(load_run(run.name, storage_url).attrs())
    assert failed is not None and failed.state is RefitState.FAILED
    assert failed.error == f"CodeMismatch: {refusals[0]}" and "no file 'tiny.py'" in failed.error
    write_code(code_root, "tiny.py", TINY_MODEL)  # put back, it can be asked for again
    monkeypatch.undo()
    refit_run(run.name, actor_for(storage_url))
