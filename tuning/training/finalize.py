"""The end of a run: evaluate the winner once on the test split and store the outcome.

Whichever worker finds the queue empty and no trial running writes the result. If two
finish at the same moment both compute the same figure (training is seeded), so the
result does not depend on which one wins the race. A run that was extended and ends with
the same winner keeps that winner's one test (``storage.lifecycle.kept_test``).
"""

from __future__ import annotations

import time
from typing import cast

from optuna.trial import FrozenTrial, TrialState

from tuning.storage import record
from tuning.storage.lifecycle import hand_picked_waiting, kept_test
from tuning.storage.record import RunResult, RunState
from tuning.storage.refit import ask_refit
from tuning.storage.runs import Run, deadline_passed, stop_requested
from tuning.training.members import evaluate_test
from tuning.training.population import Outcome
from tuning.training.trainer import TestedTrainer, Trainer
from tuning.training.winner_folder import store_winner
from tuning.views.outcome import winner_picture
from tuning.views.pareto import winner_trial
from tuning.winner.folder import Source


def work_left(run: Run) -> bool:
    """True while trials are queued or running (or, for a time-only budget, while time is
    left), and no stop or time limit ends the run; hand-picked tickets run regardless."""
    attrs, trials = run.attrs(), run.study.get_trials(deepcopy=False)
    if stop_requested(attrs) or deadline_passed(run, attrs):
        return any(t.state is TrialState.RUNNING for t in trials) or hand_picked_waiting(trials)
    if run.spec.open_ended():
        return True
    return bool({t.state for t in trials} & {TrialState.RUNNING, TrialState.WAITING})


def finalize(run: Run, objective: Trainer, cached: tuple[int, Outcome] | None) -> RunResult:
    """Write the run's result: the winner (the picked trial, else the best within the bounds;
    ``views.pareto.winner_trial``) tested once. ``cached`` is (trial number, result) of this
    worker's best, reused when it is the winner. ``objective`` is the run's trainer
    (``trainer.py``); a family that does not test its winner (an Optuna objective: no test
    rows) ends with the winner alone."""
    trials = run.study.get_trials(deepcopy=False)
    attrs = run.attrs()
    best = winner_trial(run.spec, trials, attrs.get(record.PICK.key))
    stopped = stop_requested(attrs)
    if best is None:
        failed = [t for t in trials if t.state is TrialState.FAIL]
        first_error = failed[0].user_attrs.get(record.ERROR.key) if failed else None
        state = RunState.STOPPED if stopped else RunState.FAILED
        result = RunResult(state, time.time(), error=first_error)
    else:
        kept = kept_test(attrs, best.number)
        if kept is not None:  # extended, and the same winner: its one test stands, model folder and all
            result = RunResult(
                RunState.STOPPED if stopped else RunState.FINISHED, time.time(), test_loss=kept.test_loss,
                best_trial=best.number, test_metrics=kept.test_metrics, test_picture=kept.test_picture,
            )  # fmt: skip
            run.study.set_user_attr(record.RESULT.key, result.to_dict())
            return result
        result = winner_result(run, objective, cached, best, stopped)
    run.study.set_user_attr(record.RESULT.key, result.to_dict())
    if run.spec.refit and result.best_trial is not None:
        ask_refit(run)  # this worker takes it next (training.refit), after the result is visible
    return result


def winner_result(
    run: Run, objective: Trainer, cached: tuple[int, Outcome] | None, best: FrozenTrial, stopped: bool
) -> RunResult:
    """The result of a run with a winner: tested once on held-out rows (retrained when this
    worker did not keep its models), its model folder stored."""
    state = RunState.STOPPED if stopped else RunState.FINISHED
    if not run.spec.family.tests_winner:
        return RunResult(state, time.time(), best_trial=best.number)
    tested = cast(TestedTrainer, objective)
    trained = cached[1] if cached and cached[0] == best.number else tested.retrain(best.params)
    data = tested.data
    report = evaluate_test(data, tested.split, tested.members, trained.models)
    store_winner(
        run, data, (best.number, best.params), (tested.members, trained.models, report), Source.SELECTED,
        network=tested.network_card(),
    )  # fmt: skip
    picture = winner_picture(data.task, data.classes, report.truth, report.predicted)
    return RunResult(
        state, time.time(), test_loss=report.metrics[run.spec.selection.name], best_trial=best.number,
        test_metrics=report.metrics, test_picture=picture,
    )  # fmt: skip
