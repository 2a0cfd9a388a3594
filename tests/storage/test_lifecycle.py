"""Extend, reopen and hand-picked tickets in the storage (tuning/storage/lifecycle.py)."""

from __future__ import annotations

import pytest
from optuna.trial import TrialState

from tests.fake_runs import make_run
from tests.runs_helpers import QUICK_SPACE, quick_spec, run_in_process
from tuning.errors import SpecError
from tuning.storage import record, runs
from tuning.storage.lifecycle import (
    Extension,
    NothingToAdd,
    TrialOrigin,
    check_configuration,
    claim_order,
    enqueue,
    extend,
    plan_extension,
    trial_origin,
    untried_combinations,
)
from tuning.storage.runs import create_run, load_run, request_stop
from tuning.training import worker as worker_module
from tuning.training.worker import Worker, WorkerOptions
from tuning.views.summary import run_summaries, summarize

PICKED = {"hidden_size": 9, "lr": 0.01, "batch_size": 32}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "trials: give a number of trials and/or minutes to add"),
        ({"trials": 0}, "trials: must be from 1 to 100,000, got 0"),
        ({"minutes": -1}, "minutes: must be a number of minutes > 0, got -1"),
        ({"minutes": float("nan")}, "minutes: must be a number of minutes > 0, got nan"),
        ({"trials": 2, "workers": 0}, "workers: must be from 1 to 64, got 0"),
    ],
)
def test_an_extension_names_what_is_wrong(kwargs: dict, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        Extension(**kwargs)


def test_extension_budgets(storage_url: str) -> None:
    run = run_in_process(quick_spec(budget={"n_trials": 3, "timeout_s": 600}), storage_url)
    created = run.attrs()[record.CREATED_AT.key]
    now = created + 100
    trials = plan_extension(run, Extension(trials=4), now)
    assert trials.spec.budget.to_dict() == {"n_trials": 7} and trials.budget_from == 3  # tickets 3 to 6
    both = plan_extension(run, Extension(trials=4, minutes=2, workers=3), now)
    assert both.spec.budget.to_dict() == {"n_trials": 7, "timeout_s": 220} and both.spec.workers == 3
    timed = plan_extension(run, Extension(minutes=2), now)
    assert timed.spec.budget.to_dict() == {"timeout_s": 220} and timed.spec.open_ended() and not timed.tickets
    assert trials.reason == "extended +4 trials" and both.reason == "extended +4 trials, +2 min"


def test_a_longer_budget_continues_the_ticket_blocks(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "TICKET_BLOCK", 2)
    run = create_run(quick_spec(budget={"n_trials": 3}), "run", storage_url)
    request_stop(run)  # stopped with its first block queued: that block's first ticket makes the next
    assert plan_extension(run, Extension(trials=2)).budget_from is None
    runs.add_budget_tickets(run.study, run.spec, 2)  # the whole budget made, and run
    for trial in run.study.get_trials(states=(TrialState.WAITING,)):
        trial_id = run.storage.get_trial_id_from_study_id_trial_number(run.study_id, trial.number)
        run.storage.set_trial_state_values(trial_id, TrialState.RUNNING)
        run.storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    plan = plan_extension(run, Extension(trials=2))
    assert (plan.budget_from, plan.spec.budget.n_trials) == (3, 5)
    extend(run, plan)
    waiting = run.study.get_trials(states=(TrialState.WAITING,))
    assert [runs.ticket_index(t) for t in waiting] == [3, 4] and summarize(run).n_waiting == 2


def test_a_stopped_grid_resumes_its_queued_combinations(storage_url: str) -> None:
    space = {"hidden_size": {"type": "choice", "values": [4, 8, 16]}, "lr": 0.01, "epochs": 2}
    run = create_run(quick_spec(strategy="grid", space=space, budget={}), "grid", storage_url)
    request_stop(run)
    Worker("grid", storage_url, WorkerOptions()).work()  # stopped before any trial
    assert summarize(run).state == "stopped" and summarize(run).n_waiting == 3
    plan = plan_extension(run, Extension(trials=1))
    assert plan.tickets == []  # all three are still queued: withdrawing the stop resumes them
    extend(run, plan)
    Worker("grid", storage_url, WorkerOptions(index=1)).work()
    assert sorted(t.params["hidden_size"] for t in run.study.get_trials()) == [4, 8, 16]
    assert summarize(run).state == "finished"


def test_extend_reopens_a_run_and_keeps_its_result(storage_url: str) -> None:
    run = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url)
    run_summaries(storage_url)  # caches the ended run's summary
    result = run.attrs()[record.RESULT.key]
    run = extend(run, plan_extension(run, Extension(trials=2)))
    summary = summarize(run)
    assert summary.state == "starting" and summary.n_waiting == 2 and summary.test_loss is None
    (past,) = summary.history
    assert (past["test_loss"], past["best_trial"], past["state"]) == (
        result["test_loss"], result["best_trial"], "finished",
    )  # fmt: skip
    assert [s.state for s in run_summaries(storage_url)] == ["starting"]  # not the cached "finished"
    Worker("run", storage_url, WorkerOptions(index=1)).work()
    summary = summarize(load_run("run", storage_url))
    assert summary.state == "finished" and summary.n_complete == 4 and summary.test_loss is not None


