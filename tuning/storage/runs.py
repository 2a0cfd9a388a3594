"""Runs as Optuna studies: create one with its spec, find it again, ask it to stop.

A run is a study whose user attributes hold the spec (and a CSV's text), so a worker on
any machine needs only the storage URL and the run's name. Trials are queued as waiting
tickets: every grid combination when the run is stored, and a trial budget's empty
tickets a block at a time (``add_budget_tickets``). Taking a waiting trial is atomic in
every Optuna storage, so several workers never run a combination twice and never
overshoot the budget.
"""

from __future__ import annotations

import functools
import itertools
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import TrialState, create_trial

from tuning.data.csv_data import CsvLimits
from tuning.data.datasets import DATASETS, check_data
from tuning.definition.spec import RunSpec
from tuning.errors import FieldError, RunExists, RunNotFound
from tuning.models.source import ModelSource
from tuning.storage import record
from tuning.storage.owners import owner_hash
from tuning.storage.urls import open_storage, resolve_url

#: Tickets stored per write: the queue is never held whole in memory (the spec bounds its length).
QUEUE_BATCH = 1_000
#: Budget tickets made at once. Each costs a storage write (1-6 ms on a journal), so a
#: budget of 100,000 stored up front took minutes; a block is made by the worker that
#: claims the first ticket of the block before, while that block is still queued.
TICKET_BLOCK = 500
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

optuna.logging.set_verbosity(optuna.logging.WARNING)


@dataclass(frozen=True)
class Run:
    """A handle on one stored run: its name, validated spec, study id and storage URL.

    Its Optuna ``study`` opens on first use: the dashboard reads runs without it
    (``tuning.reading``, whose handles read their attributes through ``read_attrs``), so
    a page that only shows a run never pays a journal's full replay.
    """

    name: str
    spec: RunSpec
    study_id: int
    storage_url: str
    loaded: optuna.Study | None = field(default=None, compare=False, repr=False)
    read_attrs: Callable[[], dict[str, Any]] | None = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def storage(self) -> optuna.storages.BaseStorage:
        return open_storage(self.storage_url)

    @functools.cached_property
    def study(self) -> optuna.Study:
        return self.loaded or optuna.load_study(study_name=self.name, storage=self.storage)

    def attrs(self) -> dict[str, Any]:
        if self.read_attrs is not None:
            return self.read_attrs()
        return self.storage.get_study_user_attrs(self.study_id)

    def csv_text(self) -> str | None:
        return self.attrs().get(record.CSV.key)


def check_name(name: str) -> str:
    """Refuse names that could not be a file name: they also name the run's folders."""
    if not NAME_PATTERN.fullmatch(name or ""):  # not match with $: it ends before a trailing newline
        raise FieldError(
            "name",
            f"{name!r} is not a valid run name; use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    return name


def new_name(spec: RunSpec) -> str:
    return f"{spec.strategy.value}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def create_run(
    spec: RunSpec,
    name: str | None = None,
    storage_url: str | None = None,
    csv_text: str | None = None,
    owner: str | None = None,
    first_trials: Sequence[optuna.trial.FrozenTrial] = (),
) -> Run:
    """Store a new run with its spec and its queue of trials; start no worker.

    ``owner`` is the launching visitor's id; only its keyed hash is stored (``owner_hash``).
    ``first_trials`` (finished trials a warm start inherits) are stored before the queue,
    so they hold the first trial numbers and every sampler sees them from the start.
    """
    storage = open_storage(storage_url)
    name = check_name(name) if name else new_name(spec)
    if spec.dataset.name == "csv" and not csv_text:
        raise FieldError("dataset.csv", "a CSV dataset needs the file's contents")
    spec = resolve_task(spec, csv_text)
    try:
        study = optuna.create_study(
            study_name=name, storage=storage, directions=[d.value for d in spec.directions]
        )
    except optuna.exceptions.DuplicatedStudyError:
        raise RunExists(f"a run named {name!r} exists already; choose another name") from None
    study.set_user_attr(record.SPEC.key, spec.to_dict())
    if spec.source is not None:  # before the creation time: a run listed is a run that loads
        study.set_user_attr(record.MODEL_SOURCE.key, spec.source.to_dict())
    study.set_user_attr(record.CREATED_AT.key, time.time())
    if csv_text:
        study.set_user_attr(record.CSV.key, csv_text)
    if owner:  # the visitor's id is their cookie: only its keyed hash is stored (storage/owners.py)
        study.set_user_attr(record.OWNER.key, owner_hash(owner))
    if first_trials:
        study.add_trials(list(first_trials))
    if spec.exhaustive:
        grid = spec.iter_grid()
        while batch := [_ticket(params) for params in itertools.islice(grid, QUEUE_BATCH)]:
            study.add_trials(batch)
    else:
        add_budget_tickets(study, spec, 0, ())
    return _remember(_handle(name, spec, storage.get_study_id_from_name(name), storage_url, study))


