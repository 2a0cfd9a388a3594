"""What the engine stores: every study and trial attribute key, the run's states, its result.

The storage is the contract between workers and the dashboard (they share nothing else),
so its schema lives here, in one place: every module that reads or writes an attribute
takes the key from this module, and docs/spec.md's "What a trial records" lists the same
keys (a test compares the two). The key strings are what journals and databases hold
already; changing one orphans every stored run, so add keys, never rename them.

Optuna's own trial record (parameters, value, state, start and end times, and the
per-epoch intermediate values the pruners read) is not listed: Optuna owns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tuning.errors import FieldError

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial


class Scope(StrEnum):
    """Where a key is stored."""

    STUDY = "study"  # a study user attribute: one per run
    TRIAL = "trial"  # a trial user attribute: one per trial
    TRIAL_SYSTEM = "trial system"  # a trial system attribute, in Optuna's own convention


@dataclass(frozen=True)
class Key:
    """One stored attribute: its key, what it holds, and who writes and reads it.

    ``suffix`` marks a family of keys (``key`` is then a prefix and the suffix says what
    follows it), e.g. one worker record per worker id.
    """

    key: str
    scope: Scope
    type: str
    written_by: str
    read_by: str
    doc: str
    suffix: str = ""

    @property
    def pattern(self) -> str:
        """The key as the docs show it: ``sweetspot:worker:<worker id>`` for a family."""
        return f"{self.key}<{self.suffix}>" if self.suffix else self.key

    def member(self, suffix: str) -> str:
        """The key of one member of a family, e.g. one worker's record."""
        if not self.suffix:
            raise ValueError(f"{self.key!r} is a single key, not a family of keys")
        return self.key + suffix


# --- study user attributes ---------------------------------------------------------------

SPEC = Key(
    "sweetspot:spec", Scope.STUDY, "dict (RunSpec.to_dict())",
    "storage.runs.create_run", "storage.runs.load_run, run_entries",
    "The run's validated spec; a study without it is not a Sweetspot run.",
)  # fmt: skip
CSV = Key(
    "sweetspot:csv", Scope.STUDY, "str (the CSV file's text)",
    "storage.runs.create_run", "storage.runs.Run.csv_text (workers, export, reproduce)",
    "An uploaded CSV dataset, stored with the run so a worker on any machine can train on it.",
)  # fmt: skip
CREATED_AT = Key(
    "sweetspot:created_at", Scope.STUDY, "float (Unix time)",
    "storage.runs.create_run", "storage.runs (ordering, deadline), views.summary",
    "When the run was stored; the time budget and the startup grace count from it.",
)  # fmt: skip
OWNER = Key(
    "sweetspot:owner", Scope.STUDY, "str (HMAC-SHA256 hex of the visitor id)",
    "storage.runs.create_run (demo launches)", "views.summary (demo controls and caps)",
    "The demo visitor who launched the run, as a keyed hash (storage/owners.py): the id is their "
    "cookie and never stored; only they (or an admin) may stop or delete the run.",
)  # fmt: skip
STOP_REQUESTED_AT = Key(
    "sweetspot:stop_requested_at", Scope.STUDY, "float (Unix time)",
    "storage.runs.request_stop; storage.lifecycle.extend (None)",
    "training.worker, training.finalize, views.summary",
    "Set when someone asks the run to stop; every worker leaves after its trial. An extension "
    "withdraws it by storing None (Optuna cannot delete an attribute).",
)  # fmt: skip
RESULT = Key(
    "sweetspot:result", Scope.STUDY, "dict (RunResult.to_dict())",
    "training.finalize; storage.lifecycle.reopen (None)", "views.summary, storage.artifacts, training.worker",
    "The run's outcome, written by the worker that finishes the run. Extending or reopening the "
    "run moves it into HISTORY and stores None, so the run can end (and test its winner) again.",
)  # fmt: skip
WEIGHTS = Key(
    "sweetspot:weights_b64", Scope.STUDY, "str (base64 of a torch.save file)",
    "training.finalize of runs stored before model folders (no longer written)",
    "storage.artifacts.read_weights, training.legacy (--trust-pickle)",
    "An older run's winner: weights and pickled preprocessing, when at most 1 MiB.",
)  # fmt: skip
MODEL = Key(
    "sweetspot:model:", Scope.STUDY, "str (base64 of a model folder as a zip)",
    "storage.artifacts.store_model (from training.finalize, training.refit)",
    "storage.artifacts.read_model (winner.load, the Monitor, predict, mlflow)",
    "The winner as a model folder (winner/folder.py) when at most 1 MiB, so a dashboard on "
    "another machine can offer it; always also in the run's folder in the data directory.",
    suffix="selected or refit",
)  # fmt: skip
REFIT = Key(
    "sweetspot:refit", Scope.STUDY, "dict (Refit.to_dict(): state, for which result, test metrics)",
    "storage.refit (the Refit button, finalize with spec refit), training.refit",
    "storage.refit.read_refit (views.summary, the Monitor, predict)",
    "A refit of the winner on training + validation rows: asked for, running, done or failed.",
)  # fmt: skip
BASELINES = Key(
    "sweetspot:baselines", Scope.STUDY,
    "dict (baseline name → BaselineResult.to_dict(): label, validation and test scores of every "
    "metric of the task, fit_s; or skipped, the reason)",
    "training.worker (once, before the first trial)", "views.outcome (Monitor, Compare, best panel, CLI)",
    "The baselines (mean/majority, linear/logistic, gradient boosting) on the run's own splits and "
    "preprocessing.",
)  # fmt: skip
WORKER_RECORD = Key(
    "sweetspot:worker:", Scope.STUDY, "dict (WorkerRecord: id, host, pid, started_at, beat_at, exited_at)",
    "storage.liveness.Heartbeat", "storage.liveness.worker_records (views.summary, reaping)",
    "Each worker's heartbeat: how the others and the dashboard tell a live worker from a dead one.",
    suffix="worker id",
)  # fmt: skip

