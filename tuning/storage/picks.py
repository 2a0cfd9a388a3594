"""Picking the winner: the trial a person chose among the trade-offs, tested once.

By default a run's winner is the front's best in the selection metric within the bounds
(``views.pareto.winner_trial``). Someone may pick another complete trial, usually one on
the front that is a tenth the size at a little more loss. The pick is stored with the run
(``record.PICK``); a run still going tests it when it ends, and a run that has ended is
reopened, so a worker tests the picked trial alone, once, and writes a new result while
the earlier one moves into its history (``storage.lifecycle.reopen``).
"""

from __future__ import annotations

from optuna.trial import TrialState

from tuning.errors import FieldError
from tuning.storage import record
from tuning.storage.lifecycle import reopen
from tuning.storage.record import RunResult
from tuning.storage.runs import Run


def check_pick(run: Run, number: object) -> int:
    """``number`` as a trial number of one of the run's complete trials, or FieldError."""
    if not isinstance(number, int) or isinstance(number, bool):
        raise FieldError("trial", f"must be a trial number, got {number!r}")
    states = {t.number: t.state for t in run.study.get_trials(deepcopy=False)}
    if number not in states:
        raise FieldError(
            "trial", f"run {run.name} has no trial {number}; its trials are 0 to {len(states) - 1}"
        )
    if states[number] is not TrialState.COMPLETE:
        state = states[number].name.lower()
        raise FieldError("trial", f"trial {number} is {state}: only a complete trial can be the winner")
    return number


def store_pick(run: Run, number: int) -> bool:
    """Store ``number`` (checked by ``check_pick``) as the run's winner. Returns True when the
    run had ended with another winner: it is reopened, and one worker must test the pick."""
    run.study.set_user_attr(record.PICK.key, number)
    return retest_needed(run, number)


def retest_needed(run: Run, number: int) -> bool:
    """Reopen the run if its result tested another trial than ``number``; True if it did.

    Called after the pick is stored, so a run that ended in between (its last worker read
    the old pick) is caught too."""
    stored = run.attrs().get(record.RESULT.key)
    if stored is None or RunResult.from_dict(stored).best_trial == number:
        return False
    reopen(run, f"trial {number} picked as the winner")
    return True
