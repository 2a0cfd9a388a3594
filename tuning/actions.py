"""What anyone may do to an existing run: extend it, queue a configuration, annotate it, fork
it, pick its winner.

The dashboard and the CLI both call these, so every check happens in one place before
anything is stored: the run's state, the space, and in the demo the visitor's ownership
and the caps (the admin token lifts ownership, as it does for Stop). A refusal raises a
TuningError whose text says what to do, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuning import launcher  # its spawn_workers, looked up at call time (tests replace it)
from tuning.definition.spec import RunSpec
from tuning.demo import DemoLimits, check_control, guard_enqueue, guard_extension, is_admin
from tuning.demo_capacity import MoreTrials, room_held
from tuning.errors import RunBusy
from tuning.storage.inherit import check_same_data, inherit
from tuning.storage.lifecycle import Extension, enqueue, extend, plan_extension
from tuning.storage.liveness import worker_records
from tuning.storage.notes import RunNotes, set_notes, set_trial_note
from tuning.storage.picks import check_pick, store_pick
from tuning.storage.refit import Refit, ask_refit
from tuning.storage.runs import Run, load_run
from tuning.storage.urls import resolve_url
from tuning.views.summary import summarize


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, and where: the storage, the demo visitor's session id (the
    owner of the runs they launched) and the admin token, if any. The CLI acts as no
    visitor, with the admin token from its environment."""

    storage_url: str | None = None
    session_id: str | None = None
    token: str | None = None

    def url(self) -> str:
        return resolve_url(self.storage_url)

    def controlled(self, name: str) -> Run:
        """The run called ``name``, once this actor may change it (demo ownership)."""
        run = load_run(name, self.url())
        check_control(run, self.session_id, self.token)
        return run


def extend_run(name: str, extension: Extension, actor: Actor = Actor()) -> Run:
    """Add trials and/or time to an ended run and start its workers.

    Refused, with nothing changed, while the run is active, when a grid has nothing left to
    try, and in the demo for another visitor's run or beyond the caps.
    """
    url = actor.url()
    run = load_run(name, url)
    summary = summarize(run)
    if summary.active:
        raise RunBusy(f"run {name} is {summary.state}; extend it once it has ended, or stop it first")
    plan = plan_extension(run, extension)
    limits = guard_extension(run, plan.spec, actor.session_id, actor.token)
    with room_held(url, actor.session_id, limits, MoreTrials(plan.adding, run)):
        run = extend(run, plan)  # the run counts as active from here
    launcher.spawn_workers(name, url, plan.spec.workers, first_index=_next_worker_index(run))
    return run


def enqueue_params(name: str, params: dict[str, Any], actor: Actor = Actor()) -> int:
    """Queue a hand-picked configuration to run next; start a worker if none is alive.

    Returns the trial number it will have. The configuration is checked against the run's
    space first; a refusal changes nothing.
    """
    url = actor.url()
    run = load_run(name, url)
    limits = guard_enqueue(run, actor.session_id, actor.token)
    with room_held(url, actor.session_id, limits, MoreTrials(1, run)):
        number = enqueue(run, params)
    if summarize(run).workers_alive:  # read after the ticket: a worker leaving looks again (training.worker)
        return number
    launcher.spawn_workers(name, url, 1, first_index=_next_worker_index(run))
    return number


def pick_winner(name: str, number: int, actor: Actor = Actor()) -> bool:
    """Make complete trial ``number`` the run's winner, the one trial tested on held-out rows.

    A run still going tests it when it ends; a run that has ended is reopened and one worker
    started to test it, once. Returns True when a worker was started. Refused, with nothing
    stored, for a trial that is not complete, and in the demo for another visitor's run.
    """
    url = actor.url()
    run = actor.controlled(name)
    number = check_pick(run, number)
    limits = None if is_admin(actor.token) else DemoLimits.from_env()
    with room_held(url, actor.session_id, limits, MoreTrials(0, run)):  # an ended run's test: one more worker
        retest = store_pick(run, number)
    if retest:
        launcher.spawn_workers(name, url, 1, first_index=_next_worker_index(run))
    return retest


def refit_run(name: str, actor: Actor = Actor()) -> Refit:
    """Have a worker refit the ended run's winner on training + validation rows (one is
    started for it). Refused while the run is active, before it has a winner, or while a
    refit of it is pending; in the demo, for another visitor's run."""
    run = actor.controlled(name)
    summary = summarize(run)
    if summary.active:
        raise RunBusy(f"run {name} is {summary.state}; refit its winner once it has ended")
    limits = None if is_admin(actor.token) else DemoLimits.from_env()
    with room_held(actor.url(), actor.session_id, limits, MoreTrials(0, run)):  # one more worker
        refit = ask_refit(run)
    launcher.spawn_workers(name, actor.url(), 1, first_index=_next_worker_index(run))
    return refit


def _next_worker_index(run: Run) -> int:
    """A worker index no earlier worker of the run had: its sampler seed is seed + index."""
    return len(worker_records(run.attrs()))


def annotate_run(name: str, note: str | None = None, tags: Any = None, actor: Actor = Actor()) -> RunNotes:
    """Replace the run's note and/or tags (None keeps one); returns what is stored now."""
    return set_notes(actor.controlled(name), note, tags)


def annotate_trial(name: str, number: int, note: str, actor: Actor = Actor()) -> None:
    """Write (or with empty text clear) the short note of one trial."""
    set_trial_note(actor.controlled(name), number, note)


def check_warm_start(source: str, spec: RunSpec, csv_text: str | None, storage_url: str | None = None) -> int:
    """How many of ``source``'s finished trials a new run of ``spec`` would inherit; raises
    SpecError (naming each field) when the data or its split differ, as ``launch`` would."""
    run = load_run(source, storage_url)
    check_same_data(run, spec, csv_text)
    return len(inherit(run, spec).trials)


@dataclass(frozen=True)
class ForkSource:
    """What "Edit as a new run" starts from: the run's spec and its uploaded data."""

    name: str
    spec: RunSpec
    csv_text: str | None


def fork_source(name: str, actor: Actor = Actor()) -> ForkSource:
    """The run's spec and data for a new run; in the demo only one's own (its data is theirs)."""
    run = actor.controlled(name)
    return ForkSource(name, run.spec, run.csv_text())