HISTORY = Key(
    "sweetspot:history", Scope.STUDY, "list[dict] (PastResult.to_dict(), oldest first)",
    "storage.lifecycle.reopen", "storage.lifecycle.history (views.summary, the Monitor, export)",
    "The results a run had before it was extended or reopened: which winner, its test loss, when, why.",
)  # fmt: skip
REOPENED_AT = Key(
    "sweetspot:reopened_at", Scope.STUDY, "float (Unix time)",
    "storage.lifecycle.reopen", "views.summary (the startup grace of the new workers; views.progress)",
    "When the run was last extended or reopened; workers that joined before it are the old ones.",
)  # fmt: skip
WARM_START = Key(
    "sweetspot:warm_start", Scope.STUDY, "dict (from: run name, inherited: int, skipped: int)",
    "launcher.launch (warm_start=)", "views.summary (the Monitor)",
    "The run whose finished trials this run inherited, how many fit its space and how many did not.",
)  # fmt: skip
NOTE = Key(
    "sweetspot:note", Scope.STUDY, "str (Markdown, at most 10,000 characters)",
    "storage.notes.set_notes", "storage.notes.read_notes (views.summary, the Monitor, Runs, export)",
    "What someone wrote about the run; optuna-dashboard lists it with the study's attributes.",
)  # fmt: skip
TAGS = Key(
    "sweetspot:tags", Scope.STUDY, "list[str] (at most 20 short words)",
    "storage.notes.set_notes", "storage.notes.read_notes (the Runs page filters by them)",
    "Labels for finding runs again.",
)  # fmt: skip
PICK = Key(
    "sweetspot:pick", Scope.STUDY, "int (trial number), or None",
    "storage.picks.store_pick (actions.pick_winner)", "views.pareto (views.summary, training.finalize)",
    "The complete trial someone picked as the winner; None or absent: the front's best in the "
    "selection metric within the bounds. Picking on an ended run reopens it, so it is tested once.",
)  # fmt: skip
TRIAL_NOTE = Key(
    "sweetspot:trial_note:", Scope.STUDY, "str (at most 500 characters)",
    "storage.notes.set_trial_note", "storage.notes.read_notes (the Monitor's trials table, export)",
    "A short note on one trial, kept on the study: Optuna refuses to change a finished trial.",
    suffix="trial number",
)  # fmt: skip