def resolve_task(spec: RunSpec, csv_text: str | None) -> RunSpec:
    """The spec with its task and metric filled in (``launch`` does it after checking the
    data; a run created directly gets the same): built-in data knows its task, an
    uploaded table's comes from its target."""
    if spec.task is not None:
        return spec.with_task(spec.task)
    info = DATASETS[spec.dataset.name]
    if info.from_code:
        return spec.with_code_task()
    if not info.uploaded:
        return spec.with_task(info.task)
    return spec.with_task(check_data(spec.dataset, csv_text, None, spec.cv_folds, CsvLimits()))


def _ticket(
    params: dict[str, Any], user_attrs: dict[str, Any] | None = None, ticket: dict[str, Any] | None = None
) -> optuna.trial.FrozenTrial:
    system_attrs = {record.FIXED_PARAMS.key: params, **({record.TICKET.key: ticket} if ticket else {})}
    return create_trial(state=TrialState.WAITING, system_attrs=system_attrs, user_attrs=user_attrs)


def add_budget_tickets(
    study: optuna.Study, spec: RunSpec, start: int, trials: Sequence[optuna.trial.FrozenTrial] | None = None
) -> int:
    """Queue the block of budget tickets that starts at ``start`` (its missing ones); returns how many.

    The block's first ticket names where the next block starts (``record.TICKET``): the
    worker that claims it makes that block before it trains, so the queue never runs dry
    and no block is made twice. A worker that dies meanwhile leaves a retry of its trial
    carrying the same ticket, and whoever claims the retry makes what is missing.
    ``trials`` are the run's trials as read just now (read here when not given).
    """
    budget = spec.budget.n_trials or 0
    end = min(start + TICKET_BLOCK, budget)
    if start >= end:
        return 0
    trials = study.get_trials(deepcopy=False) if trials is None else trials
    made = {ticket_index(t) for t in trials} - {None}
    follows = end if end < budget else None
    tickets = [
        _ticket({}, ticket={"index": i, "next": follows if i == start else None}) for i in range(start, end)
    ]
    study.add_trials([t for t in tickets if ticket_index(t) not in made])
    return sum(ticket_index(t) not in made for t in tickets)


def ticket_index(trial: optuna.trial.FrozenTrial) -> int | None:
    """The trial's place in the run's budget when it was a budget ticket."""
    ticket = trial.system_attrs.get(record.TICKET.key)
    return ticket["index"] if ticket else None


def tickets_to_make(spec: RunSpec, trials: Sequence[optuna.trial.FrozenTrial]) -> int:
    """The budget tickets a run has still to make (a block at a time, as workers go): what
    its trial budget plans beyond the last ticket stored. Nothing for a grid, a time-only
    run, or a run from before blocks (its whole budget was stored when it was created)."""
    made = [i for i in map(ticket_index, trials) if i is not None]
    if spec.exhaustive or spec.budget.n_trials is None or not made:
        return 0
    return max(0, spec.budget.n_trials - (max(made) + 1))


def next_block(trial: optuna.trial.FrozenTrial) -> int | None:
    """Where the next block of budget tickets starts, when ``trial`` is the first of its block."""
    ticket = trial.system_attrs.get(record.TICKET.key)
    return ticket.get("next") if ticket else None


def add_tickets(
    run: Run, queue: Sequence[dict[str, Any]], user_attrs: dict[str, Any] | None = None
) -> list[int]:
    """Queue one waiting trial per fixed-params dict; returns their trial numbers."""
    numbers = []
    for params in queue:
        trial_id = run.storage.create_new_trial(run.study_id, template_trial=_ticket(params, user_attrs))
        numbers.append(run.storage.get_trial_number_from_id(trial_id))
    return numbers


def requeue(run: Run, trial: optuna.trial.FrozenTrial) -> None:
    """Queue ``trial``'s configuration again, once, after its worker died (with its budget
    ticket: if it was to make the next block, its retry makes it)."""
    ticket = trial.system_attrs.get(record.TICKET.key)
    run.study.add_trial(_ticket(dict(trial.params), {record.RETRY_OF.key: trial.number}, ticket))


