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
from typing import Any

from tuning.errors import FieldError


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
    "storage.runs.request_stop", "training.worker, training.finalize, views.summary",
    "Set once when someone asks the run to stop; every worker leaves after its trial.",
)  # fmt: skip
RESULT = Key(
    "sweetspot:result", Scope.STUDY, "dict (RunResult.to_dict())",
    "training.finalize", "views.summary, storage.artifacts, training.worker",
    "The run's outcome, written once by the worker that finishes the run; never changes after.",
)  # fmt: skip
WEIGHTS = Key(
    "sweetspot:weights_b64", Scope.STUDY, "str (base64 of a torch.save file)",
    "storage.artifacts.store_weights (from training.finalize)", "storage.artifacts.read_weights",
    "The winner's weights when at most 1 MiB, so a dashboard on another machine can offer them.",
)  # fmt: skip
BASELINES = Key(
    "sweetspot:baselines", Scope.STUDY,
    "dict (constant/linear → label, validation and test scores of every metric of the task)",
    "training.worker (once, before the first trial)", "views.outcome (Monitor, Compare, best panel, CLI)",
    "The mean/majority and linear/logistic baselines on the run's own splits and preprocessing.",
)  # fmt: skip
WORKER_RECORD = Key(
    "sweetspot:worker:", Scope.STUDY, "dict (WorkerRecord: id, host, pid, started_at, beat_at, exited_at)",
    "storage.liveness.Heartbeat", "storage.liveness.worker_records (views.summary, reaping)",
    "Each worker's heartbeat: how the others and the dashboard tell a live worker from a dead one.",
    suffix="worker id",
)  # fmt: skip

# --- trial attributes --------------------------------------------------------------------

WORKER = Key(
    "worker", Scope.TRIAL, "str (worker id)",
    "training.worker (claiming a trial)", "storage.liveness.orphaned_trials, views.summary.trial_rows",
    "The worker training the trial; its heartbeat says whether the trial is still alive.",
)  # fmt: skip
CURVE = Key(
    "curve", Scope.TRIAL, "list[float] (validation loss per epoch, epoch 1 first)",
    "training.worker (about once a second while training)", "views.summary.learning_curve",
    "The learning curve, the one source for charts and exports (not the intermediate values).",
)  # fmt: skip
LOSS_SPREAD = Key(
    "loss_spread", Scope.TRIAL, "float (standard deviation over repeats or folds)",
    "training.worker (complete trials)", "exports and Optuna tools (kept with the trial)",
    "How much the trial's value varies between its repeats or folds.",
)  # fmt: skip
METRICS = Key(
    "metrics", Scope.TRIAL, "dict (metric name → validation score)",
    "training.worker (complete trials)", "views.summary.trial_rows, exports",
    "Every metric of the run's task on validation (member mean); null where undefined.",
)  # fmt: skip
ERROR = Key(
    "error", Scope.TRIAL, "str",
    "training.worker (failed and pruned trials), storage.liveness.reap_orphans (dead workers)",
    "views.summary, training.finalize",
    "Why the trial failed or was pruned: divergence, a crash, or a dead worker.",
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

#: Every key the engine writes, in the order docs/spec.md lists them.
KEYS: tuple[Key, ...] = (
    SPEC, CSV, CREATED_AT, OWNER, STOP_REQUESTED_AT, RESULT, WEIGHTS, BASELINES, WORKER_RECORD,
    WORKER, CURVE, LOSS_SPREAD, METRICS, ERROR, RETRY_OF, FIXED_PARAMS,
)  # fmt: skip


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
