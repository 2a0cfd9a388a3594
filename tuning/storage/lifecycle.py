"""A run after its launch: extend it, queue hand-picked configurations, keep its past results.

Extending adds to the same study (more queued tickets, more time), so every sampler sees
every trial so far. A run that has ended is *reopened*: its result moves into its history
(which winner, its test figure, when, and why it was superseded) and is cleared, so the
worker that next empties the queue tests the winner again and writes a new result.

A hand-picked configuration is a queued ticket marked as such. Workers take hand-picked
tickets before any other, and take them even after a stop request or the time limit
(someone asked for that configuration explicitly); as every ticket, it is claimed
atomically, so it runs once however many workers there are.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from tuning.definition.space import check_value, normalise
from tuning.definition.spec import RunSpec
from tuning.errors import FieldError, SpecError, TuningError
from tuning.storage import record
from tuning.storage.record import TrialOrigin, score
from tuning.storage.runs import (
    Run,
    add_budget_tickets,
    add_tickets,
    has_result,
    next_block,
    store_spec,
    ticket_index,
)

MAX_EXTRA_TRIALS = 100_000


class NothingToAdd(TuningError):
    """An extension that would add nothing (a grid with every combination tried)."""


def trial_origin(trial: FrozenTrial) -> TrialOrigin:
    return TrialOrigin(trial.user_attrs.get(record.ORIGIN.key, TrialOrigin.SAMPLED))


def claim_order(waiting: Sequence[FrozenTrial], only_hand_picked: bool) -> list[FrozenTrial]:
    """The order workers try waiting tickets in: hand-picked first, then oldest first."""
    picked = [t for t in waiting if trial_origin(t) is TrialOrigin.HAND_PICKED]
    if only_hand_picked:
        return picked
    return picked + [t for t in waiting if trial_origin(t) is not TrialOrigin.HAND_PICKED]


def hand_picked_waiting(trials: Sequence[FrozenTrial]) -> bool:
    """True while a hand-picked ticket waits: it runs even after a stop or the time limit."""
    return any(t.state is TrialState.WAITING and trial_origin(t) is TrialOrigin.HAND_PICKED for t in trials)


@dataclass(frozen=True)
class Extension:
    """More trials and/or more time for a run, and how many workers to start for it.

    ``trials`` alone lifts a spent time limit (the added trials end the run); ``minutes``
    gives the run that much more time from now; with both, whichever ends first.
    """

    trials: int | None = None
    minutes: float | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        errors = []
        if self.trials is None and self.minutes is None:
            errors.append(FieldError("trials", "give a number of trials and/or minutes to add"))
        if self.trials is not None and not 1 <= self.trials <= MAX_EXTRA_TRIALS:
            errors.append(FieldError("trials", f"must be from 1 to {MAX_EXTRA_TRIALS:,}, got {self.trials}"))
        if self.minutes is not None and not (math.isfinite(self.minutes) and self.minutes > 0):
            errors.append(FieldError("minutes", f"must be a number of minutes > 0, got {self.minutes}"))
        if self.workers is not None and not 1 <= self.workers <= 64:
            errors.append(FieldError("workers", f"must be from 1 to 64, got {self.workers}"))
        if errors:
            raise SpecError(errors)

    def describe(self) -> str:
        parts = [
            f"+{self.trials} trials" if self.trials else "",
            f"+{self.minutes:g} min" if self.minutes else "",
        ]
        return "extended " + ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class PastResult:
    """A result the run had before it was extended or reopened: shown as its history."""

    state: str
    finished_at: float
    test_loss: float | None
    best_trial: int | None
    best_value: float | None
    best_params: dict[str, Any] | None
    superseded_at: float
    reason: str
    test_metrics: dict[str, float | None] | None = None  # absent from results stored before
    test_picture: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def history(attrs: dict[str, Any]) -> list[PastResult]:
    """The run's earlier results, oldest first."""
    return [PastResult(**entry) for entry in attrs.get(record.HISTORY.key) or ()]


