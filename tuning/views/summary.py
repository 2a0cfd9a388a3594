"""Read-only views of a run for the CLI and the dashboard: its state, counts and best.

Nothing here writes to the storage or imports torch. A trial whose worker is gone is
shown as failed here even before a worker marks it so in the storage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from tuning.data.datasets import DATASETS, target_unit
from tuning.definition.objectives import label_of, unit_of
from tuning.definition.spec import RunSpec
from tuning.models.reference import CodeKind
from tuning.models.source import ModelSource
from tuning.reading.trials import read_run, run_entries
from tuning.storage import record
from tuning.storage.lifecycle import history, trial_origin
from tuning.storage.liveness import orphaned_trials, worker_records
from tuning.storage.notes import read_notes
from tuning.storage.record import RunResult, RunState, TrialOrigin, score
from tuning.storage.runs import Run, stop_requested
from tuning.storage.urls import resolve_url
from tuning.views.pareto import Tradeoffs, tradeoffs, trial_numbered, winner_trial

STARTUP_GRACE_S = 60.0


@dataclass(frozen=True)
class RunSummary:
    """Everything ``show --json`` prints and the dashboard's header shows."""

    name: str
    strategy: str
    state: RunState
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
    metric: str  # the selection metric's name ("mse", "accuracy", ...); best_value is in it
    metric_unit: str  # what best_value and test_loss are measured in ("$1000s²", "share correct")
    task: str
    test_metrics: dict[str, float | None] | None  # every metric of the task, the winner on test
    baselines: dict[str, Any] | None  # record.BASELINES, once the first worker stored them
    created_at: float
    finished_at: float | None
    workers_alive: int
    owner: str | None  # a keyed hash of the visitor id (storage/owners.py), never the id itself
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
    # Runs of several objectives or with bounds only (left out of ``to_dict`` otherwise):
    objectives: list[dict[str, str]] | None = None  # name, direction, label, unit of each
    pareto: list[dict[str, Any]] | None = None  # the front: number, values by objective, params
    winner: int | None = None  # the trial tested (or to be tested) on held-out rows: best_trial
    picked: bool = False  # the winner was picked by someone, not by the default rule
    n_infeasible: int = 0  # complete trials that break a bound
    code: dict[str, str] | None = None  # a model file or objective: kind, reference, sha256
    tests_winner: bool = True  # False for an Optuna objective: no test rows, no weights, no baselines
    reopened_at: float | None = None  # when an extension (or a hand-picked ticket) last reopened it
    dataset_file: str | None = None  # an uploaded table's file name ("houses.csv"); dataset is "csv"

    @property
    def trials_planned(self) -> int | None:
        """Trials the run makes in all: its budget plus the hand-picked ones (None: time-only)."""
        return self.n_trials + self.n_hand_picked if self.n_trials is not None else None

    @property
    def active(self) -> bool:
        return self.state.active

    def active_seconds(self, now: float) -> float:
        """Seconds the run has been going until ``now`` (or its end): the time it sat ended
        before an extension reopened it is left out."""
        end = self.finished_at or now
        idle = sum(max(past["superseded_at"] - past["finished_at"], 0.0) for past in self.history)
        return max(end - self.created_at - idle, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data; a run of one objective without bounds reads as it always has."""
        data = asdict(self)
        return data if self.objectives is not None else {k: v for k, v in data.items() if k not in TRADEOFF}


#: The fields only a run of several objectives or with bounds has.
TRADEOFF = ("objectives", "pareto", "winner", "picked", "n_infeasible")


@dataclass(frozen=True)
class TrialFacts:
    """What a summary takes from a run's trials: read from Optuna trials here, or from a
    run's rows (``views.table_summary``) on the dashboard's read path."""

    counts: dict[TrialState, int]  # by state, a dead worker's trials as failed, inherited ones left out
    origins: dict[TrialOrigin, int]
    best: tuple[int, dict[str, Any], float | None] | None  # the winner: number, params, score
    first_error: str | None
    orphans: dict[int, str]
    tradeoff: dict[str, Any] = field(default_factory=dict)  # ``tradeoff_fields`` of a trade-off run


def summarize(
    run: Run, trials: list[FrozenTrial] | None = None, points: Tradeoffs | None = None
) -> RunSummary:
    """The run's summary; pass ``trials`` and a trade-off run's ``points`` when the caller has them."""
    now = time.time()
    attrs = run.attrs()
    trials = run.study.get_trials(deepcopy=False) if trials is None else trials
    orphaned = {t.number: why for t, why in orphaned_trials(trials, attrs, run.spec.grace_s, now)}
    counts, origins = _counts(trials, orphaned)
    best, points = _winner(run, trials, attrs, points)
    number = best.number if best else None
    tradeoff = {}
    if points is not None:
        tradeoff = tradeoff_fields(run.spec, points, number, attrs, lambda n: _trial(trials, n).params)
    facts = TrialFacts(
        counts, origins, (best.number, dict(best.params), score(best)) if best else None,
        _first_error(trials), orphaned, tradeoff,
    )  # fmt: skip
    return summary_of(run, attrs, facts, now)


def _trial(trials: list[FrozenTrial], number: int) -> FrozenTrial:
    found = trial_numbered(trials, number)
    assert found is not None, number  # a front's trial is one of the trials it was made of
    return found


def summary_of(run: Run, attrs: dict[str, Any], facts: TrialFacts, now: float) -> RunSummary:
    """The run's summary from its attributes and what its trials say."""
    metric = run.spec.selection
    stored = attrs.get(record.RESULT.key)  # None once an extension reopened the run
    result = RunResult.from_dict(stored) if stored else None
    live = sum(r.is_alive(run.spec.grace_s, now) for r in worker_records(attrs).values())
    counts, best = facts.counts, facts.best
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
        best_trial=best[0] if best else None,
        best_params=best[1] if best else None,
        best_value=best[2] if best else None,
        test_loss=result.test_loss if result else None,
        metric=metric.name,
        metric_unit=metric.unit_of(target_unit(run.spec.dataset)),
        test_metrics=result.test_metrics if result else None,
        baselines=attrs.get(record.BASELINES.key),
        created_at=attrs[record.CREATED_AT.key],
        finished_at=result.finished_at if result else None,
        workers_alive=live,
        owner=attrs.get(record.OWNER.key),
        error=(result.error if result else None) or facts.first_error,
        orphans=facts.orphans,
        dataset_file=run.spec.dataset.filename,
        **_lifecycle_fields(attrs, facts.origins),
        **facts.tradeoff,
        **_family_fields(run.spec),
    )