def test_hand_picked_tickets_come_first_and_run_after_a_stop(storage_url: str) -> None:
    run = create_run(quick_spec(budget={"n_trials": 3}), "run", storage_url)
    number = enqueue(run, PICKED)
    waiting = run.study.get_trials(states=(TrialState.WAITING,))
    assert [t.number for t in claim_order(waiting, False)] == [number, 0, 1, 2]
    assert [t.number for t in claim_order(waiting, True)] == [number]
    request_stop(run)
    Worker("run", storage_url, WorkerOptions()).work()
    trials = run.study.get_trials()
    assert [(t.number, t.state) for t in trials if t.state.is_finished()] == [(number, TrialState.COMPLETE)]
    assert trial_origin(trials[number]) is TrialOrigin.HAND_PICKED and trials[number].params == PICKED
    assert summarize(run).state == "stopped" and summarize(run).n_hand_picked == 1


def test_enqueue_into_an_ended_run_reopens_it(storage_url: str) -> None:
    run = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url)
    enqueue(run, {**PICKED, "lr": 0.02})
    summary = summarize(run)
    assert summary.test_loss is None and summary.history[0]["reason"].startswith("hand-picked configuration")
    Worker("run", storage_url, WorkerOptions(index=1)).work()
    assert summarize(run).state == "finished" and summarize(run).n_complete == 3


def test_configurations_are_checked_against_the_space() -> None:
    spec = quick_spec(
        space={**QUICK_SPACE, "dropout": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.1}}
    )
    picked = {**PICKED, "dropout": 0.3, "epochs": 3}
    assert check_configuration(spec, picked) == {**PICKED, "dropout": 0.3}
    assert check_configuration(spec, {**picked, "hidden_size": 9.0})["hidden_size"] == 9
    with pytest.raises(SpecError) as refused:
        check_configuration(spec, {**picked, "dropout": 0.25, "optimizer": "sgd", "lr": True})
    assert refused.value.by_field() == {
        "params.dropout": "must be 0 plus a multiple of 0.1, got 0.25",
        "params.lr": "must be a number, got True (bool)",
        "params.optimizer": "this run does not search it; it searches batch_size, dropout, hidden_size, lr",
    }
    with pytest.raises(SpecError, match="params: must be a JSON object"):
        check_configuration(spec, [1, 2])


def test_an_untried_grid_point_is_queued_and_a_full_grid_refused(storage_url: str) -> None:
    space = {"hidden_size": {"type": "choice", "values": [4, 8]}, "lr": 0.01, "epochs": 2}
    run = run_in_process(quick_spec(strategy="grid", space=space, budget={}), storage_url)
    with pytest.raises(NothingToAdd, match="grid run run has tried all 2 of its combinations"):
        plan_extension(run, Extension(trials=1))
    wider_space = {**space, "hidden_size": {"type": "choice", "values": [4, 8, 16]}}
    wider = quick_spec(strategy="grid", space=wider_space, budget={})
    assert untried_combinations(wider, run.study.get_trials()) == [{"hidden_size": 16}]


def test_a_configuration_queued_while_the_run_ends_still_runs(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last worker evaluates the winner for a moment after the queue empties; a
    configuration queued then must not wait forever in an ended run."""
    run = create_run(quick_spec(budget={"n_trials": 2}), "run", storage_url)
    real_finalize = worker_module.finalize
    late: list[int] = []

    def finalize_while_someone_enqueues(*args: object) -> object:
        if not late:
            late.append(enqueue(run, PICKED))  # the run has no result yet: nothing reopens it
        return real_finalize(*args)

    monkeypatch.setattr(worker_module, "finalize", finalize_while_someone_enqueues)
    Worker("run", storage_url, WorkerOptions()).work()
    trials = run.study.get_trials()
    assert trials[late[0]].state is TrialState.COMPLETE and trials[late[0]].params == PICKED
    summary = summarize(run)
    assert summary.state == "finished" and summary.n_complete == 3
    assert [past["reason"] for past in summary.history] == ["a hand-picked configuration arrived as it ended"]


def test_an_extended_trade_off_run_keeps_its_objectives_and_bounds(storage_url: str) -> None:
    spec = quick_spec(objectives=["mse", "params"], constraints={"max_params": 120}, budget={"n_trials": 3})
    run = run_in_process(spec, storage_url)
    plan = plan_extension(run, Extension(trials=2))
    assert (plan.spec.objectives, plan.spec.constraints) == (spec.objectives, spec.constraints)
    extend(run, plan)
    Worker("run", storage_url, WorkerOptions()).work()
    run = load_run("run", storage_url)
    complete = run.study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == 5 and all(len(t.values) == 2 and "max_params" in t.constraints for t in complete)
    summary = summarize(run)
    assert summary.test_loss is not None and len(summary.history) == 1 and summary.pareto


def test_an_extension_says_what_of_the_budget_resumes_with_it(storage_url: str) -> None:
    """Extending a run stopped at 9 of 30 trials by 3 trained 24, and said '+3 trials'."""
    make_run(storage_url, "cut", 8)  # its budget is 60: 52 never made
    plan = plan_extension(load_run("cut", storage_url), Extension(trials=3))
    assert (plan.left, plan.adding) == (52, 3)
    assert plan.says() == "The 52 trials of its budget not run yet resume, with the 3 added: 55 to train."
    whole = run_in_process(quick_spec(budget={"n_trials": 3}), storage_url, "whole")
    assert plan_extension(whole, Extension(trials=3)).says() == ""  # nothing left: the 3 added alone