def kept_test(attrs: dict[str, Any], best_trial: int) -> PastResult | None:
    """The last result, when the run ends again with the same winner: its test stands.

    Tested again, the winner would be retrained (alone, by whichever worker ends the run),
    and its test score would move by float rounding though nothing about it changed.
    """
    past = history(attrs)
    last = past[-1] if past else None
    return last if last and last.best_trial == best_trial and last.test_metrics is not None else None


def reopen(run: Run, reason: str) -> None:
    """Move the run's result (if any) into its history and clear it, so the run can end again."""
    attrs = run.attrs()
    if has_result(attrs):
        result = attrs[record.RESULT.key]
        best = _trial(run, result.get("best_trial"))
        past = PastResult(
            state=result["state"],
            finished_at=result["finished_at"],
            test_loss=result.get("test_loss"),
            best_trial=result.get("best_trial"),
            best_value=score(best) if best else None,
            best_params=dict(best.params) if best else None,
            superseded_at=time.time(),
            reason=reason,
            test_metrics=result.get("test_metrics"),
            test_picture=result.get("test_picture"),
        )
        run.study.set_user_attr(record.HISTORY.key, [*(attrs.get(record.HISTORY.key) or []), past.to_dict()])
        run.study.set_user_attr(record.RESULT.key, None)
    run.study.set_user_attr(record.REOPENED_AT.key, time.time())


def _trial(run: Run, number: int | None) -> FrozenTrial | None:
    if number is None:
        return None
    return next((t for t in run.study.get_trials(deepcopy=False) if t.number == number), None)


@dataclass(frozen=True)
class ExtensionPlan:
    """What an extension will store: the run's new spec (budget, workers) and its new tickets
    (grid points; a trial budget's tickets are made a block at a time from ``budget_from``)."""

    spec: RunSpec
    tickets: list[dict[str, Any]]
    reason: str
    budget_from: int | None = None
    adding: int = 0  # trials it plans on top of the run's: grid points, or the trial budget's increase
    left: int = 0  # trials of the run's budget a stop left unrun: the extension resumes them too

    def says(self) -> str:
        """What the extension will train, for the person asking it: a stop's unrun trials
        resume with it (a run stopped at 9 of 30 trials, extended by 3, trains 24)."""
        if not self.left:
            return ""
        added = f", with the {self.adding:,} added" if self.adding else ""
        total = self.left + self.adding
        return f"The {self.left:,} trials of its budget not run yet resume{added}: {total:,} to train."


def plan_extension(run: Run, extension: Extension, now: float | None = None) -> ExtensionPlan:
    """The run's spec with the larger budget, and the fixed params of the tickets to add.

    Raises NothingToAdd when a grid has no combination left to try (none new, none left
    queued by a stop). The time limit counts
    from the run's creation, so ``minutes`` more from now is the time spent so far plus those.
    """
    spec, trials = run.spec, run.study.get_trials(deepcopy=False)
    elapsed = (now or time.time()) - run.attrs()[record.CREATED_AT.key]
    timeout = elapsed + extension.minutes * 60 if extension.minutes else None
    if spec.exhaustive:
        tickets = untried_combinations(spec, trials)
        resumable = any(t.state is TrialState.WAITING for t in trials)  # left queued by a stop
        if not tickets and not resumable:
            raise NothingToAdd(
                f"grid run {run.name} has tried all {len(spec.grid())} of its combinations, so "
                "extending it would add nothing; to try other values, edit it as a new run "
                "with a wider grid"
            )
        tickets = tickets[: extension.trials] if extension.trials else tickets
        n_trials = spec.budget.n_trials
        left = sum(t.state is TrialState.WAITING for t in trials)
    elif extension.trials:
        tickets = []
        n_trials = (spec.budget.n_trials or _made(trials)) + extension.trials
        left = max((spec.budget.n_trials or 0) - _made(trials), 0)
    else:
        tickets, n_trials = [], None  # time only: workers make trials until the new deadline
        left = 0
    budget = {k: v for k, v in (("n_trials", n_trials), ("timeout_s", timeout)) if v is not None}
    workers = extension.workers or spec.workers
    new_spec = RunSpec.from_dict({**spec.to_dict(), "budget": budget, "workers": workers}, spec.source)
    more = not spec.exhaustive and bool(extension.trials)
    start = _budget_from(trials) if more else None
    adding = (extension.trials or 0) if more else len(tickets)
    return ExtensionPlan(new_spec, tickets, extension.describe(), start, adding, left)


