"""Runs as studies: what a run name may be (it also names the run's folders and log files)."""

from __future__ import annotations

import optuna
import pytest
from optuna.trial import TrialState

from tests.runs_helpers import quick_spec
from tuning.definition.spec import RunSpec
from tuning.errors import FieldError, SpecError
from tuning.storage import record, runs
from tuning.storage.runs import check_name, create_run, load_run
from tuning.views.summary import run_summaries


@pytest.mark.parametrize("name", ["abc\n", "abc\r", "\nabc", "", "../escape", "a b", "-abc", "a" * 65, "a/b"])
def test_a_name_that_could_not_be_a_file_name_is_refused(name: str) -> None:
    with pytest.raises(FieldError, match="is not a valid run name; use 1-64 letters") as caught:
        check_name(name)
    assert caught.value.field == "name"


@pytest.mark.parametrize("name", ["abc", "a", "grid-20260101-120000-ab12", "A.b_c-1", "a" * 64])
def test_a_plain_name_is_kept(name: str) -> None:
    assert check_name(name) == name


GRID = {
    "strategy": "grid",
    "space": {
        "hidden_size": {"type": "int", "low": 1, "high": 4},
        "epochs": {"type": "choice", "values": [1, 2, 3, 4, 5]},
    },
}


def test_a_grid_is_stored_in_bounded_batches_never_held_whole(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creation memory is bounded by the batch, whatever the grid's size (the spec bounds the count)."""
    monkeypatch.setattr(runs, "QUEUE_BATCH", 7)
    batches: list[int] = []
    add_trials = optuna.Study.add_trials
    monkeypatch.setattr(
        optuna.Study,
        "add_trials",
        lambda study, trials: (batches.append(len(trials)), add_trials(study, trials))[1],
    )
    run = create_run(quick_spec(**GRID), "run", storage_url)
    assert batches == [7, 7, 6]
    waiting = run.study.get_trials(states=(TrialState.WAITING,))
    assert [t.system_attrs[record.FIXED_PARAMS.key] for t in waiting] == run.spec.grid()


def test_a_budget_of_100000_trials_queues_one_block_whose_first_ticket_makes_the_next(
    storage_url: str,
) -> None:
    run = create_run(quick_spec(budget={"n_trials": 100_000}), "run", storage_url)
    waiting = run.study.get_trials(states=(TrialState.WAITING,))
    assert [runs.ticket_index(t) for t in waiting] == list(range(runs.TICKET_BLOCK))
    assert [runs.next_block(t) for t in waiting[:2]] == [runs.TICKET_BLOCK, None]
    assert all(t.system_attrs[record.FIXED_PARAMS.key] == {} for t in waiting)
    with pytest.raises(SpecError, match="budget.n_trials: must be a whole number from 1 to 100000"):
        quick_spec(budget={"n_trials": 100_001})


def test_each_block_is_made_once_and_the_last_ends_at_the_budget(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "TICKET_BLOCK", 3)
    run = create_run(quick_spec(budget={"n_trials": 7}), "run", storage_url)
    assert runs.add_budget_tickets(run.study, run.spec, 3) == 3
    assert runs.add_budget_tickets(run.study, run.spec, 3) == 0  # a second maker (a retry) adds nothing
    assert runs.add_budget_tickets(run.study, run.spec, 6) == 1
    tickets = run.study.get_trials(states=(TrialState.WAITING,))
    assert [(runs.ticket_index(t), runs.next_block(t)) for t in tickets if runs.next_block(t)] == [
        (0, 3),
        (3, 6),
    ]
    assert sorted(map(runs.ticket_index, tickets)) == list(range(7))


def test_a_run_stored_before_the_bounds_were_tightened_still_loads_and_lists(storage_url: str) -> None:
    """Bounds guard new runs; an old run beyond them must not break every listing of the storage."""
    run = create_run(quick_spec(), "old", storage_url)
    old = {**run.spec.to_dict(), "heartbeat_s": 0.5, "grace_s": 2.0, "budget": {"n_trials": 50_000}}
    run.study.set_user_attr(record.SPEC.key, old)
    runs._opened.clear()
    with pytest.raises(SpecError, match="heartbeat_s: must be a number of seconds >= 1"):
        RunSpec.from_dict(old)
    loaded = load_run("old", storage_url)
    assert (loaded.spec.heartbeat_s, loaded.spec.budget.n_trials) == (0.5, 50_000)
    assert loaded.spec.to_dict() == old
    assert [s.name for s in run_summaries(storage_url)] == ["old"]
