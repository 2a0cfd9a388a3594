"""An Optuna objective run as it is: its own suggestions, reports and pruning; no test rows."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from tests.code_files import QUADRATIC_OBJECTIVE, TRADEOFF_OBJECTIVE, TRADEOFF_RAW, write_code
from tests.runs_helpers import RecordedProgress, run_in_process
from tuning.definition.spec import RunSpec
from tuning.errors import FieldError
from tuning.storage import record
from tuning.training.population import Status
from tuning.training.user_objective import FunctionObjective
from tuning.views.front_data import front_points
from tuning.views.front_figures import front_figure
from tuning.views.pareto import tradeoffs
from tuning.views.summary import failed_tracebacks, summarize
from tuning.winner.load import load_model


def test_an_objective_runs_as_written_and_each_way_a_trial_ends_is_recorded(
    code_root: Path, storage_url: str
) -> None:
    path = write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    raw = {"objective": "quadratic.py:objective", "strategy": "random", "budget": {"n_trials": 5}, "seed": 1}
    run = run_in_process(RunSpec.from_dict(raw), storage_url)
    trials = {t.number: t for t in run.study.get_trials()}
    assert [trials[n].state for n in range(5)] == [
        TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED, TrialState.FAIL, TrialState.COMPLETE,
    ]  # fmt: skip
    for number in (0, 4):  # its value, its own parameters, and the reported values as its curve
        trial = trials[number]
        assert set(trial.params) == {"x", "shift"}
        assert trial.value == (trial.params["x"] - trial.params["shift"]) ** 2
        assert trial.user_attrs[record.CURVE.key] == [trial.value + 3, trial.value + 2, trial.value + 1]
        assert record.METRICS.key not in trial.user_attrs  # nothing but its value is known
    assert trials[1].user_attrs[record.ERROR.key] == "ValueError: the objective raised on purpose"
    assert f'File "{path.resolve()}", line 10' in failed_tracebacks(run)[1]
    assert trials[2].user_attrs[record.ERROR.key] == "pruned by the objective: asked to"
    assert trials[3].user_attrs[record.ERROR.key] == "the objective returned nan, not a finite number"
    summary = summarize(run)
    assert (summary.state, summary.task, summary.metric) == ("finished", "objective", "objective")
    assert summary.best_trial == min((0, 4), key=lambda n: trials[n].value)  # type: ignore[arg-type,return-value]
    assert (summary.test_loss, summary.test_metrics, summary.baselines, summary.tests_winner) == (
        None, None, None, False,
    )  # fmt: skip
    with pytest.raises(FieldError, match="tunes an Optuna objective: Sweetspot keeps no model of it"):
        load_model(run.name, storage_url)  # nothing to predict with


def test_a_maximized_objective_keeps_its_highest_value(code_root: Path, storage_url: str) -> None:
    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    raw = {
        "objective": "quadratic.py:objective", "direction": "maximize", "strategy": "random",
        "budget": {"n_trials": 1},
    }  # fmt: skip
    run = run_in_process(RunSpec.from_dict(raw), storage_url)
    assert run.study.direction.name == "MAXIMIZE"
    assert summarize(run).metric == "objective_max"


def test_an_objective_returning_a_tuple_trades_its_values_off_like_any_trade_off_run(
    code_root: Path, storage_url: str
) -> None:
    write_code(code_root, "tradeoff.py", TRADEOFF_OBJECTIVE)
    run = run_in_process(RunSpec.from_dict(TRADEOFF_RAW), storage_url)
    assert [d.name for d in run.study.directions] == ["MINIMIZE", "MINIMIZE"]
    trials = {t.number: t for t in run.study.get_trials()}
    complete = [t for t in trials.values() if t.state is TrialState.COMPLETE]
    assert len(complete) == 4 and trials[2].state is TrialState.FAIL
    assert (
        trials[2]
        .user_attrs[record.ERROR.key]
        .endswith(
            "(3 value(s)), but the run's direction lists 2: it must return one finite number per direction"
        )
    )
    for trial in complete:  # both values told to Optuna, in the directions' order
        x = trial.params["x"]
        assert trial.values == [x**2, (x - 2.0) ** 2]
    summary = summarize(run)
    assert [(o["name"], o["label"]) for o in summary.objectives or []] == [
        ("objective", "objective value"), ("objective_2", "objective value 2"),
    ]  # fmt: skip
    assert {entry["number"] for entry in summary.pareto or []} == {t.number for t in complete}
    assert summary.winner == summary.best_trial == min(complete, key=lambda t: t.values[0]).number
    drawn = front_points(run.spec, tradeoffs(run.spec, complete), summary.winner)  # drawn as any front
    assert drawn.axes == [("objective", "objective_2")]
    assert drawn.titles["objective_2"] == "objective value 2 (as your objective returns it)"
    assert front_figure(drawn, "objective", "objective_2", run.name).data


def test_a_stopped_run_ends_an_objective_at_its_next_report(code_root: Path) -> None:
    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    spec = RunSpec.from_dict(
        {"objective": "quadratic.py:objective", "strategy": "random", "budget": {"n_trials": 1}}
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(0))
    progress = RecordedProgress(stop_after=2)  # asked after each report: the stop is read at step 1

    (outcome,) = FunctionObjective(spec, None)([study.ask()], progress)

    assert (outcome.status, outcome.reason) == (Status.STOPPED, "stopped at step 1: the run was stopped")
    assert len(progress.curves[0]) == 2