MODEL_SOURCE = Key(
    "sweetspot:model_source", Scope.STUDY,
    "dict (ModelSource.to_dict(): reference, kind, sha256, text, space, hooks, defaults, data)",
    "storage.runs.create_run (a spec naming a model file or objective)",
    "storage.runs.load_run (the spec, without importing the code), training.worker (its copy's hash), "
    "views.summary, the Monitor",
    "The user's model file or objective the run tunes: its text and sha256, and what its probe found, "
    "so a stored run reads without importing it and a worker whose copy differs refuses to join.",
)  # fmt: skip

# --- trial attributes --------------------------------------------------------------------

WORKER = Key(
    "worker", Scope.TRIAL, "str (worker id)",
    "training.worker (claiming a trial)", "storage.liveness.orphaned_trials, reading.records.trial_rows",
    "The worker training the trial; its heartbeat says whether the trial is still alive.",
)  # fmt: skip
CURVE = Key(
    "curve", Scope.TRIAL, "list[float] (validation loss per epoch, epoch 1 first)",
    "training.worker (about once a second while training)", "reading.records.learning_curve",
    "The learning curve, the one source for charts and exports (not the intermediate values).",
)  # fmt: skip
LOSS_SPREAD = Key(
    "loss_spread", Scope.TRIAL, "float (standard deviation over repeats or folds)",
    "training.worker (complete trials)", "exports and Optuna tools (kept with the trial)",
    "How much the trial's value varies between its repeats or folds.",
)  # fmt: skip
METRICS = Key(
    "metrics", Scope.TRIAL, "dict (metric name → validation score)",
    "training.worker (complete trials)", "reading.records.trial_rows, exports",
    "Every metric of the run's task on validation (member mean); null where undefined.",
)  # fmt: skip
MEASURES = Key(
    "measures", Scope.TRIAL, "dict (params, latency_ms, train_s → value)",
    "training.worker (complete trials, when the run's objectives or bounds name them)",
    "reading.records.trial_rows, exports",
    "What the worker measured of a complete trial beside its metrics: its parameter count, its "
    "inference time per 1,000 rows, its training seconds.",
)  # fmt: skip
ERROR = Key(
    "error", Scope.TRIAL, "str",
    "training.worker (failed and pruned trials), storage.liveness.reap_orphans (dead workers)",
    "views.summary, training.finalize",
    "Why the trial failed or was pruned: divergence, a crash, or a dead worker.",
)  # fmt: skip
TRACEBACK = Key(
    "traceback", Scope.TRIAL, "str (Python traceback, at most 20,000 characters)",
    "training.worker (a trial failed by an exception in the user's model or objective)",
    "views.summary.trial_tracebacks (the Monitor's failed trials, local mode only), exports",
    "Where the user's code raised: the trial failed alone, the worker and the run went on.",
)  # fmt: skip
RETRY_OF = Key(
    "retry_of", Scope.TRIAL, "int (trial number)",
    "storage.runs.requeue", "storage.liveness.reap_orphans",
    "Marks a queued retry of a dead worker's trial, so a configuration is retried only once.",
)  # fmt: skip
FIXED_PARAMS = Key(
    "fixed_params", Scope.TRIAL_SYSTEM, "dict[str, Any] (hyperparameter → value)",
    "storage.runs (queued tickets)", "Optuna (its samplers suggest these values)",
    "A queued trial's fixed configuration (a grid point, or a retry), in Optuna's enqueue convention.",
)  # fmt: skip

CONSTRAINT = Key(
    "constraints:", Scope.TRIAL_SYSTEM, "float (the value beyond the bound; > 0 violates it)",
    "training.worker (Optuna's Trial.set_constraint)", "Optuna's samplers and best_trials, views.pareto",
    "How far a complete trial breaks each of the run's bounds, in Optuna's convention: it is "
    "feasible when every value is <= 0.",
    suffix="bound, e.g. max_params",
)  # fmt: skip

TICKET = Key(
    "sweetspot:ticket", Scope.TRIAL_SYSTEM,
    "dict (index: int, the ticket's place in the budget; next: int or null)",
    "storage.runs.add_budget_tickets (a block at a time)", "training.worker.TrialQueue, storage.lifecycle",
    "A budget ticket's place; the first of each block names where the next block starts, and the "
    "worker that claims it makes that block, so a budget of 100,000 trials is not stored up front.",
)  # fmt: skip

