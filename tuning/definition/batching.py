"""How many trials a worker trains at once, as one population.

Plain data in, a number out (no torch): workers use it to claim trials, the estimate to
price a run. A population pays while a step is mostly per-operation overhead; once its
members' matrix products dominate, more members only queue up behind each other.
"""

from __future__ import annotations

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


def population_size(spec: RunSpec, features: int, members: int, threads: int = 1) -> int:
    """The spec's ``population``, or as many trials as the largest configuration's step cost
    allows (``members`` = folds × repeats per trial), fewer for samplers that learn from
    results and for pruned runs."""
    if spec.population is not None:
        return spec.population
    size = int(STEP_BUDGET * max(1, threads) // (step_cost(spec, features) * members))
    learns = STRATEGIES[spec.strategy].learns or spec.pruner is not Pruner.NONE
    if learns and spec.budget.n_trials:
        size = min(size, spec.budget.n_trials // BATCHES_PER_RUN)
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
