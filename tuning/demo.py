"""Demo mode: caps and ownership that let strangers use a public deployment safely.

Switched on by ``SWEETSPOT_DEMO=1`` in the environment; on Streamlit Community Cloud a
root-level ``SWEETSPOT_DEMO = "1"`` in the app's secrets becomes that variable. Each cap
can be changed with ``SWEETSPOT_DEMO_<CAP>`` (e.g. ``SWEETSPOT_DEMO_MAX_TRIALS=50``).
The caps are enforced here, in the engine, so ``launch`` refuses what the UI would hide.

Default caps were sized from measurements (``python -m bench.demo_memory``, numbers in
docs/deploy.md): a worker holds every model of a trial at once (one per fold and repeat),
so a 1,024-wide, 4-layer MLP trained 5 times on 5,000 rows peaks above 1 GiB on its own;
capping the width at 256 and the models per trial at 5 keeps a worker under 600 MiB, and
3 concurrent runs × 1 worker plus the Streamlit server inside 2.5 GB.
"""

from __future__ import annotations

import hmac
import os
import time
from dataclasses import dataclass, fields
from typing import Any

from tuning.data.csv_data import CsvLimits
from tuning.data.dataset import DatasetOption
from tuning.data.datasets import DATASETS
from tuning.definition.spec import RunSpec
from tuning.demo_mode import DEMO_ENV, demo_on
from tuning.errors import FieldError, SpecError, TuningError
from tuning.storage import record
from tuning.storage.owners import is_owner
from tuning.storage.runs import Run

ADMIN_TOKEN_ENV = "SWEETSPOT_ADMIN_TOKEN"


class NotAllowed(TuningError):
    """The demo forbids this to the current visitor."""


@dataclass(frozen=True)
class DemoLimits:
    """Every cap of a public deployment; the UI shows each beside its widget."""

    max_trials: int = 40
    max_minutes: int = 60
    max_epochs: int = 100
    max_workers: int = 1
    max_active_runs: int = 3
    max_active_runs_per_session: int = 1
    max_rows: int = 5_000
    max_upload_bytes: int = 1_000_000
    max_columns: int = 50
    max_hidden_size: int = 256
    max_models_per_trial: int = 5
    keep_runs_hours: float = 24.0

    @classmethod
    def from_env(cls) -> DemoLimits | None:
        """The caps in force, or None when demo mode is off."""
        if not demo_on():
            return None
        overrides: dict[str, Any] = {}
        for field in fields(cls):
            raw = os.environ.get(f"{DEMO_ENV}_{field.name.upper()}")
            if raw is not None:
                overrides[field.name] = float(raw) if field.type == "float" else int(raw)
        return cls(**overrides)

    def caps_by_field(self) -> dict[str, str]:
        """Each cap as a short phrase, keyed by the spec field it limits, for the UI to
        show beside that field's widget before anyone runs into it."""
        models = f"folds × repeats ≤ {self.max_models_per_trial}"
        return {
            "budget": f"demo cap: {self.max_trials} trials, {self.max_minutes} minutes",
            "workers": f"demo cap: {self.max_workers} worker(s)",
            "space.epochs": f"demo cap: {self.max_epochs} epochs",
            "space.hidden_size": f"demo cap: {self.max_hidden_size} units",
            "dataset.rows": f"demo cap: {self.max_rows:,} rows",
            "dataset.csv": (
                f"demo cap: {self.max_upload_bytes / 1e6:g} MB, {self.max_rows:,} rows, "
                f"{self.max_columns} columns (also after one-hot encoding)"
            ),
            "cv_folds": f"demo cap: {models}",
            "repeats": f"demo cap: {models}",
        }

    def fit(self, spec: RunSpec) -> RunSpec | None:
        """``spec`` with its budget and workers brought within the caps, as the Home page
        offers a preset to the demo's visitors (the houses search's 60 trials and 2 workers
        become 40 and 1); None when a cap that no budget changes still refuses it (a grid
        larger than the trial cap, code of its own, a wider network).
        """
        raw = spec.to_dict()
        budget = raw.setdefault("budget", {})
        if not spec.exhaustive:
            budget["n_trials"] = min(spec.budget.n_trials or self.max_trials, self.max_trials)
        if spec.budget.timeout_s is not None:
            budget["timeout_s"] = min(spec.budget.timeout_s, self.max_minutes * 60)
        raw["workers"] = min(spec.workers, self.max_workers)
        fitted = RunSpec.from_dict(raw, source=spec.source)
        try:
            check_spec(fitted, self)
        except SpecError:
            return None
        return fitted

    def csv_limits(self) -> CsvLimits:
        return CsvLimits(
            max_bytes=self.max_upload_bytes, max_rows=self.max_rows, max_columns=self.max_columns
        )


def csv_limits() -> CsvLimits:
    """The CSV caps in force: the demo's when it is on, else the defaults."""
    limits = DemoLimits.from_env()
    return limits.csv_limits() if limits else CsvLimits()


