"""One read of a run's trials as the dashboard takes it: finished ones as rows, the rest as trials.

A finished trial's row (``records_frame``) and learning curve never change, so the
dashboard's readers (``tuning.reading``) make them once and keep them as columns; only
the few unfinished trials stay Optuna objects. Everything a page shows (the summary, the
trials frame, the learning curves, the race) is computed from a ``TrialTable``, in time
that does not grow with a Python object per trial.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from optuna.trial import FrozenTrial, TrialState
from pandas.api.types import is_object_dtype

from tuning.definition.metrics import Direction
from tuning.storage.lifecycle import trial_origin
from tuning.storage.liveness import orphaned_trials
from tuning.storage.record import TrialOrigin
from tuning.storage.runs import Run
from tuning.views.summary import PARAM_PREFIX, RunSummary, TrialFacts, learning_curve, summary_of, trial_rows

BASE_COLUMNS = (
    "number", "state", "value", "epochs_run", "duration_s", "started_at", "worker", "origin", "error",
    "val_metrics",
)  # fmt: skip
STATES = {"complete": TrialState.COMPLETE, "pruned": TrialState.PRUNED, "fail": TrialState.FAIL}


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


def summarize_table(run: Run, table: TrialTable, attrs: dict[str, Any]) -> RunSummary:
    """``summarize`` of a run read as a table: the same summary, from its rows."""
    now = time.time()
    orphans = {t.number: why for t, why in orphaned_trials(list(table.live), attrs, run.spec.grace_s, now)}
    finished = table.finished
    origins = {o: 0 for o in TrialOrigin} | {
        TrialOrigin(o): int(n) for o, n in finished["origin"].value_counts().items()
    }
    own = finished["state"][finished["origin"] != TrialOrigin.INHERITED.value].value_counts()
    counts = {state: 0 for state in TrialState} | {STATES[s]: int(n) for s, n in own.items()}
    for trial in table.live:
        origin = trial_origin(trial)
        origins[origin] += 1
        if origin is not TrialOrigin.INHERITED:
            counts[TrialState.FAIL if trial.number in orphans else trial.state] += 1
    best = _best(finished, run.spec.selection.direction)
    return summary_of(run, attrs, TrialFacts(counts, origins, best, _first_error(finished), orphans), now)


def _best(finished: pd.DataFrame, direction: Direction) -> tuple[int, dict[str, Any], float] | None:
    """Number, parameters and score of the best complete trial (the first of equals)."""
    values = finished["value"].where(finished["state"] == "complete")
    if values.isna().all():
        return None
    top = values.max() if direction is Direction.MAXIMIZE else values.min()
    number = int(finished["number"][values == top].min())
    position = int(np.flatnonzero((finished["number"] == number).to_numpy())[0])
    row = finished.iloc[[position]].to_dict("records")[0]
    params = {k[len(PARAM_PREFIX) :]: v for k, v in row.items() if k.startswith(PARAM_PREFIX)}
    return number, {k: v for k, v in params.items() if not _missing(v)}, float(top)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _first_error(finished: pd.DataFrame) -> str | None:
    failed = (finished["state"] == "fail") & finished["error"].notna()
    if not failed.any():
        return None
    numbers = finished["number"][failed]
    return f"trial {int(numbers.min())}: {finished['error'][numbers.idxmin()]}"
