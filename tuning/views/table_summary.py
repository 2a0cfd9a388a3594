"""The summary of a run read as rows: what the dashboard shows, without an Optuna trial per row.

The dashboard's readers (``tuning.reading``) hand over a ``TrialTable``: one record per
finished trial, made once, and the few unfinished trials as Optuna objects. Everything
``summarize`` takes from a run's trials (counts, origins, the winner, the first error, a
trade-off run's front) is taken here from those rows, vectorised, so a page of a
100,000-trial run costs what its new trials cost; the two summaries are the same
(``tests/views/test_table_summary.py`` holds them to it).
"""

from __future__ import annotations

import functools
import math
import time
from typing import Any

import numpy as np
import pandas as pd
from optuna.trial import TrialState

from tuning.reading.records import PARAM_PREFIX, TrialTable
from tuning.storage import record
from tuning.storage.lifecycle import trial_origin
from tuning.storage.liveness import orphaned_trials
from tuning.storage.record import TrialOrigin
from tuning.storage.runs import Run
from tuning.views.pareto import Tradeoffs, row_tradeoffs, winner_number
from tuning.views.summary import RunSummary, TrialFacts, summary_of, tradeoff_fields

STATES = {"complete": TrialState.COMPLETE, "pruned": TrialState.PRUNED, "fail": TrialState.FAIL}


def summarize_table(
    run: Run, table: TrialTable, attrs: dict[str, Any], points: Tradeoffs | None = None
) -> RunSummary:
    """``summarize`` of a run read as a table: the same summary, from its rows; pass a
    trade-off run's ``points`` when the caller keeps them (``RunWatcher``)."""
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
    if run.spec.tradeoff and points is None:
        points = row_tradeoffs(run.spec, finished)
    number = winner_number(run.spec, finished, attrs.get(record.PICK.key), points)
    best = None if number is None else (number, row_params(finished, number), _value(finished, number))
    params_of = functools.partial(row_params, finished)
    tradeoff = {} if points is None else tradeoff_fields(run.spec, points, number, attrs, params_of)
    facts = TrialFacts(counts, origins, best, _first_error(finished), orphans, tradeoff)
    return summary_of(run, attrs, facts, now)


def _row(finished: pd.DataFrame, number: int) -> dict[str, Any]:
    """The record of finished trial ``number``."""
    position = int(np.flatnonzero((finished["number"] == number).to_numpy())[0])
    return finished.iloc[[position]].to_dict("records")[0]


def row_params(finished: pd.DataFrame, number: int) -> dict[str, Any]:
    """The parameters of finished trial ``number``, as its trial has them."""
    row = _row(finished, number)
    params = {k[len(PARAM_PREFIX) :]: v for k, v in row.items() if k.startswith(PARAM_PREFIX)}
    return {k: v for k, v in params.items() if not _missing(v)}


def _value(finished: pd.DataFrame, number: int) -> float | None:
    value = _row(finished, number)["value"]
    return None if _missing(value) else float(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _first_error(finished: pd.DataFrame) -> str | None:
    failed = (finished["state"] == "fail") & finished["error"].notna()
    if not failed.any():
        return None
    numbers = finished["number"][failed]
    return f"trial {int(numbers.min())}: {finished['error'][numbers.idxmin()]}"
