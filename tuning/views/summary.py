"""Read-only views of a run for the CLI and the dashboard: its state, counts and best.

Nothing here writes to the storage or imports torch. A trial whose worker is gone is
shown as failed here even before a worker marks it so in the storage.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from tuning.storage.inherit import WARM_START_ATTR
from tuning.storage.lifecycle import REOPENED_ATTR, TrialOrigin, history, trial_origin
from tuning.storage.liveness import ERROR_ATTR, WORKER_TRIAL_ATTR, orphaned_trials, worker_records
from tuning.storage.notes import read_notes
from tuning.storage.runs import (
    CREATED_ATTR,
    OWNER_ATTR,
    RESULT_ATTR,
    Run,
    has_result,
    load_run,
    run_entries,
    stop_requested,
)
from tuning.storage.urls import resolve_url

METRIC = "val_mse"
CURVE_ATTR = "curve"
PARAM_PREFIX = "param_"  # trial_rows' columns of hyperparameters
STARTUP_GRACE_S = 60.0
ACTIVE_STATES = ("starting", "running", "stopping")


@dataclass(frozen=True)
class RunSummary:
    """Everything ``show --json`` prints and the dashboard's header shows."""

    name: str
    strategy: str
    state: str  # starting, running, stopping, finished, stopped, failed, interrupted
    dataset: str
    n_trials: int | None  # the budget: grid size or trial count; None for time-only
    n_complete: int  # the run's own: inherited trials are counted apart
    n_failed: int
    n_pruned: int
    n_running: int
    n_waiting: int
    best_trial: int | None
    best_params: dict[str, Any] | None
    best_value: float | None
    test_loss: float | None
    metric: str
    created_at: float
    finished_at: float | None
    workers_alive: int
    owner: str | None
    error: str | None
    # RUNNING trials whose worker is gone, number → why, counted as failed above. A live
    # worker's heartbeat records them failed in the storage; with none left, nobody does,
    # and every view shows them failed anyway rather than "running" forever.
    orphans: dict[int, str]
    n_inherited: int = 0  # finished trials a warm start copied in; not part of the budget
    n_hand_picked: int = 0  # configurations queued by hand, in any state; on top of the budget
    warm_start: dict[str, Any] | None = None  # {"from": run, "inherited": n, "skipped": n}
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier results, oldest first
    note: str = ""  # Markdown, as written (the demo shows it as plain text)
    tags: list[str] = field(default_factory=list)
    trial_notes: dict[int, str] = field(default_factory=dict)  # trial number → its short note

    @property
    def trials_planned(self) -> int | None:
        """Trials the run makes in all: its budget plus the hand-picked ones (None: time-only)."""
        return self.n_trials + self.n_hand_picked if self.n_trials is not None else None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(run: Run, trials: list[FrozenTrial] | None = None) -> RunSummary:
    """The run's summary; pass ``trials`` when the caller has read them already."""
    now = time.time()
    attrs = run.attrs()
    trials = run.study.get_trials(deepcopy=False) if trials is None else trials
    orphaned = {t.number: why for t, why in orphaned_trials(trials, attrs, run.spec.grace_s, now)}
    counts = {state: 0 for state in TrialState}
    origins = {origin: 0 for origin in TrialOrigin}
    for trial in trials:
        origins[trial_origin(trial)] += 1
        if trial_origin(trial) is not TrialOrigin.INHERITED:
            counts[TrialState.FAIL if trial.number in orphaned else trial.state] += 1
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    best = min(complete, key=lambda t: t.value) if complete else None  # type: ignore[arg-type,return-value]
    result = attrs.get(RESULT_ATTR) or {}  # None once an extension reopened the run
    live = sum(r.is_alive(run.spec.grace_s, now) for r in worker_records(attrs).values())
    notes = read_notes(attrs)
    return RunSummary(
        name=run.name,
        strategy=run.spec.strategy.value,
        state=_state(attrs, result, live, now),
        dataset=run.spec.dataset.name,
        n_trials=run.spec.n_trials_planned(),
        n_complete=counts[TrialState.COMPLETE],
        n_failed=counts[TrialState.FAIL],
        n_pruned=counts[TrialState.PRUNED],
        n_running=counts[TrialState.RUNNING],
        n_waiting=counts[TrialState.WAITING],
        best_trial=best.number if best else None,
        best_params=dict(best.params) if best else None,
        best_value=best.value if best else None,
        test_loss=result.get("test_loss"),
        metric=METRIC,
        created_at=attrs[CREATED_ATTR],
        finished_at=result.get("finished_at"),
        workers_alive=live,
        owner=attrs.get(OWNER_ATTR),
        error=result.get("error") or _first_error(trials),
        orphans=orphaned,
        n_inherited=origins[TrialOrigin.INHERITED],
        n_hand_picked=origins[TrialOrigin.HAND_PICKED],
        warm_start=attrs.get(WARM_START_ATTR),
        history=[past.to_dict() for past in history(attrs)],
        note=notes.note,
        tags=list(notes.tags),
        trial_notes=notes.trial_notes,
    )


