"""Strategy → Optuna sampler, and pruner choice → Optuna pruner.

Every strategy is an Optuna sampler over the same study, so grid, random and Bayesian
runs share one storage, one trial record and one set of charts.
"""

from __future__ import annotations

import optuna

from tuning.spec import Pruner, RunSpec, Strategy

#: One line per strategy, for the CLI and the UI.
STRATEGY_HELP: dict[Strategy, str] = {
    Strategy.GRID: "every combination of the listed values, each exactly once",
    Strategy.RANDOM: "independent random draws from the ranges; a strong, simple baseline",
    Strategy.BAYESIAN: "TPE: learns from finished trials which regions look good (Optuna's default)",
    Strategy.GP: "Gaussian-process Bayesian optimisation: fewest trials, slowest suggestions",
    Strategy.CMAES: "CMA-ES evolution strategy for numeric ranges; shines with many trials",
}


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


def make_sampler(spec: RunSpec, seed: int) -> optuna.samplers.BaseSampler:
    """The sampler for ``spec``; each worker passes its own seed so they do not collide."""
    if spec.strategy is Strategy.GRID:
        space = {name: param.values() for name, param in spec.searched().items()}
        return QueuedGridSampler(space, seed=seed)
    if spec.strategy is Strategy.RANDOM:
        return optuna.samplers.RandomSampler(seed=seed)
    if spec.strategy is Strategy.BAYESIAN:
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    if spec.strategy is Strategy.GP:
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.CmaEsSampler(seed=seed)


def make_pruner(spec: RunSpec) -> optuna.pruners.BasePruner:
    if spec.pruner is Pruner.MEDIAN:
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5)
    if spec.pruner is Pruner.HYPERBAND:
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource="auto")
    return optuna.pruners.NopPruner()
