"""How many trials a worker trains at once, as one population.

Plain data in, numbers out (no torch): workers use it to claim trials and to split them
into populations, the estimate to price a run. A population pays while a step is mostly
per-operation overhead; once its members' matrix products dominate, more members only
queue up behind each other, and members padded to a much wider or deeper one's size
compute for nothing. What a step costs is the spec's model family's to say (its
``CostModel``); a family that is not ``batched`` trains one trial at a time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from tuning.definition.spec import Pruner, RunSpec
from tuning.definition.strategies import STRATEGIES

#: Multiply-adds per optimizer step that a population may hold before batching stops paying:
#: bench/population.py measured width-256 two-layer members (about 4.3 M each at batch 64)
#: gaining up to K = 4 on one CPU thread, and small models gaining up to K = 48 and more.
STEP_BUDGET = 16e6
MAX_POPULATION = 64
#: Samplers that learn from results see a batch's results only after it, and pruners judge a
#: trial against finished ones: with either, a run keeps several batches.
BATCHES_PER_RUN = 8


def population_size(
    spec: RunSpec, features: int, members: int, threads: int = 1, workers_alive: int = 0
) -> int:
    """The spec's ``population``, or as many trials as the largest configuration's step cost
    allows (``members`` = folds × repeats per trial), fewer for samplers that learn from
    results and for pruned runs, and no more than a worker's share of the planned trials
    (so the run's workers all get some): shared among the spec's ``workers``, or among the
    workers alive when more have joined (from another machine, a Kubernetes Job). One for
    a family that is not batched."""
    if not spec.family.batched:
        return 1
    if spec.population is not None:
        return spec.population
    size = int(STEP_BUDGET * max(1, threads) // (step_cost(spec, features) * members))
    planned = spec.n_trials_planned()
    if planned:
        size = min(size, math.ceil(planned / max(spec.workers, workers_alive)))
        if STRATEGIES[spec.strategy].learns or spec.pruner is not Pruner.NONE:
            size = min(size, planned // BATCHES_PER_RUN)
    return max(1, min(size, MAX_POPULATION))


def largest_config(spec: RunSpec) -> dict[str, float]:
    """The largest value of every numeric hyperparameter the space allows: the configuration
    a cap or a cost must judge."""
    fixed = spec.fixed_values()
    return {name: float(spec.largest(name)) for name, value in fixed.items() if not isinstance(value, str)}


def step_cost(spec: RunSpec, features: int) -> float:
    """Multiply-adds of one optimizer step of the space's largest configuration (one member)."""
    return spec.family.cost.step_cost(largest_config(spec), features)


def plan_populations(
    spec: RunSpec, configs: Sequence[Mapping[str, Any]], rows: int, features: int, members: int
) -> list[list[int]]:
    """Split configurations into populations (lists of indices), trained one after another,
    as the spec's family plans them (the MLP: similar shapes together, and a configuration
    joins a population only while that costs less than training it apart)."""
    return spec.family.cost.plan(configs, rows, features, members)
