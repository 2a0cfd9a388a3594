"""The objective: trials trained as one population, pruned one by one, diverging alone;
a worker running populations end to end."""

from __future__ import annotations

import optuna
from optuna.pruners import BasePruner
from optuna.trial import TrialState

from tests.runs_helpers import QUICK_SPACE, quick_spec, run_in_process
from tuning.storage import record
from tuning.training.objective import Objective
from tuning.training.population import Status


class PruneOddTrialsAtEpochTwo(BasePruner):
    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return trial.number % 2 == 1 and trial.last_step == 2


def test_pruning_stops_members_one_by_one_and_publishes_every_curve() -> None:
    spec = quick_spec(pruner="median", space={**QUICK_SPACE, "epochs": 5})
    study = optuna.create_study(pruner=PruneOddTrialsAtEpochTwo(), sampler=optuna.samplers.RandomSampler(0))
    trials = [study.ask() for _ in range(4)]
    published: dict[int, list[float]] = {}

    outcomes = Objective(spec, None)(trials, lambda trial, curve: published.__setitem__(trial.number, curve))

    assert [o.status for o in outcomes] == [Status.FINISHED, Status.STOPPED] * 2
    assert outcomes[1].reason.startswith("pruned at epoch 2 (validation loss ")
    assert [len(published[n]) for n in range(4)] == [5, 2, 5, 2]
    assert [published[n] for n in range(4)] == [o.curve for o in outcomes]
    assert trials[0].params != trials[2].params  # each member its own configuration


def test_a_worker_trains_its_trials_as_one_population_and_a_diverging_one_fails_alone(
    storage_url: str,
) -> None:
    space = {"hidden_size": {"type": "choice", "values": [8, 16]}, "optimizer": "sgd",
             "lr": {"type": "choice", "values": [0.01, 1e6]}, "epochs": 4}  # fmt: skip
    run = run_in_process(quick_spec(strategy="grid", space=space, population=4), storage_url)
    trials = run.study.get_trials()
    assert max(t.datetime_start for t in trials) < min(t.datetime_complete for t in trials)
    by_lr = {lr: [t for t in trials if t.params["lr"] == lr] for lr in (0.01, 1e6)}
    assert all(
        t.state is TrialState.COMPLETE and len(t.user_attrs[record.CURVE.key]) == 4 for t in by_lr[0.01]
    )
    for trial in by_lr[1e6]:
        assert trial.state is TrialState.FAIL
        assert "learning rate is probably too high" in trial.user_attrs[record.ERROR.key]
