"""A run as one JSON document: its spec, its outcome, its notes and every trial with its curve.

For keeping a search after its storage is gone, sharing it, or analysing it elsewhere
(``pandas.json_normalize(doc["trials"])`` gives a table). It holds plain data only, and
the spec in it launches the same search again (``RunSpec.from_dict(doc["spec"])``,
with ``doc["csv"]`` as the CSV of a ``csv`` dataset).
"""

from __future__ import annotations

from typing import Any

from optuna.trial import TrialState

from tuning.reading.records import PARAM_PREFIX, learning_curve, trial_rows
from tuning.storage.runs import Run
from tuning.views.summary import summarize

EXPORT_FORMAT = "sweetspot-run-v1"


def export_run(run: Run) -> dict[str, Any]:
    """The whole run, JSON-serialisable; queued, never started tickets are left out."""
    every = run.study.get_trials(deepcopy=False)
    summary = summarize(run, every)
    trials = [t for t in every if t.state is not TrialState.WAITING]
    records = []
    for trial, row in zip(trials, trial_rows(trials), strict=True):
        params = {k[len(PARAM_PREFIX) :]: v for k, v in row.items() if k.startswith(PARAM_PREFIX)}
        plain = {k: v for k, v in row.items() if not k.startswith(PARAM_PREFIX)}
        note = summary.trial_notes.get(trial.number, "")
        records.append({**plain, "params": params, "curve": learning_curve(trial), "note": note})
    return {
        "format": EXPORT_FORMAT,
        "name": run.name,
        "spec": run.spec.to_dict(),
        "csv": run.csv_text(),
        "summary": summary.to_dict(),  # with the note, tags and earlier results
        "trials": records,
    }
