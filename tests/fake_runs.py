"""Runs written straight into a storage, without workers: big, instant and deterministic.

Charts, pages and timings need runs of a known shape (5,000 trials, a running trial, a
failure) that real workers would take hours to make. Each one is stored exactly as
``tuning.storage.runs.create_run`` and the workers would leave it, so the UI cannot tell.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import asdict
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import TrialState, create_trial

from tuning import RunSpec, open_storage, preset_spec
from tuning.definition.objectives import Measure, violations
from tuning.definition.space import Choice, Range
from tuning.storage import record
from tuning.storage.lifecycle import enqueue
from tuning.storage.liveness import HOST, WorkerRecord
from tuning.storage.runs import Run, load_run


def make_run(
    storage_url: str,
    name: str,
    n_complete: int,
    *,
    spec: RunSpec | None = None,
    n_running: int = 0,
    n_failed: int = 0,
    n_pruned: int = 0,
    epochs: int = 30,
    finished: bool = True,
    seed: int = 0,
    trial_s: float = 2.0,
    worker_pid: int | None = None,
) -> optuna.Study:
    """Store a run named ``name`` with trials of every requested state.

    A ``spec`` of several objectives or with bounds gets one value per objective and its
    bounds' violations, as a worker tells them (the measures come from ``_measures``).
    Losses fall with the trial number, so best-so-far lines have steps; every trial has
    ``epochs`` learning-curve points (running ones half of them). ``finished`` stores a
    result as the last worker would; ``worker_pid`` records a live worker with that PID
    on this host, so the run reads as running while that process lives.
    """
    spec = spec or preset_spec("houses")
    storage = open_storage(storage_url)
    study = optuna.create_study(
        study_name=name, storage=storage, directions=[d.value for d in spec.directions]
    )
    created = time.time() - (n_complete + n_failed + n_pruned + 1) * trial_s
    study.set_user_attr(record.SPEC.key, spec.to_dict())
    study.set_user_attr(record.CREATED_AT.key, created)
    counts = (n_complete, n_failed, n_pruned, n_running)
    study.add_trials(fake_trials(spec, counts, created, epochs=epochs, seed=seed, trial_s=trial_s))
    if worker_pid is not None:
        now = time.time()
        worker = WorkerRecord("fake-worker", HOST, worker_pid, now, now)
        study.set_user_attr(record.WORKER_RECORD.member(worker.id), asdict(worker))
    if finished:
        result = {"state": "finished", "finished_at": time.time(), "test_loss": 250.0, "best_trial": 0}
        study.set_user_attr(record.RESULT.key, result)
    return study


def fake_trials(
    spec: RunSpec,
    counts: tuple[int, int, int, int],
    created: float,
    *,
    epochs: int = 30,
    seed: int = 0,
    trial_s: float = 2.0,
) -> list[optuna.trial.FrozenTrial]:
    """The trials ``make_run`` stores: (complete, failed, pruned, running) of them, started
    one after another from ``created``, the finished ones in a seeded shuffle."""
    n_complete, n_failed, n_pruned, n_running = counts
    rng = random.Random(seed)
    start = dt.datetime.fromtimestamp(created)
    states = (
        [TrialState.COMPLETE] * n_complete + [TrialState.FAIL] * n_failed + [TrialState.PRUNED] * n_pruned
    )
    rng.shuffle(states)
    return [
        _trial(spec, rng, index, state, start, trial_s, epochs)
        for index, state in enumerate(states + [TrialState.RUNNING] * n_running)
    ]


def _trial(
    spec: RunSpec,
    rng: random.Random,
    index: int,
    state: TrialState,
    start: dt.datetime,
    trial_s: float,
    epochs: int,
) -> optuna.trial.FrozenTrial:
    params: dict[str, Any] = {}
    distributions: dict[str, BaseDistribution] = {}
    for name, param in spec.searched().items():
        if isinstance(param, Choice):
            distributions[name] = CategoricalDistribution(list(param.options))
            params[name] = rng.choice(param.options)
            continue
        assert isinstance(param, Range)
        distributions[name] = param.distribution()
        low, high = (math.log(param.low), math.log(param.high)) if param.log else (param.low, param.high)
        value = rng.uniform(low, high)
        value = math.exp(value) if param.log else value
        if param.step:
            value = param.low + round((value - param.low) / param.step) * param.step
        params[name] = int(round(value)) if param.kind is int else value
    dropout = float(params.get("dropout", 0.1))
    floor = 200 + 3000 / (1 + index / 50) + 400 * dropout
    shown = epochs if state is not TrialState.RUNNING else epochs // 2
    if state is TrialState.PRUNED:
        shown = epochs // 3
    curve = [floor * (1 + 4 * math.exp(-e / 6)) * rng.uniform(0.97, 1.03) for e in range(1, shown + 1)]
    began = start + dt.timedelta(seconds=index * trial_s)
    complete = state is TrialState.COMPLETE
    measures = _measures(spec, params, rng, trial_s) if complete and spec.tradeoff else {}
    quantities = {spec.selection.name: curve[-1], **measures}
    trial = create_trial(
        state=state,
        values=[quantities[goal.name] for goal in spec.goals] if complete else None,
        params=params,
        distributions=distributions,
        user_attrs={
            record.CURVE.key: curve,
            "worker": "fake-worker",
            **({"error": "loss became nan"} if state is TrialState.FAIL else {}),
            **({record.MEASURES.key: measures} if measures else {}),
        },
        system_attrs={
            record.CONSTRAINT.member(key): violation
            for key, violation in violations(spec.constraints or (), quantities).items()
        }
        if complete
        else None,
    )
    trial.datetime_start = began
    trial.datetime_complete = None if state is TrialState.RUNNING else began + dt.timedelta(seconds=trial_s)
    return trial


def _measures(spec: RunSpec, params: dict[str, Any], rng: random.Random, trial_s: float) -> dict[str, float]:
    """What a worker would measure of an MLP of this configuration on the houses' 4 features:
    its parameter count exactly, a latency that grows with it, a training time near ``trial_s``."""
    hidden, layers = int(params.get("hidden_size", 16)), int(params.get("n_layers", 1))
    count = 4 * hidden + hidden + (layers - 1) * (hidden * hidden + hidden) + hidden + 1
    return {
        Measure.PARAMS.value: float(count),
        Measure.LATENCY_MS.value: 0.02 + count * 2e-5 * rng.uniform(0.9, 1.1),
        Measure.TRAIN_S.value: trial_s * rng.uniform(0.5, 1.5),
    }


def with_hand_picked_best(storage_url: str, name: str = "run") -> tuple[Run, int]:
    """A finished 6-trial run plus its best configuration queued by hand and completed (loss
    100, a two-epoch curve); the run and the hand-picked trial's number."""
    make_run(storage_url, name, 6)
    run = load_run(name, storage_url)
    best = min((t for t in run.study.get_trials() if t.value is not None), key=lambda t: t.value)
    number = enqueue(run, best.params)
    trial_id = run.storage.get_trial_id_from_study_id_trial_number(run.study_id, number)
    run.storage.set_trial_state_values(trial_id, TrialState.RUNNING)
    run.storage.set_trial_user_attr(trial_id, record.CURVE.key, [300.0, 200.0])
    run.storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [100.0])
    return run, number
