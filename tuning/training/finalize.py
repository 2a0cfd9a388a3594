"""The end of a run: evaluate the winner once on the test split and store the outcome.

Whichever worker finds the queue empty and no trial running writes the result. If two
finish at the same moment both compute the same figure (training is seeded), so the
result does not depend on which one wins the race. A run that was extended and ends with
the same winner keeps that winner's one test (``storage.lifecycle.kept_test``).
"""

from __future__ import annotations

import io
import time
from typing import Any

import torch
from optuna.trial import TrialState

from tuning.definition.metrics import Direction
from tuning.storage import record
from tuning.storage.artifacts import store_weights
from tuning.storage.lifecycle import hand_picked_waiting, kept_test
from tuning.storage.record import RunResult, RunState
from tuning.storage.runs import Run, deadline_passed, stop_requested
from tuning.training.members import evaluate_test
from tuning.training.objective import Objective
from tuning.training.population import Outcome
from tuning.views.outcome import winner_picture

#: v2: a task, its classes and metric, and per member the fitted preprocessing (a pickle of
#: a scikit-learn ColumnTransformer for tables, None for all-number data).
WEIGHTS_FORMAT = "sweetspot-mlp-v2"


def work_left(run: Run) -> bool:
    """True while trials are queued or running (or, for a time-only budget, while time is
    left), and no stop or time limit ends the run; hand-picked tickets run regardless."""
    attrs, trials = run.attrs(), run.study.get_trials(deepcopy=False)
    if stop_requested(attrs) or deadline_passed(run, attrs):
        return any(t.state is TrialState.RUNNING for t in trials) or hand_picked_waiting(trials)
    if run.spec.open_ended():
        return True
    return bool({t.state for t in trials} & {TrialState.RUNNING, TrialState.WAITING})


def finalize(run: Run, objective: Objective, cached: tuple[int, Outcome] | None) -> RunResult:
    """Write the run's result; ``cached`` is (trial number, result) of this worker's best."""
    trials = run.study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    stopped = stop_requested(run.attrs())
    if not complete:
        failed = [t for t in trials if t.state is TrialState.FAIL]
        first_error = failed[0].user_attrs.get(record.ERROR.key) if failed else None
        state = RunState.STOPPED if stopped else RunState.FAILED
        result = RunResult(state, time.time(), error=first_error)
    else:
        metric = run.spec.selection
        pick = min if metric.direction is Direction.MINIMIZE else max
        best = pick(complete, key=lambda t: t.value)  # type: ignore[arg-type,return-value]
        kept = kept_test(run.attrs(), best.number)
        if kept is not None:  # extended, and the same winner: its one test stands, weights and all
            result = RunResult(
                RunState.STOPPED if stopped else RunState.FINISHED, time.time(), test_loss=kept.test_loss,
                best_trial=best.number, test_metrics=kept.test_metrics, test_picture=kept.test_picture,
            )  # fmt: skip
            run.study.set_user_attr(record.RESULT.key, result.to_dict())
            return result
        trained = cached[1] if cached and cached[0] == best.number else objective.retrain(best.params)
        data = objective.data
        report = evaluate_test(data, objective.split, objective.members, trained.models)
        store_weights(run, weights_blob(objective, best.params, trained))
        state = RunState.STOPPED if stopped else RunState.FINISHED
        picture = winner_picture(data.task, data.classes, report.truth, report.predicted)
        result = RunResult(
            state, time.time(), test_loss=report.metrics[metric.name], best_trial=best.number,
            test_metrics=report.metrics, test_picture=picture,
        )  # fmt: skip
    run.study.set_user_attr(record.RESULT.key, result.to_dict())
    return result


def weights_blob(objective: Objective, params: dict[str, Any], trained: Outcome) -> bytes:
    """The winner as a file that ``torch.load(..., weights_only=True)`` reads back.

    Predicting raw rows: ``pickle.loads(member["preprocessing"]).transform(frame)`` (for a
    table; the columns as ``feature_names`` lists), then the scaler, then the model;
    regression outputs are unscaled with the target's mean and std, class outputs are
    logits over ``classes``. The members' predictions are averaged.
    """
    data = objective.data
    payload = {
        "format": WEIGHTS_FORMAT,
        "params": {**objective.spec.fixed_values(), **params},
        "task": data.task.value,
        "metric": objective.spec.selection.name,
        "classes": list(data.classes),
        "feature_names": list(data.feature_names),
        "target_name": data.target_name,
        "target_unit": data.target_unit,
        "members": [
            {
                "state_dict": model.state_dict(),
                "scaler": member.scaler.to_dict(),
                "input_names": member.encoder.names(data.feature_names),
                "preprocessing": member.encoder.to_bytes(),
            }
            for member, model in zip(objective.members, trained.models, strict=True)
        ],
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()