_ENDED: dict[tuple[str, str, float], RunSummary] = {}  # (storage URL, name, created at) →


def run_summaries(storage_url: str | None = None) -> list[RunSummary]:
    """Every run's summary, newest first: what the Home page, ``ls`` and the demo's
    capacity check show or count.

    A run's trials do not change while it has a result (only an extension, which clears
    the result, or its deletion do), so the summary of an ended run is computed once per
    process and kept; each call reads the list of runs (one query) and the trials of the
    runs still going. Hundreds of finished runs on PostgreSQL then cost one query, not one
    per run. The key holds the run's creation time, so a name used again after a deletion
    is a new run, and the result's time, so a run extended and ended again is summarised
    again; notes and tags, which change at any time, are taken from the list each call.
    """
    url = resolve_url(storage_url)
    summaries, listed = [], set()
    for entry in run_entries(url):
        result = entry.attrs.get(RESULT_ATTR) or {}
        key = (url, entry.name, float(entry.attrs.get(CREATED_ATTR, 0)), result.get("finished_at"))
        listed.add(key)
        summary = _ENDED.get(key) or summarize(load_run(entry.name, url))
        if has_result(entry.attrs):
            _ENDED[key] = summary
        notes = read_notes(entry.attrs)
        summaries.append(
            replace(summary, note=notes.note, tags=list(notes.tags), trial_notes=notes.trial_notes)
        )
    # Sessions call this from their own threads: iterate over a snapshot, forgive a twin's pop.
    for gone in [key for key in list(_ENDED) if key[0] == url and key not in listed]:  # deleted runs
        _ENDED.pop(gone, None)
    return summaries


def _state(attrs: dict[str, Any], result: dict[str, Any], live: int, now: float) -> str:
    if result:
        return str(result["state"])
    if stop_requested(attrs):
        return "stopping" if live else "stopped"
    if live:
        return "running"
    # Workers start within seconds of a launch or an extension (REOPENED_ATTR).
    began = max(attrs[CREATED_ATTR], attrs.get(REOPENED_ATTR) or 0)
    joined = any(r.started_at >= began for r in worker_records(attrs).values())
    if not joined and now - began < STARTUP_GRACE_S:
        return "starting"
    return "interrupted"


def _first_error(trials: list[FrozenTrial]) -> str | None:
    for trial in trials:
        if trial.state is TrialState.FAIL and ERROR_ATTR in trial.user_attrs:
            return f"trial {trial.number}: {trial.user_attrs[ERROR_ATTR]}"
    return None


def learning_curve(trial: FrozenTrial) -> list[float]:
    """The trial's validation loss after each epoch (epoch 1 first), as stored so far.

    Workers store the whole curve as one attribute, refreshed about once a second while a
    trial trains: one storage write per epoch (Optuna's ``trial.report``) would cost more
    than training the article's model. Pruned runs also report each epoch to Optuna,
    which their pruner needs; the curve attribute stays the one source for charts.
    """
    return list(trial.user_attrs.get(CURVE_ATTR, ()))


def trial_rows(trials: list[FrozenTrial]) -> list[dict[str, Any]]:
    """One flat record per trial (queued tickets left out), for tables and exports."""
    rows = []
    for trial in trials:
        if trial.state is TrialState.WAITING:
            continue
        end = trial.datetime_complete
        start = trial.datetime_start
        rows.append(
            {
                "number": trial.number,
                "state": trial.state.name.lower(),
                "value": trial.value,
                **{f"{PARAM_PREFIX}{k}": v for k, v in trial.params.items()},
                "epochs_run": len(learning_curve(trial)),
                "duration_s": (end - start).total_seconds() if end and start else None,
                "started_at": start.timestamp() if start else None,
                "worker": trial.user_attrs.get(WORKER_TRIAL_ATTR),
                "origin": trial_origin(trial).value,
                "error": trial.user_attrs.get(ERROR_ATTR),
            }
        )
    return rows
