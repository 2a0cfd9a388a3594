"""How long a run will take: a rough forecast before Start, and the time left while it runs.

The forecast counts optimizer steps from the split sizes and the configurations (every
grid combination, or seeded draws from the ranges), groups them into the populations a
worker trains at once, and prices those with constants measured on a 2-core CPU with one
torch thread per worker: a population pays each step's overhead once for all its members.
It is a guide, not a promise: pruning ends trials early, and another machine is faster or
slower. Once trials finish, ``seconds_left`` uses their measured durations instead.
"""

from __future__ import annotations

import math
import os
import random
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tuning.data.datasets import DATASETS
from tuning.data.splits import make_split
from tuning.definition import batching
from tuning.definition.batching import Shape, plan_populations, population_size
from tuning.definition.space import Choice, Fixed, Param
from tuning.definition.spec import RunSpec
from tuning.storage.record import RunState
from tuning.views.summary import RunSummary

FLOPS_PER_S = 60e9
EVAL_S = 0.1e-3
REPORT_S = 1.5e-3  # storing one epoch's loss
TRIAL_S = 0.05  # claiming and telling a trial
STARTUP_S = 5.0  # a worker importing torch and loading the data
SAMPLES = 64


@dataclass(frozen=True)
class Forecast:
    """What Start will run: trial count (None when only time-limited) and seconds."""

    trials: int | None
    seconds: float
    limited_by_time: bool


def dataset_shape(spec: RunSpec, csv_shape: tuple[int, int] | None = None) -> tuple[int, int]:
    """(rows, feature columns) of the run's data, from its registry entry; a CSV's from the frame."""
    return DATASETS[spec.dataset.name].shape(spec.dataset, csv_shape)


def forecast(spec: RunSpec, csv_shape: tuple[int, int] | None = None) -> Forecast:
    """Trials and wall-clock seconds of ``spec``.

    A grid prices every combination; other strategies price the mean of ``SAMPLES``
    seeded draws from the space (cost is far from linear in batch size, so the middle of
    a range would underestimate). Workers beyond this machine's cores add no speed.
    """
    rows, features = dataset_shape(spec, csv_shape)
    split = make_split(rows, spec.val_fraction, spec.test_fraction, spec.cv_folds, spec.seed)
    fold = split.folds[0]
    members = len(split.folds) * spec.repeats
    sizes = (len(fold.train), len(fold.val), features, members)
    fixed = spec.fixed_values()
    if spec.exhaustive:
        configs = [{**fixed, **combo} for combo in spec.grid()]
        trials: int | None = len(configs)
    else:
        draws = sample_configs(spec.searched(), SAMPLES, random.Random(spec.seed))
        configs = [{**fixed, **draw} for draw in draws]
        trials = spec.budget.n_trials
    k = population_size(spec, features, members)
    populations = [
        [claimed[i] for i in group]
        for claimed in (configs[start : start + k] for start in range(0, len(configs), k))
        for group in plan_populations(claimed, len(fold.train), features, members)
    ]
    per_trial = sum(population_seconds(group, *sizes) for group in populations) / len(configs)
    work = per_trial * (trials or 0)
    finish = sum(trial_seconds(config, *sizes) for config in configs) / len(configs)  # the winner, retrained
    seconds = STARTUP_S + work / min(spec.workers, os.cpu_count() or 1) + finish
    timeout = spec.budget.timeout_s
    if timeout is not None and (trials is None or seconds > timeout + STARTUP_S):
        return Forecast(trials, timeout + STARTUP_S + finish, True)
    return Forecast(trials, seconds, False)


def sample_configs(space: dict[str, Param], count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` configurations drawn as a random search would: log ranges log-uniformly."""
    return [{name: _draw(param, rng) for name, param in space.items()} for _ in range(count)]


def _draw(param: Param, rng: random.Random) -> Any:
    if isinstance(param, Fixed):
        return param.value
    if isinstance(param, Choice):
        return rng.choice(param.options)
    if param.log:
        value = math.exp(rng.uniform(math.log(param.low), math.log(param.high)))
    else:
        value = rng.uniform(param.low, param.high)
    return round(value) if param.kind is int else value


def trial_seconds(
    params: dict[str, Any], train_rows: int, val_rows: int, features: int, members: int
) -> float:
    """Seconds one configuration takes trained alone (a population of one)."""
    return population_seconds([params], train_rows, val_rows, features, members)


def population_seconds(
    configs: list[dict[str, Any]], train_rows: int, val_rows: int, features: int, members: int
) -> float:
    """Seconds a population of ``configs`` takes: its training (see definition/batching.py),
    one evaluation and report per epoch, and claiming and telling each trial."""
    shapes = [Shape.of(config) for config in configs]
    training = batching.population_seconds(shapes, train_rows, features, members)
    weights = sum(features * s.width + (s.layers - 1) * s.width**2 + s.width for s in shapes)
    epoch = EVAL_S + 2 * val_rows * members * weights / FLOPS_PER_S + REPORT_S * len(configs)
    return TRIAL_S * len(configs) + training + max(s.epochs for s in shapes) * epoch


def seconds_left(
    summary: RunSummary, frame: pd.DataFrame, deadline: float | None, now: float | None = None
) -> float | None:
    """Time until the run ends, from the durations of its finished trials.

    None until a trial has finished (nothing to go on) or once the run is over. Queued
    trials are shared among the live workers; a time budget caps the answer.
    """
    now = time.time() if now is None else now
    if not summary.active:
        return None
    remaining = deadline - now if deadline is not None else None
    done = frame["duration_s"].dropna()
    if done.empty:
        return max(remaining, 0.0) if remaining is not None and summary.n_trials is None else None
    mean = float(done.mean())
    running = frame.loc[frame["state"] == "running", "started_at"].dropna()
    in_flight = sum(max(mean - (now - started), 0.0) for started in running)
    parallel = max(1, summary.workers_alive, len(running))
    left = (summary.n_waiting * mean + in_flight) / parallel
    if summary.state == RunState.STOPPING:
        left = in_flight / parallel
    return max(0.0, min(left, remaining) if remaining is not None else left)
