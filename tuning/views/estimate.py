"""How long a run will take and how much memory: a forecast before Start, and the time left.

The forecast counts optimizer steps from the split sizes and the configurations (every
grid combination, or seeded draws from the ranges), groups them into the populations a
worker trains at once, and prices those with constants measured on a 2-core CPU with one
torch thread per worker: a population pays each step's overhead once for all its members.
It is a guide, not a promise: pruning ends trials early, and another machine is faster or
slower. Once a run trains, ``views.progress`` times it by its measured pace instead.

Memory is a peak, not a mean: one worker holds a whole population at once (each trial's
folds × repeats, padded to the largest shape, with gradients and optimizer state), their
data, and the activations of every member at the batch size, for the largest
configuration the space allows. ``start_warnings`` says when Start should need an
explicit override.
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuning.data.datasets import DATASETS
from tuning.data.splits import make_split
from tuning.definition.batching import largest_config, plan_populations, population_size
from tuning.definition.space import Choice, Fixed, Param
from tuning.definition.spec import RunSpec

FLOPS_PER_S = 60e9
EVAL_S = 0.1e-3
REPORT_S = 1.5e-3  # storing one epoch's loss
TRIAL_S = 0.05  # claiming and telling a trial
STARTUP_S = 5.0  # a worker importing torch and loading the data
SAMPLES = 64

MIB = 2**20
FLOAT_BYTES = 4  # torch trains in float32
# Calibrated by bench/worker_memory.py on one worker's peak RSS (a 5,000 × 50 CSV, 5 folds of 4 layers,
# Adam, 2 epochs, population 1; docs/deploy.md): width 256 at batch 64, 4,096 and 65,536
# peaked at 380, 526 and 526 MiB (3,200 training rows: a larger batch is the full batch),
# width 1,024 at batch 65,536 at 967 MiB.
WORKER_BASE_BYTES = 400 * MIB  # at rest: Python, torch, Optuna and its sampler (GP's included)
MODEL_COPIES = 4  # weights, gradients and Adam's two moments (the largest optimizer state)
LONG_RUN_S = 7 * 86_400  # a forecast over a week needs an explicit override to start


@dataclass(frozen=True)
class Forecast:
    """What Start will run: trial count (None when only time-limited), seconds and peak memory.

    ``worker_bytes`` is one worker's peak; ``memory_bytes`` that of all the run's workers,
    which ``launch`` starts on this machine.
    """

    trials: int | None
    seconds: float
    limited_by_time: bool
    worker_bytes: int = 0
    memory_bytes: int = 0


def dataset_shape(spec: RunSpec, csv_shape: tuple[int, int] | None = None) -> tuple[int, int]:
    """(rows, feature columns) of the run's data, from its registry entry; a CSV's from the
    frame; a model file's ``data()`` from its probe (inputs of any shape count their values;
    an objective's data is its own: none to count)."""
    if DATASETS[spec.dataset.name].from_code:
        info = (spec.source.data if spec.source else None) or {"rows": 3, "input_shape": [0]}
        return int(info["rows"]), int(math.prod(info["input_shape"]))
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
        for group in plan_populations(spec, claimed, len(fold.train), features, members)
    ]
    per_trial = sum(population_seconds(spec, group, *sizes) for group in populations) / len(configs)
    work = per_trial * (trials or 0)
    finish = sum(trial_seconds(spec, config, *sizes) for config in configs) / len(configs)  # the winner
    seconds = STARTUP_S + work / min(spec.workers, os.cpu_count() or 1) + finish
    worker = worker_bytes(spec, largest_config(spec), rows, *sizes, folds=len(split.folds), population=k)
    memory = {"worker_bytes": worker, "memory_bytes": worker * spec.workers}
    timeout = spec.budget.timeout_s
    if timeout is not None and (trials is None or seconds > timeout + STARTUP_S):
        return Forecast(trials, timeout + STARTUP_S + finish, True, **memory)
    return Forecast(trials, seconds, False, **memory)