def _family_fields(spec: RunSpec) -> dict[str, Any]:
    """What the run's model family says: its task (an objective has none of Sweetspot's),
    its code, and whether its winner is tested."""
    task = "objective" if spec.objective else (spec.task or spec.selection.task).value
    return {"task": task, "code": code_of(spec.source), "tests_winner": spec.family.tests_winner}


def _lifecycle_fields(attrs: dict[str, Any], origins: dict[TrialOrigin, int]) -> dict[str, Any]:
    """What happened to the run after its launch: inherited and hand-picked trials, earlier
    results, reopening, and its notes and tags."""
    notes = read_notes(attrs)
    return {
        "n_inherited": origins[TrialOrigin.INHERITED],
        "n_hand_picked": origins[TrialOrigin.HAND_PICKED],
        "warm_start": attrs.get(record.WARM_START.key),
        "history": [past.to_dict() for past in history(attrs)],
        "reopened_at": attrs.get(record.REOPENED_AT.key),
        "note": notes.note,
        "tags": list(notes.tags),
        "trial_notes": notes.trial_notes,
    }


def _winner(
    run: Run, trials: list[FrozenTrial], attrs: dict[str, Any], points: Tradeoffs | None
) -> tuple[FrozenTrial | None, Tradeoffs | None]:
    """The run's winner (``views.pareto.winner_trial``), and a trade-off run's points
    (computed here when the caller keeps none)."""
    points = tradeoffs(run.spec, trials) if run.spec.tradeoff and points is None else points
    return winner_trial(run.spec, trials, attrs.get(record.PICK.key), points), points


def tradeoff_fields(
    spec: RunSpec,
    points: Tradeoffs,
    winner: int | None,
    attrs: dict[str, Any],
    params_of: Callable[[int], dict[str, Any]],
) -> dict[str, Any]:
    """What a run of several objectives or with bounds adds: its objectives, its front (each
    trial's values by objective and its configuration, best in the selection metric first),
    its winner and whether someone picked it. ``params_of`` gives a trial's configuration."""
    unit = target_unit(spec.dataset)
    names = [goal.name for goal in spec.goals]
    objectives = [
        {
            "name": g.name,
            "direction": g.direction.value,
            "label": label_of(g.name),
            "unit": unit_of(g.name, unit),
        }
        for g in spec.goals
    ]
    pareto = [
        {"number": n, "values": dict(zip(names, values, strict=True)), "params": dict(params_of(n))}
        for n, values in points.front()
    ]
    return {
        "objectives": objectives,
        "pareto": pareto,
        "winner": winner,
        "picked": winner is not None and winner == attrs.get(record.PICK.key),
        "n_infeasible": int((~points.feasible).sum()),
    }


def code_of(source: ModelSource | None) -> dict[str, str] | None:
    """Which code a run tunes, as ``show --json`` prints it (None: a built-in family)."""
    if source is None:
        return None
    return {"kind": source.kind.value, "reference": source.reference, "sha256": source.sha256}