#: Runs this process has opened, by storage and name. Reusing the study keeps Optuna's
#: trial cache warm, so re-reading a run on an RDB storage fetches only unfinished and new
#: trials instead of all of them (a journal storage is incremental anyway).
_opened: dict[tuple[int, str], Run] = {}


def _handle(name: str, spec: RunSpec, study_id: int, storage_url: str | None, study: optuna.Study) -> Run:
    return Run(name, spec, study_id, resolve_url(storage_url), loaded=study)


def _remember(run: Run) -> Run:
    _opened[(id(run.storage), run.name)] = run
    return run


def load_run(name: str, storage_url: str | None = None) -> Run:
    """The run called ``name``; RunNotFound names the runs that do exist."""
    storage = open_storage(storage_url)
    opened = _opened.get((id(storage), name))
    try:
        study_id = storage.get_study_id_from_name(name)
        if opened is not None and opened.study_id == study_id:
            return _refreshed(opened)
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        known = [s.study_name for s in storage.get_all_studies()]
        hint = f"; runs here: {', '.join(known[:10])}" if known else "; this storage has no runs yet"
        raise RunNotFound(f"no run named {name!r}{hint}") from None
    raw_spec = study.user_attrs.get(record.SPEC.key)
    if raw_spec is None:
        raise RunNotFound(f"study {name!r} was not created by Sweetspot (it has no run spec)")
    return _remember(_handle(name, stored_spec(study.user_attrs), study_id, storage_url, study))


def stored_spec(attrs: dict[str, Any]) -> RunSpec:
    """The spec stored with a run, read with its model file's or objective's stored
    description (a stored run's code is never imported to read it)."""
    return RunSpec.from_stored(attrs[record.SPEC.key], stored_source(attrs))


def stored_source(attrs: dict[str, Any]) -> ModelSource | None:
    """The model file or objective stored with a run, or None for a built-in family's run."""
    raw = attrs.get(record.MODEL_SOURCE.key)
    return ModelSource.from_dict(raw) if raw else None


def _refreshed(run: Run) -> Run:
    """``run`` with its spec as stored now: extending a run rewrites its budget."""
    raw_spec = run.attrs().get(record.SPEC.key)
    if raw_spec == run.spec.to_dict():
        return run
    spec = RunSpec.from_stored(raw_spec, run.spec.source)
    return _remember(_handle(run.name, spec, run.study_id, run.storage_url, run.study))


def store_spec(run: Run, spec: RunSpec) -> Run:
    """Replace the run's stored spec (only its budget may change) and return the new handle."""
    run.study.set_user_attr(record.SPEC.key, spec.to_dict())
    return _remember(_handle(run.name, spec, run.study_id, run.storage_url, run.study))


@dataclass(frozen=True)
class RunEntry:
    """A run as the storage lists it: its name and attributes, without its trials."""

    name: str
    attrs: dict[str, Any]


def run_entries(storage_url: str | None = None) -> list[RunEntry]:
    """Every Sweetspot run in the storage, from one read of the study list (Optuna's: a
    journal is replayed; the dashboard reads ``tuning.reading.trials.run_entries``)."""
    studies = open_storage(storage_url).get_all_studies()
    return [RunEntry(s.study_name, s.user_attrs) for s in studies if record.SPEC.key in s.user_attrs]


def stop_requested(attrs: dict[str, Any]) -> bool:
    """True while a stop request stands; extending a run withdraws it (stores None)."""
    return attrs.get(record.STOP_REQUESTED_AT.key) is not None


def has_result(attrs: dict[str, Any]) -> bool:
    """True once the run has ended; extending or reopening a run clears it (stores None)."""
    return attrs.get(record.RESULT.key) is not None


def deadline_passed(run: Run, attrs: dict[str, Any] | None = None) -> bool:
    """True once the run's time budget (counted from its creation) is spent."""
    timeout = run.spec.budget.timeout_s
    created = (attrs or run.attrs())[record.CREATED_AT.key]
    return timeout is not None and time.time() > created + timeout


def request_stop(run: Run) -> None:
    """Ask every worker, on any machine, to end after its current trial."""
    if not stop_requested(run.attrs()):
        run.study.set_user_attr(record.STOP_REQUESTED_AT.key, time.time())


def delete_run(run: Run) -> None:
    """Remove the run and its trials from the storage, and its weights and logs from this machine."""
    from tuning.storage.artifacts import remove_files  # here: artifacts imports this module

    optuna.delete_study(study_name=run.name, storage=run.storage)
    _opened.pop((id(run.storage), run.name), None)
    remove_files(run.name)
