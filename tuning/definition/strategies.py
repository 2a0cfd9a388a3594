"""Strategies: how the next configuration is chosen, each one entry of ``STRATEGIES``.

Every strategy is an Optuna sampler over the same study, so grid, random and Bayesian
runs share one storage, one trial record and one set of charts. An entry holds all a
strategy is to the rest of the engine: its sampler, the Launch page's help line, its
colour in charts that compare runs, and the constraints spec validation enforces.
Adding a strategy is one member of ``Strategy`` and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import optuna

from tuning.registry import Registry

if TYPE_CHECKING:
    from tuning.definition.spec import RunSpec


class Strategy(StrEnum):
    """How the next configuration is chosen; each maps to one Optuna sampler."""

    GRID = "grid"
    RANDOM = "random"
    BAYESIAN = "bayesian"
    GP = "gp"
    CMAES = "cmaes"
    NSGA2 = "nsga2"


#: Builds a strategy's sampler for a run's spec and a worker's own seed.
SamplerFactory = Callable[["RunSpec", int], optuna.samplers.BaseSampler]


@dataclass(frozen=True)
class StrategyInfo:
    """One strategy: its sampler and what the UI and spec validation need to know of it.

    ``exhaustive``: it visits every combination of the space once, so every searched
    value must be discrete, the grid size is its trial count, the trials are queued when
    the run is created, and it needs no budget. Any other strategy draws until its budget
    (trials and/or a time limit) ends the run. ``numeric_only``: it cannot search choices.
    ``learns``: its draws depend on finished trials' results, so a worker trains fewer
    trials at once (see definition/batching.py). ``several_objectives``: its sampler
    handles a study of several objectives (a spec of several is refused otherwise).
    """

    help: str
    colour: str  # Okabe-Ito, distinct for colour-blind readers (see tuning.views.figures)
    sampler: SamplerFactory
    exhaustive: bool = False
    numeric_only: bool = False
    learns: bool = True
    several_objectives: bool = True

    @property
    def needs_budget(self) -> bool:
        return not self.exhaustive


class QueuedGridSampler(optuna.samplers.GridSampler):
    """Optuna's GridSampler for a grid whose combinations are queued in the storage.

    Every combination is enqueued when the run is created and claimed atomically by one
    worker, so the queue, not the sampler, decides when the grid is done. GridSampler's
    own end check calls ``Study.stop()``, which Optuna allows only inside
    ``Study.optimize`` (our workers run their own claim loop), and looks up a ``grid_id``
    that queued trials do not carry; so it is left out.
    """

    def after_trial(self, *args: object, **kwargs: object) -> None:
        return None


def _grid(spec: RunSpec, seed: int) -> optuna.samplers.BaseSampler:
    return QueuedGridSampler({name: param.values() for name, param in spec.searched().items()}, seed=seed)


def _nsga2(spec: RunSpec, seed: int) -> optuna.samplers.BaseSampler:
    """NSGA-II with a generation a fifth of the trial budget (4 to Optuna's default of 50), so a
    60-trial run breeds for a few generations instead of drawing at random throughout."""
    planned = spec.budget.n_trials or 250
    return optuna.samplers.NSGAIISampler(population_size=max(4, min(50, planned // 5)), seed=seed)


STRATEGIES: Registry[Strategy, StrategyInfo] = Registry(
    "strategy",
    {
        Strategy.GRID: StrategyInfo(
            "every combination of the listed values, each exactly once",
            "#0072B2",
            _grid,
            exhaustive=True,
            learns=False,
        ),
        Strategy.RANDOM: StrategyInfo(
            "independent random draws from the ranges; a strong, simple baseline",
            "#E69F00",
            lambda _, seed: optuna.samplers.RandomSampler(seed=seed),
            learns=False,
        ),
        Strategy.BAYESIAN: StrategyInfo(
            "TPE: learns from finished trials which regions look good (Optuna's default)",
            "#009E73",
            lambda _, seed: optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True),
        ),
        Strategy.GP: StrategyInfo(
            "Gaussian-process Bayesian optimisation: fewest trials, slowest suggestions",
            "#CC79A7",
            lambda _, seed: optuna.samplers.GPSampler(seed=seed),
        ),
        Strategy.CMAES: StrategyInfo(
            "CMA-ES evolution strategy for numeric ranges; shines with many trials",
            "#D55E00",
            lambda _, seed: optuna.samplers.CmaEsSampler(seed=seed),
            numeric_only=True,
            several_objectives=False,
        ),
        Strategy.NSGA2: StrategyInfo(
            "NSGA-II genetic search: breeds a population toward the trade-off front of several objectives",
            "#56B4E9",
            _nsga2,
        ),
    },
)


def make_sampler(spec: RunSpec, seed: int) -> optuna.samplers.BaseSampler:
    """The sampler for ``spec``; each worker passes its own seed so they do not collide."""
    return STRATEGIES[spec.strategy].sampler(spec, seed)