def worker_bytes(
    spec: RunSpec,
    params: dict[str, Any],
    rows: int,
    train_rows: int,
    val_rows: int,
    features: int,
    members: int,
    folds: int,
    population: int = 1,
) -> int:
    """Peak bytes of one worker training ``population`` trials shaped like ``params`` at once.

    At rest, the data, every model of the population (each trial's ``members``) with its
    gradients and optimizer state, and all their activations at the batch size: the
    population trainer steps every member in lockstep. The spec's family counts a model's
    parameters and activations.
    """
    cost = spec.family.cost
    models = population * members
    state = models * MODEL_COPIES * cost.parameters(params, features) * FLOAT_BYTES
    # The loaded table in float64 and its scaled copy; each fold's rows on the device.
    data = 2 * rows * (features + 1) * 8 + folds * (train_rows + val_rows) * (features + 1) * FLOAT_BYTES
    # A step holds a batch of rows per member (at most the fold's training rows), and
    # validation holds every validation row at once.
    rows_at_once = max(min(int(params.get("batch_size", train_rows)), train_rows), val_rows)
    per_row = cost.activation_floats(params) + features + 1
    activations = int(models * rows_at_once * per_row * FLOAT_BYTES)
    return int(WORKER_BASE_BYTES + state + data + activations)


def machine_bytes() -> int | None:
    """This machine's memory (or its container's limit, when lower); None when unknown."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def start_warnings(spec: RunSpec, plan: Forecast, machine: int | None) -> list[str]:
    """Why Start should need an explicit override: more memory than ``machine``, or longer than a week."""
    warnings = []
    if machine is not None and plan.memory_bytes > machine:
        warnings.append(
            f"the run needs about {fmt_bytes(plan.memory_bytes)} of memory ({spec.workers} worker(s) × "
            f"{fmt_bytes(plan.worker_bytes)} at the space's largest model), more than this machine's "
            f"{fmt_bytes(machine)}; use fewer workers, fewer models per trial (folds × repeats), "
            "fewer or narrower layers, a smaller batch size or fewer rows"
        )
    if plan.seconds > LONG_RUN_S:
        warnings.append(
            f"the forecast is {fmt_long(plan.seconds)}, more than a week; use fewer trials, a smaller "
            "space or fewer rows, or set a time limit"
        )
    return warnings


def fmt_bytes(size: float) -> str:
    """``1.4 GiB``, ``512 MiB``."""
    return f"{size / 2**30:,.1f} GiB" if size >= 2**30 else f"{size / MIB:,.0f} MiB"


def fmt_long(seconds: float) -> str:
    """A long duration in days or years: ``12 days``, ``1,600,000 years``."""
    days = seconds / 86_400
    return f"{days / 365.25:,.0f} years" if days >= 365.25 else f"{days:,.0f} days"


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
    spec: RunSpec, params: dict[str, Any], train_rows: int, val_rows: int, features: int, members: int
) -> float:
    """Seconds one configuration takes trained alone (a population of one)."""
    return population_seconds(spec, [params], train_rows, val_rows, features, members)


def population_seconds(
    spec: RunSpec, configs: list[dict[str, Any]], train_rows: int, val_rows: int, features: int, members: int
) -> float:
    """Seconds a population of ``configs`` takes: its training (the family's cost model),
    one evaluation and report per epoch, and claiming and telling each trial."""
    cost = spec.family.cost
    training = cost.training_seconds(configs, train_rows, features, members)
    macs = sum(cost.forward_macs(config, features) for config in configs)
    epoch = EVAL_S + 2 * val_rows * members * macs / FLOPS_PER_S + REPORT_S * len(configs)
    epochs = max(max(1, round(float(config.get("epochs", 1)))) for config in configs)
    return TRIAL_S * len(configs) + training + epochs * epoch