def data_label(summary: RunSummary) -> str:
    """What the run tunes on, as the pages name it: a built-in dataset's name, an uploaded
    file's name, or, when the data is its code's own (dataset ``code``), that code:
    "your objective (train.py:objective)", "your model file (net.py)"."""
    if summary.dataset_file:
        return summary.dataset_file
    if summary.code is None or not DATASETS[summary.dataset].from_code:
        return summary.dataset
    what = "your objective" if summary.code["kind"] == CodeKind.OBJECTIVE.value else "your model file"
    return f"{what} ({PurePosixPath(summary.code['reference']).name})"


def space_label(spec: RunSpec, summary: RunSummary | None = None) -> str:
    """The hyperparameters a run searches, in words: "6 hyperparameters" of a declared space.

    An Optuna objective declares none: its ``trial.suggest_*`` calls define the space as it
    runs. Its run names those its trials sampled so far, as the ``summary`` knows them (the
    winner's and the front's: a branch other trials took may add more, hence "include"),
    and before any, "the hyperparameters your objective suggests".
    """
    if spec.objective is None:
        count = len(spec.searched())
        return f"{count} hyperparameter{'' if count == 1 else 's'}"
    sampled = set(summary.best_params or {}) if summary else set()
    for point in (summary.pareto if summary else None) or ():
        sampled.update(point["params"])
    if not sampled:
        return "the hyperparameters your objective suggests"
    return f"hyperparameters sampled so far include {', '.join(sorted(sampled))}"


def _counts(
    trials: list[FrozenTrial], orphaned: dict[int, str]
) -> tuple[dict[TrialState, int], dict[TrialOrigin, int]]:
    """Trials by state (a dead worker's as failed; inherited ones not counted) and by origin."""
    counts = {state: 0 for state in TrialState}
    origins = {origin: 0 for origin in TrialOrigin}
    for trial in trials:
        origin = trial_origin(trial)
        origins[origin] += 1
        if origin is not TrialOrigin.INHERITED:
            counts[TrialState.FAIL if trial.number in orphaned else trial.state] += 1
    return counts, origins


_ENDED: dict[tuple[str, str, float, float | None], RunSummary] = {}  # (URL, name, created, finished) →


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
        stored = entry.attrs.get(record.RESULT.key) or {}
        created = float(entry.attrs.get(record.CREATED_AT.key, 0))
        key = (url, entry.name, created, stored.get("finished_at"))
        listed.add(key)
        summary = _ENDED.get(key) or _read_summary(entry.name, url)
        if stored:
            _ENDED[key] = summary
        notes = read_notes(entry.attrs)
        summaries.append(
            replace(summary, note=notes.note, tags=list(notes.tags), trial_notes=notes.trial_notes)
        )
    # Sessions call this from their own threads: iterate over a snapshot, forgive a twin's pop.
    for gone in [key for key in list(_ENDED) if key[0] == url and key not in listed]:  # deleted runs
        _ENDED.pop(gone, None)
    return summaries


def _read_summary(name: str, url: str) -> RunSummary:
    """A run's summary through the dashboard's reader: rows made once, no journal replay."""
    from tuning.views.table_summary import summarize_table  # here: it builds on this module

    got = read_run(name, url)
    return summarize_table(got.run, got.table, got.attrs)


def _state(attrs: dict[str, Any], result: RunResult | None, live: int, now: float) -> RunState:
    if result:
        return result.state
    # Workers start within seconds of a launch or of a reopening (extend, a pick's test).
    began = max(attrs[record.CREATED_AT.key], attrs.get(record.REOPENED_AT.key) or 0)
    joined = any(r.started_at >= began for r in worker_records(attrs).values())
    starting = not joined and now - began < STARTUP_GRACE_S
    if stop_requested(attrs):  # a worker still to join will end the run, and write its result
        return RunState.STOPPING if live or starting else RunState.STOPPED
    if live:
        return RunState.RUNNING
    return RunState.STARTING if starting else RunState.INTERRUPTED


def _first_error(trials: list[FrozenTrial]) -> str | None:
    for trial in trials:
        if trial.state is TrialState.FAIL and record.ERROR.key in trial.user_attrs:
            return f"trial {trial.number}: {trial.user_attrs[record.ERROR.key]}"
    return None


def trial_tracebacks(trials: list[FrozenTrial]) -> dict[int, str]:
    """Failed trials' tracebacks by trial number: where the user's code (or ours) raised."""
    return {
        trial.number: trial.user_attrs[record.TRACEBACK.key]
        for trial in trials
        if trial.state is TrialState.FAIL and record.TRACEBACK.key in trial.user_attrs
    }


def failed_tracebacks(run: Run) -> dict[int, str]:
    """The tracebacks stored with the run's failed trials, by trial number (one read)."""
    return trial_tracebacks(run.study.get_trials(deepcopy=False, states=(TrialState.FAIL,)))
