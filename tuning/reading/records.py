"""A trial as one flat record: what every table, export and chart of a run is built from.

``trial_rows`` flattens Optuna trials (state, score, parameters, timings, worker, origin,
error, metrics; a trade-off run's values, measures and bound violations); ``records_frame``
makes them a DataFrame with each trial's last epoch score. A finished trial never changes,
so the dashboard's readers (``reading.rows``) make its record once and keep it; a
``TrialTable`` is one read of a run as those records plus the few unfinished trials.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from optuna.trial import FrozenTrial, TrialState
from pandas.api.types import is_object_dtype

from tuning.storage import record
from tuning.storage.lifecycle import trial_origin
from tuning.storage.record import score

PARAM_PREFIX = "param_"  # trial_rows' columns of hyperparameters
BASE_COLUMNS = (
    "number", "state", "value", "epochs_run", "duration_s", "started_at", "worker", "origin", "error",
    "val_metrics",
)  # fmt: skip


def learning_curve(trial: FrozenTrial) -> list[float]:
    """The trial's validation loss after each epoch (epoch 1 first), as stored so far.

    Workers store the whole curve as one attribute, refreshed about once a second while a
    trial trains: one storage write per epoch (Optuna's ``trial.report``) would cost more
    than training the article's model. Pruned runs also report each epoch to Optuna,
    which their pruner needs; the curve attribute stays the one source for charts.
    """
    return list(trial.user_attrs.get(record.CURVE.key, ()))


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
                "value": score(trial),
                **{f"{PARAM_PREFIX}{k}": v for k, v in trial.params.items()},
                "epochs_run": len(learning_curve(trial)),
                "duration_s": (end - start).total_seconds() if end and start else None,
                "started_at": start.timestamp() if start else None,
                "worker": trial.user_attrs.get(record.WORKER.key),
                "origin": trial_origin(trial).value,
                "error": trial.user_attrs.get(record.ERROR.key),
                "val_metrics": trial.user_attrs.get(record.METRICS.key),
                **_tradeoff_columns(trial),
            }
        )
    return rows


def _tradeoff_columns(trial: FrozenTrial) -> dict[str, Any]:
    """A trade-off run's trial also has one value per objective (the selection metric's
    first), what the worker measured of it, and how far it breaks each bound."""
    columns: dict[str, Any] = {}
    if len(trial.values or ()) > 1:
        columns["values"] = list(trial.values)
    if record.MEASURES.key in trial.user_attrs:
        columns["measures"] = trial.user_attrs[record.MEASURES.key]
    if constraints := trial.constraints:
        columns["constraints"] = constraints
    return columns


def records_frame(trials: Sequence[FrozenTrial]) -> pd.DataFrame:
    """The engine's flat rows (queued tickets left out) plus each trial's last epoch score."""
    rows = trial_rows(list(trials))
    if not rows:
        return pd.DataFrame(columns=[*BASE_COLUMNS, "last_loss"])
    last = [_last_loss(t) for t in trials if t.state is not TrialState.WAITING]
    return pd.DataFrame(rows).assign(last_loss=last)


def joined_rows(first: pd.DataFrame, then: pd.DataFrame) -> pd.DataFrame:
    """``first``'s rows and ``then``'s, each column of the type one read of all would give.

    Rows made at different reads differ in types (a column of nothing but None is plain
    objects): ``then`` takes ``first``'s types where they fit, and a column that is still
    plain objects is inferred again, rather than converting 100,000 cells at every read.
    """
    if then.empty or first.empty:
        return (then if first.empty else first).infer_objects().reset_index(drop=True)
    then = then.copy()
    for column in then.columns.intersection(first.columns):
        kind = first[column].dtype
        if kind != then[column].dtype and not is_object_dtype(kind):
            try:
                then[column] = then[column].astype(kind)
            except (TypeError, ValueError):  # e.g. a parameter not sampled yet in an integer column
                continue
    joined = pd.concat([first, then], ignore_index=True)
    for column in [c for c in joined.columns if is_object_dtype(joined[c])]:
        inferred = joined[column].infer_objects()  # cheap when it stays plain objects
        if not is_object_dtype(inferred):
            joined[column] = inferred
    return joined


def _last_loss(trial: FrozenTrial) -> float | None:
    curve = learning_curve(trial)
    return curve[-1] if curve else None


@dataclass(frozen=True)
class TrialTable:
    """A run's trials at one read.

    ``finished`` holds one ``records_frame`` row per finished trial (in no set order),
    ``live`` the running and waiting trials, ``curves`` the learning curves of finished
    trials by number (only those asked for are read).
    """

    finished: pd.DataFrame
    live: tuple[FrozenTrial, ...]
    curves: Callable[[Sequence[int]], dict[int, list[float]]]

    @classmethod
    def of(cls, trials: Sequence[FrozenTrial]) -> TrialTable:
        """The table of trials read from Optuna (tests, and runs read whole anyway)."""
        done = [t for t in trials if t.state.is_finished()]
        curves = {t.number: learning_curve(t) for t in done}
        live = tuple(t for t in trials if not t.state.is_finished())
        return cls(records_frame(done), live, lambda numbers: {n: curves[n] for n in numbers if n in curves})
