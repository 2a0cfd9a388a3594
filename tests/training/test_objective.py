"""The objective: trials trained as one population, pruned one by one, diverging alone;
a worker running populations end to end."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import optuna
import pytest
from optuna.pruners import BasePruner
from optuna.trial import TrialState

from tests.runs_helpers import QUICK_SPACE, RecordedProgress, quick_spec, run_in_process
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
    progress = RecordedProgress()

    outcomes = Objective(spec, None)(trials, progress)
    published = progress.curves

    assert [o.status for o in outcomes] == [Status.FINISHED, Status.STOPPED] * 2
    assert outcomes[1].reason.startswith("pruned at epoch 2 (validation loss ")
    assert [len(published[n]) for n in range(4)] == [5, 2, 5, 2]
    assert [published[n] for n in range(4)] == [o.curve for o in outcomes]
    assert trials[0].params != trials[2].params  # each member its own configuration


def test_a_stopped_run_ends_every_member_of_the_population_at_that_epoch() -> None:
    spec = quick_spec(space={**QUICK_SPACE, "epochs": 50})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(0))
    trials = [study.ask() for _ in range(4)]
    progress = RecordedProgress(stop_after=3)  # asked after each epoch: the stop is read at the third

    outcomes = Objective(spec, None)(trials, progress)

    assert [o.status for o in outcomes] == [Status.STOPPED] * 4
    assert [o.reason for o in outcomes] == ["stopped at epoch 3: the run was stopped"] * 4
    assert [len(progress.curves[n]) for n in range(4)] == [3] * 4


def test_a_stop_read_at_the_last_epoch_keeps_the_trials_it_finished() -> None:
    spec = quick_spec(space={**QUICK_SPACE, "epochs": 3})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(0))
    trials = [study.ask() for _ in range(2)]
    outcomes = Objective(spec, None)(trials, RecordedProgress(stop_after=3))  # read after epoch 3 of 3
    assert [(o.status, o.reason) for o in outcomes] == [(Status.FINISHED, "")] * 2


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


def test_a_short_run_on_plain_numbers_leaves_gradient_boosting_out_and_says_why() -> None:
    """Six trials of three epochs are forecast at seconds; importing scikit-learn alone
    would cost more than a tenth of that."""
    baselines = Objective(quick_spec(), None).baselines()
    assert baselines["gradient_boosting"]["test"] == {}
    assert "more than a tenth of the run's forecast" in baselines["gradient_boosting"]["skipped"]
    assert baselines["linear"]["test"]["mse"] > 0 and baselines["linear"]["fit_s"] >= 0


@pytest.mark.parametrize(
    "changes",
    [{"baselines": "all"}, {"budget": {"n_trials": 5000}}],
    ids=["asked for", "cheap beside a long run"],
)
def test_gradient_boosting_is_fitted_when_asked_for_or_cheap_beside_the_run(changes: dict) -> None:
    boosting = Objective(quick_spec(**changes), None).baselines()["gradient_boosting"]
    assert "skipped" not in boosting and boosting["fit_s"] > 0
    assert set(boosting["test"]) == {"mse", "rmse", "mae", "r2"}


def test_data_that_is_not_a_table_gets_no_baselines_and_says_why() -> None:
    """A model's own data of images (the hook for models that bring their data)."""
    objective = Objective(quick_spec(), None)
    objective.data = replace(objective.data, features=np.zeros((objective.data.rows, 8, 8)))
    baselines = objective.baselines()
    assert {entry["skipped"] for entry in baselines.values()} == {
        "the data is not a table of rows and columns"
    }
    assert all(entry["test"] == {} for entry in baselines.values())


def test_pricing_the_baselines_loads_neither_sklearn_nor_pandas_where_the_run_needs_neither() -> None:
    """The article's worker trains its grid faster than importing either would take."""
    code = (
        "import sys; from tuning.definition.presets import preset_spec; from tuning.data.task import Task; "
        "from tuning.training.objective import Objective; "
        "b = Objective(preset_spec('article-grid').with_task(Task.REGRESSION), None).baselines(); "
        "print('skipped' in b['gradient_boosting'], 'sklearn' in sys.modules, 'pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "False"]
