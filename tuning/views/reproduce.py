"""One configuration of a run as a run of its own: a spec and a shell command to launch it.

Training is seeded from the run's seed (not the trial's), so the same data, split and
configuration give the same validation loss again: exactly when the run trained one trial
at a time (``population: 1``); up to float rounding when the trial shared a population
(padded to a wider member's size, its sums run in another order); and, with dropout, the
same distribution of losses (a population shares one dropout noise generator). The
command also retrains and saves the winner on any machine with the engine installed.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from tuning.data.datasets import DATASETS
from tuning.definition.spec import RunSpec


def reproduce_spec(spec: RunSpec, params: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every hyperparameter fixed to ``params``: a run of exactly one trial.

    It is a one-trial *random* run, not a one-combination grid: Optuna's GridSampler
    fails to record a trial of a one-point grid that a worker claimed from the queue.
    With nothing left to search, the strategy draws nothing anyway.
    """
    raw = spec.to_dict()
    raw["space"] = {**raw["space"], **params}
    raw.update(strategy="random", budget={"n_trials": 1}, workers=1, pruner="none")
    return RunSpec.from_stored(
        raw, spec.source
    ).to_dict()  # a run stored before a bound was tightened still shows one


def reproduce_command(name: str, spec: dict[str, Any], code: dict[str, str] | None = None) -> str:
    """A shell line that writes the spec to a file and launches it, waiting for the result.

    For a run of a model file (``code``: ``RunSummary.code``), it first checks that the
    file here is the one the run trained (its sha256), or stops saying it differs."""
    path = f"{name}-best.json"
    check = []
    if code and code["reference"].split(":")[0].endswith(".py"):
        line = f"{code['sha256']}  {code['reference'].split(':')[0]}"
        check = [f"printf '%s\\n' {shlex.quote(line)} | sha256sum --check --quiet -"]
    command = [
        *check,
        f"printf '%s\\n' {shlex.quote(json.dumps(spec, separators=(',', ':')))} > {shlex.quote(path)}",
        f"python -m tuning launch --spec {shlex.quote(path)} --wait",
    ]
    filename = spec["dataset"].get("filename")
    if DATASETS[spec["dataset"]["name"]].uploaded:
        command[-1] += f" --csv {shlex.quote(filename or 'your-data.csv')}"
    return " && ".join(command)
