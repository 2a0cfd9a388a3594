"""Refit the winner: its configuration trained once more on training + validation rows.

Selection needed validation rows; the model people use need not leave them out. A refit
trains the winning configuration on every non-test row (one model per repeat, seeded as
the run's members are) for the epochs it was selected with, fits the preprocessing and
scaling on those rows, and tests the result once on the same test rows as the selected
model, so the two can be compared. Nothing is selected on the refit's numbers: its
per-epoch loss is computed on its own training rows, never on test.

A worker does it (``Worker.work`` calls ``refit_if_asked`` once the run has ended), asked
by the spec's ``refit`` or by the Monitor's Refit button (``tuning.actions.refit_run``).
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import replace
from typing import Any, cast

import numpy as np
from optuna.trial import TrialState

from tuning.data.splits import Fold, Split
from tuning.storage.refit import Refit, RefitState, take_refit, write_refit
from tuning.storage.runs import Run
from tuning.training.members import HeldOutReport, Member, evaluate_test
from tuning.training.population import Outcome
from tuning.training.trainer import TestedTrainer, Trainer
from tuning.training.winner_folder import store_winner
from tuning.winner.folder import Source

log = logging.getLogger("tuning.training.refit")


def refit_split(split: Split) -> Split:
    """The same test rows, and one fold that trains on every other row (and reports its
    per-epoch loss on those same rows: no validation rows are left)."""
    rows = np.union1d(split.folds[0].train, split.folds[0].val)
    return Split(split.test, (Fold(rows, rows),))


def refit(objective: TestedTrainer, params: dict[str, Any]) -> tuple[list[Member], Outcome, HeldOutReport]:
    """Train ``params`` (every hyperparameter) on training + validation rows; test it once."""
    split = refit_split(objective.split)
    members = objective.members_for(split)
    outcome = objective.train_members(params, members)
    if outcome.diverged is not None:
        raise outcome.diverged
    return members, outcome, evaluate_test(objective.data, split, members, outcome.models)


def refit_if_asked(run: Run, objective: Trainer) -> Refit | None:
    """Do the refit the run asks for, if any; a failure is recorded on the refit, never raised."""
    asked = take_refit(run)
    if asked is None:
        return None
    try:
        if not run.spec.family.tests_winner:
            raise ValueError(f"{run.spec.family.label} keeps no model of its own to train again")
        done = _refit_and_store(run, cast(TestedTrainer, objective), asked)
    except Exception as error:  # the run's result stands; the refit says why it failed
        log.error("refit of run %s failed:\n%s", run.name, traceback.format_exc())
        done = replace(
            asked, state=RefitState.FAILED, finished_at=time.time(), error=f"{type(error).__name__}: {error}"
        )
    write_refit(run, done)
    return done


def _refit_and_store(run: Run, objective: TestedTrainer, asked: Refit) -> Refit:
    trial = next(
        t
        for t in run.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.number == asked.best_trial
    )
    params = {**run.spec.fixed_values(), **trial.params}
    members, outcome, report = refit(objective, params)
    rows = int(members[0].train_x.shape[0])
    epochs = int(params["epochs"])
    store_winner(
        run, objective.data, (trial.number, trial.params), (members, outcome.models, report), Source.REFIT,
        {"refit": {"rows": rows, "epochs": epochs}}, objective.network_card(),
    )  # fmt: skip
    log.info("run %s: refit trial %d on %d rows, test %s", run.name, trial.number, rows, report.metrics)
    done = time.time()
    return replace(
        asked, state=RefitState.DONE, finished_at=done, test_metrics=report.metrics, rows=rows, epochs=epochs
    )
