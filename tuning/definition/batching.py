"""How many trials a worker trains at once, as one population.

Plain data in, numbers out (no torch): workers use it to claim trials and to split them
into populations, the estimate to price a run. A population pays while a step is mostly
per-operation overhead; once its members' matrix products dominate, more members only
queue up behind each other, and members padded to a much wider or deeper one's size
compute for nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tuning.definition.hyperparameters import DOMAINS
from tuning.definition.space import Fixed
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
    workers alive when more have joined (from another machine, a Kubernetes Job)."""
    if spec.population is not None:
        return spec.population
    size = int(STEP_BUDGET * max(1, threads) // (step_cost(spec, features) * members))
    planned = spec.n_trials_planned()
    if planned:
        size = min(size, math.ceil(planned / max(spec.workers, workers_alive)))
        if STRATEGIES[spec.strategy].learns or spec.pruner is not Pruner.NONE:
            size = min(size, planned // BATCHES_PER_RUN)
    return max(1, min(size, MAX_POPULATION))


def step_cost(spec: RunSpec, features: int) -> float:
    """Multiply-adds of one optimizer step of the space's largest configuration (one member)."""
    width, layers, batch = (largest(spec, name) for name in ("hidden_size", "n_layers", "batch_size"))
    return batch * (features * width + (layers - 1) * width**2 + width)


def largest(spec: RunSpec, name: str) -> float:
    """The largest value ``name`` takes in the space (its default when the space omits it)."""
    param = spec.space.get(name)
    if param is None:
        return float(DOMAINS[name].default)
    if isinstance(param, Fixed):
        return float(param.value)
    high = getattr(param, "high", None)
    return float(high) if high is not None else max(float(v) for v in param.values())


#: The population trainer's costs on one CPU thread (measured with bench/population.py's
#: workloads): each step's fixed overhead, each further hidden layer's, multiply-adds per
#: second of the batched products (forward and backward: 3 per weight and row), and the
#: optimizer's passes over every padded parameter.
STEP_S, LAYER_S = 0.26e-3, 0.065e-3
MACS_PER_S = 10e9
OPTIMIZER_S_PER_PARAM = 3e-9


@dataclass(frozen=True)
class Shape:
    """What a configuration's training costs depend on."""

    layers: int
    width: int
    batch: int
    epochs: int

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Shape:
        values = {name: params.get(name, domain.default) for name, domain in DOMAINS.items()}
        return cls(
            max(1, round(float(values["n_layers"]))), max(1, round(float(values["hidden_size"]))),
            max(1, round(float(values["batch_size"]))), max(1, round(float(values["epochs"]))),
        )  # fmt: skip


def population_seconds(shapes: Sequence[Shape], rows: int, features: int, members: int) -> float:
    """Training seconds of these configurations as one population, every member padded to the
    widest and deepest, each step's rows to the largest batch still stepping (population.py)."""
    width, layers = max(s.width for s in shapes), max(s.layers for s in shapes)
    weights = features * width + (layers - 1) * width * width + width
    params = weights + layers * width + 1
    overhead = STEP_S + LAYER_S * (layers - 1)
    ordered = sorted(shapes, key=lambda s: -math.ceil(rows / s.batch))
    steps = [math.ceil(rows / s.batch) for s in ordered] + [0]
    seconds, batch = 0.0, 0
    for index, shape in enumerate(ordered):
        batch = max(batch, min(shape.batch, rows))
        k = (index + 1) * members
        per_step = overhead + k * (3 * batch * weights / MACS_PER_S + params * OPTIMIZER_S_PER_PARAM)
        seconds += (steps[index] - steps[index + 1]) * per_step
    return seconds * max(s.epochs for s in shapes)


def plan_populations(
    configs: Sequence[Mapping[str, Any]], rows: int, features: int, members: int
) -> list[list[int]]:
    """Split configurations into populations (lists of indices), trained one after another:
    similar shapes together, and a configuration joins a population only while that costs
    less than training it apart (padding a small model to a wide one's size can cost more
    than the per-step overhead it saves)."""
    shapes = [Shape.of(config) for config in configs]
    order = sorted(range(len(configs)), key=lambda i: (shapes[i].layers, shapes[i].width, shapes[i].batch))
    plans: list[list[int]] = []

    def cost(indices: list[int]) -> float:
        return population_seconds([shapes[i] for i in indices], rows, features, members)

    for index in order:
        current = plans[-1] if plans else []
        if current and cost([*current, index]) <= cost(current) + cost([index]):
            current.append(index)
        else:
            plans.append([index])
    return plans
