"""The end of a run: the winner's one test evaluation, its weights, and failed runs."""

from __future__ import annotations

from optuna.trial import TrialState

from tests.runs_helpers import quick_spec, run_in_process
from tuning.storage import record
from tuning.storage.artifacts import read_weights
from tuning.storage.lifecycle import enqueue
from tuning.storage.runs import load_run
from tuning.training.worker import Worker, WorkerOptions
from tuning.views.summary import summarize
from tuning.winner.load import load_model


def test_finished_run_stores_test_loss_and_a_model_folder(storage_url: str) -> None:
    run = run_in_process(quick_spec(), storage_url)
    summary = summarize(run)
    assert summary.state == "finished" and summary.test_loss is not None and summary.test_loss > 0
    card = load_model("run", storage_url).card
    assert card["params"]["hidden_size"] == summary.best_params["hidden_size"]  # type: ignore[index]
    assert [c["name"] for c in card["columns"]] == ["size_m2", "bedrooms", "age_years", "distance_km"]
    assert card["test_metrics"]["mse"] == summary.test_loss and card["trial"] == summary.best_trial
    assert read_weights(run) is None  # no pickle-bearing weights file any more


def test_a_diverging_configuration_fails_alone_and_the_run_completes(storage_url: str) -> None:
    space = {"optimizer": "sgd", "lr": {"type": "choice", "values": [0.01, 1e8]}, "epochs": 3}
    run = run_in_process(quick_spec(strategy="grid", space=space), storage_url)
    by_lr = {t.params["lr"]: t for t in run.study.get_trials()}
    assert by_lr[1e8].state is TrialState.FAIL
    assert "validation loss became" in by_lr[1e8].user_attrs["error"]
    assert by_lr[0.01].state is TrialState.COMPLETE
    summary = summarize(run)
    assert summary.state == "finished" and summary.best_params == {"lr": 0.01}


def test_a_run_whose_every_trial_fails_ends_failed_with_the_first_error(storage_url: str) -> None:
    space = {"optimizer": "sgd", "lr": {"type": "choice", "values": [1e8, 1e9]}, "epochs": 3}
    summary = summarize(run_in_process(quick_spec(strategy="grid", space=space), storage_url))
    assert summary.state == "failed"
    assert summary.error and "validation loss became" in summary.error
    assert summary.test_loss is None


def test_a_time_only_run_makes_trials_until_its_time_is_up(storage_url: str) -> None:
    spec = quick_spec(budget={"timeout_s": 4})
    assert spec.open_ended() and spec.n_trials_planned() is None
    summary = summarize(run_in_process(spec, storage_url))
    assert summary.state == "finished"
    assert summary.n_complete >= 3 and summary.n_waiting == 0
    assert summary.finished_at - summary.created_at < 4 + 10


def test_a_winner_that_did_not_change_keeps_its_one_test_result(storage_url: str) -> None:
    """Extended, a run ended again with the same winner and tested it again, retrained alone
    this time: its test loss moved (0.43688, then 0.43672) though nothing about it had."""
    run = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url)  # one population of two
    first = run.attrs()[record.RESULT.key]
    weights = read_weights(run)
    enqueue(run, {"hidden_size": 4, "lr": 1e-3, "batch_size": 32})  # far worse: 3 epochs at the lowest rate
    Worker("run", storage_url, WorkerOptions(index=1)).work()
    again = load_run("run", storage_url).attrs()[record.RESULT.key]
    assert again["best_trial"] == first["best_trial"], "the hand-picked trial was meant to lose"
    kept = ("test_loss", "test_metrics", "test_picture")
    assert {k: again[k] for k in kept} == {k: first[k] for k in kept}
    assert again["finished_at"] > first["finished_at"] and read_weights(run) == weights