def check_spec(spec: RunSpec, limits: DemoLimits, started_s_ago: float = 0.0) -> None:
    """Refuse a spec that exceeds a cap, naming the field and the cap.

    ``started_s_ago`` is the age of the run whose spec this is (an extension's): its time
    limit counts from its creation, and the cap bounds the time it may still go on.
    """
    errors = _budget_problems(spec, limits, started_s_ago)
    if spec.model is not None or spec.objective is not None:
        field = "model" if spec.model is not None else "objective"
        errors.append(FieldError(field, "the public demo runs no code of yours; it tunes the built-in MLP"))
    most_epochs = spec.largest("epochs") if "epochs" in spec.family.hyperparameters else 0
    if most_epochs > limits.max_epochs:
        errors.append(
            FieldError("space.epochs", f"{most_epochs} epochs is over the demo's cap of {limits.max_epochs}")
        )
    errors += spec.family.demo_caps(spec.largest, limits)
    models = max(spec.cv_folds, 1) * spec.repeats
    if models > limits.max_models_per_trial:
        message = (
            f"{max(spec.cv_folds, 1)} fold(s) × {spec.repeats} repeat(s) = {models} models per trial "
            f"is over the demo's cap of {limits.max_models_per_trial}"
        )
        # Shown beside whichever of the two widgets asks for more than one model.
        errors += [FieldError(f, message) for f in ("cv_folds", "repeats") if getattr(spec, f) > 1]
    if spec.workers > limits.max_workers:
        errors.append(
            FieldError("workers", f"{spec.workers} workers is over the demo's cap of {limits.max_workers}")
        )
    if DatasetOption.ROWS in DATASETS[spec.dataset.name].options and spec.dataset.rows > limits.max_rows:
        errors.append(
            FieldError(
                "dataset.rows", f"{spec.dataset.rows:,} rows is over the demo's cap of {limits.max_rows:,}"
            )
        )
    if errors:
        raise SpecError(errors)


def _budget_problems(spec: RunSpec, limits: DemoLimits, started_s_ago: float) -> list[FieldError]:
    """The trial budget within the trial cap, and the time left within the time cap."""
    errors = []
    planned = spec.n_trials_planned()
    if planned is None or planned > limits.max_trials:
        what = "a time-only budget" if planned is None else f"{planned:,} trials"
        field = "space" if spec.exhaustive else "budget.n_trials"
        errors.append(FieldError(field, f"{what} is over the demo's cap of {limits.max_trials} trials"))
    timeout = spec.budget.timeout_s
    if timeout is not None and timeout - started_s_ago > limits.max_minutes * 60:
        errors.append(
            FieldError(
                "budget.timeout_s",
                f"a time limit of {(timeout - started_s_ago) / 60:,.0f} minutes from now is over the "
                f"demo's cap of {limits.max_minutes} minutes",
            )
        )
    return errors


def is_admin(token: str | None) -> bool:
    """True when ``token`` matches the admin token from the secrets or environment."""
    expected = os.environ.get(ADMIN_TOKEN_ENV)
    return bool(expected) and bool(token) and hmac.compare_digest(expected or "", token or "")


def check_control(run: Run, visitor_id: str | None, token: str | None = None) -> None:
    """Refuse to change or copy someone else's run in demo mode (the admin may): stop,
    delete, extend, fork with its data, queue a configuration, or write notes.

    ``visitor_id`` is the browser's id as the cookie holds it: it is hashed and compared
    with the stored owner hash, so a cookie set to that (public) hash opens nothing.
    """
    if DemoLimits.from_env() is None or is_admin(token):
        return
    if not is_owner(run.attrs().get(record.OWNER.key), visitor_id):  # not a summary: no trial is read
        raise NotAllowed(
            f"run {run.name} was started by another visitor; in the demo you can stop, delete, "
            "extend, fork, queue configurations into or annotate only the runs you started"
        )


def guard_extension(run: Run, spec: RunSpec, visitor_id: str | None, token: str | None) -> DemoLimits | None:
    """Before an extension: the visitor's own run and, in demo mode, its new budget within
    the caps (the time it may still go on included). Returns the caps whose room the caller
    must hold (``demo_capacity.room_held``) while it stores the extension, or None when the
    demo is off or the admin asks."""
    check_control(run, visitor_id, token)
    limits = DemoLimits.from_env()
    if limits is None or is_admin(token):
        return None
    check_spec(spec, limits, started_s_ago=time.time() - run.attrs()[record.CREATED_AT.key])
    return limits


def guard_enqueue(run: Run, visitor_id: str | None, token: str | None) -> DemoLimits | None:
    """Before queueing a configuration: the visitor's own run. Returns the caps whose room
    the caller must hold while it queues it (the trial cap, and a slot if the run has
    ended), or None when the demo is off or the admin asks."""
    check_control(run, visitor_id, token)
    limits = DemoLimits.from_env()
    return None if limits is None or is_admin(token) else limits


def guard_launch(spec: RunSpec, storage_url: str, csv_text: str | None) -> DemoLimits | None:
    """The checks before a launch that need no lock: a file only for a dataset that takes
    one, and in demo mode the spec's caps. Returns the demo's caps (None when it is off).
    The data itself is checked under the caps in force by ``data.datasets.check_data``."""
    if csv_text is not None and not DATASETS[spec.dataset.name].uploaded:
        raise FieldError(
            "dataset.csv",
            f"a file was given, but the {spec.dataset.name!r} dataset takes none; "
            "to train on the file, use the 'csv' dataset and name its target column",
        )
    limits = DemoLimits.from_env()
    if limits is not None:
        check_spec(spec, limits)
    return limits
