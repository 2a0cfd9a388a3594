"""Picking the winner: checked, stored, and an ended run reopened so a worker tests the pick once."""

from __future__ import annotations

import pytest
from optuna.trial import TrialState

from tests.fake_runs import make_run
from tests.tradeoff_checks import check_a_pick_is_tested_once
from tuning import FieldError, RunSpec, load_run, preset_spec, summarize
from tuning.storage import record
from tuning.storage.picks import check_pick, store_pick

PRUNED = "the pruned trial"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (99, "trial: run run has no trial 99; its trials are 0 to 5"),
        (PRUNED, "trial: trial {pruned} is pruned: only a complete trial can be the winner"),
        ("3", "trial: must be a trial number, got '3'"),
        (True, "trial: must be a trial number, got True"),
    ],
)
def test_only_a_complete_trial_can_be_picked(storage_url: str, number: object, message: str) -> None:
    make_run(storage_url, "run", 5, n_pruned=1)
    run = load_run("run", storage_url)
    pruned = next(t.number for t in run.study.get_trials() if t.state is TrialState.PRUNED)
    with pytest.raises(FieldError) as caught:
        check_pick(run, pruned if number == PRUNED else number)
    assert str(caught.value) == message.format(pruned=pruned)
    assert record.PICK.key not in run.attrs()


def test_a_pick_on_a_running_run_is_only_stored(storage_url: str) -> None:
    spec = RunSpec.from_dict({**preset_spec("houses").to_dict(), "objectives": ["mse", "params"]})
    make_run(storage_url, "run", 12, spec=spec, finished=False)
    run = load_run("run", storage_url)
    assert store_pick(run, 3) is False
    summary = summarize(run)
    assert (summary.winner, summary.best_trial, summary.picked) == (3, 3, True)


def test_a_pick_changes_the_tested_winner_once(storage_url: str) -> None:
    check_a_pick_is_tested_once(storage_url)