ORIGIN = Key(
    "origin", Scope.TRIAL, "str (a TrialOrigin; absent means sampled)",
    "storage.lifecycle.enqueue (hand-picked tickets), storage.inherit (inherited trials)",
    "training.worker (claim order), views.summary (counts, tables), views.figures (markers)",
    "Where a trial's configuration came from, when not from the run's own strategy.",
)  # fmt: skip
INHERITED_FROM = Key(
    "inherited_from", Scope.TRIAL, "str (run name#trial number)",
    "storage.inherit (warm start)", "exports and Optuna tools (kept with the trial)",
    "The trial of the earlier run that an inherited trial copies.",
)  # fmt: skip

#: Every key the engine writes, in the order docs/spec.md lists them.
KEYS: tuple[Key, ...] = (
    SPEC, CSV, CREATED_AT, OWNER, STOP_REQUESTED_AT, RESULT, WEIGHTS, MODEL, REFIT, BASELINES, WORKER_RECORD,
    HISTORY, REOPENED_AT, WARM_START, NOTE, TAGS, PICK, TRIAL_NOTE, MODEL_SOURCE,
    WORKER, CURVE, LOSS_SPREAD, METRICS, MEASURES, ERROR, TRACEBACK, RETRY_OF, ORIGIN, INHERITED_FROM,
    FIXED_PARAMS, CONSTRAINT, TICKET,
)  # fmt: skip


def score(trial: FrozenTrial) -> float | None:
    """The trial's score in the run's selection metric: its first value.

    Optuna's ``trial.value`` refuses a study of several objectives; the selection metric is
    always the first of them, so every view of one score reads this instead.
    """
    return trial.values[0] if trial.values else None


class TrialOrigin(StrEnum):
    """Where a trial's configuration came from (``ORIGIN``): tables and charts mark all but SAMPLED."""

    SAMPLED = "sampled"  # proposed by the run's strategy (or a grid point); stored as no attribute
    HAND_PICKED = "hand-picked"  # queued by someone (storage.lifecycle.enqueue)
    INHERITED = "inherited"  # copied from another run by a warm start (storage.inherit)


class RunState(StrEnum):
    """A run's state, as summaries, the CLI and the dashboard show it.

    FINISHED, STOPPED and FAILED are stored in the run's result; the others are derived
    from stop requests and worker heartbeats while no result exists (INTERRUPTED: no
    live worker and no result, e.g. after a reboot).
    """

    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @property
    def active(self) -> bool:
        """True while workers may still write to the run (or are about to start)."""
        return self in (RunState.STARTING, RunState.RUNNING, RunState.STOPPING)


#: The states a run's result can hold: how a run ended.
RESULT_STATES = (RunState.FINISHED, RunState.STOPPED, RunState.FAILED)


@dataclass(frozen=True)
class RunResult:
    """The run's outcome, stored once under ``RESULT`` by the worker that finishes the run.

    ``best_trial`` and ``test_loss`` (the winner's test score in the selection metric)
    are set when some trial completed, with ``test_metrics`` (every metric of the task on
    test) and ``test_picture`` (``views.outcome.winner_picture``); ``error`` (the first
    failed trial's) when none did.
    """

    state: RunState
    finished_at: float
    test_loss: float | None = None
    best_trial: int | None = None
    error: str | None = None
    test_metrics: dict[str, float | None] | None = None
    test_picture: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.state not in RESULT_STATES:
            allowed = ", ".join(RESULT_STATES)
            raise FieldError(f"{RESULT.key}.state", f"must be one of {allowed}, got {self.state!r}")
        object.__setattr__(self, "state", RunState(self.state))  # a stored string becomes the enum

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, as stored: the state as its string."""
        return {
            "state": str(self.state),
            "finished_at": self.finished_at,
            "test_loss": self.test_loss,
            "best_trial": self.best_trial,
            "error": self.error,
            "test_metrics": self.test_metrics,
            "test_picture": self.test_picture,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunResult:
        """Read a stored result; results stored before this class omit the unset fields."""
        for field in ("state", "finished_at"):
            if field not in raw:
                raise FieldError(f"{RESULT.key}.{field}", "is missing from the stored result")
        return cls(
            state=raw["state"],
            finished_at=float(raw["finished_at"]),
            test_loss=raw.get("test_loss"),
            best_trial=raw.get("best_trial"),
            error=raw.get("error"),
            test_metrics=raw.get("test_metrics"),
            test_picture=raw.get("test_picture"),
        )
