"""Small specs and helpers shared by the tests that run real searches."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import TrialState

from tuning.definition.spec import RunSpec
from tuning.storage.runs import Run, create_run, load_run
from tuning.training.worker import Worker, WorkerOptions
from tuning.views.summary import RunSummary, summarize

QUICK_SPACE: dict[str, Any] = {
    "hidden_size": {"type": "int", "low": 4, "high": 32},
    "lr": {"type": "float", "low": 1e-3, "high": 3e-2, "log": True},
    "batch_size": {"type": "choice", "values": [16, 32]},
    "epochs": 3,
}


def quick_spec(**changes: Any) -> RunSpec:
    """A run that trains in a fraction of a second per trial."""
    raw = {
        "dataset": {"name": "synthetic-houses", "rows": 200, "seed": 0},
        "strategy": "random",
        "budget": {"n_trials": 6},
        "space": QUICK_SPACE,
        **changes,
    }
    return RunSpec.from_dict(raw)


def run_in_process(spec: RunSpec, storage_url: str, name: str = "run") -> Run:
    """Create the run and work it to the end with one worker in this process."""
    create_run(spec, name, storage_url)
    Worker(name, storage_url, WorkerOptions()).work()
    return load_run(name, storage_url)


def wait_until_ended(name: str, storage_url: str, timeout_s: float = 120) -> RunSummary:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        summary = summarize(load_run(name, storage_url))
        if not summary.active:
            return summary
        time.sleep(0.5)
    raise AssertionError(f"run {name} still {summary.state} after {timeout_s} s: {summary}")


def finished_params(run: Run) -> list[dict[str, Any]]:
    return [t.params for t in run.study.get_trials(states=(TrialState.COMPLETE,))]


@dataclass
class RecordedProgress:
    """A trainer's ``Progress`` without a worker: curves kept by trial number, and the run
    stopped (``stop_reason``) from the ``stop_after``-th question on."""

    stop_after: int | None = None
    curves: dict[int, list[float]] = field(default_factory=dict)
    asked: int = 0

    def publish(self, trial: optuna.Trial, curve: list[float]) -> None:
        self.curves[trial.number] = curve

    def stop_reason(self) -> str | None:
        self.asked += 1
        return (
            "the run was stopped" if self.stop_after is not None and self.asked >= self.stop_after else None
        )