def _budget_from(trials: Sequence[FrozenTrial]) -> int | None:
    """Where a longer budget's next block of tickets starts; None while a queued ticket will
    make it (the first of a block, left waiting by a stop)."""
    if any(t.state is TrialState.WAITING and next_block(t) is not None for t in trials):
        return None
    indices = [i for i in map(ticket_index, trials) if i is not None]
    if indices:
        return max(indices) + 1
    return sum(1 for t in trials if trial_origin(t) is TrialOrigin.SAMPLED)  # a run from before blocks


def extend(run: Run, plan: ExtensionPlan) -> Run:
    """Store ``plan``: reopen the run, withdraw a stop request, queue the tickets; start no worker."""
    reopen(run, plan.reason)
    run.study.set_user_attr(record.STOP_REQUESTED_AT.key, None)
    run = store_spec(run, plan.spec)
    add_tickets(run, plan.tickets)
    if plan.budget_from is not None:
        add_budget_tickets(run.study, run.spec, plan.budget_from)
    return run


def _made(trials: Sequence[FrozenTrial]) -> int:
    """Trials a time-only run made of its own (sampled ones, not inherited or hand-picked)."""
    return sum(1 for t in trials if trial_origin(t) is TrialOrigin.SAMPLED and t.state.is_finished())


def untried_combinations(spec: RunSpec, trials: Sequence[FrozenTrial]) -> list[dict[str, Any]]:
    """Grid points no trial has run or queued (a failed trial counts as tried)."""
    seen = {_key(t.params) for t in trials if t.state is not TrialState.WAITING}
    seen |= {
        _key(t.system_attrs.get(record.FIXED_PARAMS.key, {})) for t in trials if t.state is TrialState.WAITING
    }
    return [combo for combo in spec.grid() if _key(combo) not in seen]


def _key(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(params.items()))


def check_configuration(spec: RunSpec, params: Any) -> dict[str, Any]:
    """``params`` validated against the run's space: every searched hyperparameter, each
    within its range or choices and of its type; fixed ones may be given at their value.

    Raises SpecError with one FieldError per problem, each naming ``params.<name>``.
    """
    if not isinstance(params, dict):
        raise SpecError([FieldError("params", f"must be a JSON object of name → value, got {params!r}")])
    searched, errors, clean = spec.searched(), [], {}
    for name in sorted(params):
        param = spec.space.get(name)
        if param is None:
            known = ", ".join(sorted(searched)) or "nothing"
            errors.append(FieldError(f"params.{name}", f"this run does not search it; it searches {known}"))
            continue
        problem = check_value(param, params[name])
        if problem:
            errors.append(FieldError(f"params.{name}", problem))
        elif name in searched:
            clean[name] = normalise(param, params[name])
    for name in sorted(set(searched) - set(params)):
        errors.append(FieldError(f"params.{name}", "missing: a hand-picked configuration names every "
                                 f"searched hyperparameter ({', '.join(sorted(searched))})"))  # fmt: skip
    if errors:
        raise SpecError(errors)
    return clean


def enqueue(run: Run, params: dict[str, Any]) -> int:
    """Queue a validated configuration to run next; reopens an ended run. Returns its number.

    The ticket is written before the run is reopened: a worker about to end the run reads
    the result first and the queue second (``training.worker``), so it either still sees
    the result or already sees the ticket, never a reopened run with nothing queued."""
    clean = check_configuration(run.spec, params)
    number = add_tickets(run, [clean], {record.ORIGIN.key: TrialOrigin.HAND_PICKED.value})[0]
    if has_result(run.attrs()):
        reopen(run, f"hand-picked configuration {clean} queued")
    return number
