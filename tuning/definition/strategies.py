"""Strategy → Optuna sampler, and pruner choice → Optuna pruner.

Every strategy is an Optuna sampler over the same study, so grid, random and Bayesian
runs share one storage, one trial record and one set of charts.
"""

from __future__ import annotations

import optuna

from tuning.definition.space import Range
from tuning.definition.spec import Pruner, RunSpec, Strategy

#: One line per strategy, for the Launch page.
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


#: The median pruner compares a trial with others only after the first 5 trials, and
#: only after a tenth of the shortest trial's epochs: the first epochs rank configurations
#: poorly (a slow start is not a bad end), yet waiting long wastes what pruning saves: over
#: 10 seeds of 60 TPE trials of 20 epochs, a fixed 5-epoch wait saved 36% of the epochs,
#: a 2-epoch wait over 50%, both with the best loss within 2% of no pruning (benchmark 3).
MEDIAN_STARTUP_TRIALS = 5
MEDIAN_WARMUP_SHARE = 0.1

#: One line per pruner, for the Launch page.
PRUNER_HELP: dict[Pruner, str] = {
    Pruner.NONE: "every trial trains all its epochs",
    Pruner.MEDIAN: (
        "stops a trial whose loss is worse than the median of earlier trials at that epoch; "
        f"only once {MEDIAN_STARTUP_TRIALS} trials have finished, never in a trial's first "
        f"{MEDIAN_WARMUP_SHARE:.0%} of epochs"
    ),
    Pruner.HYPERBAND: "successive halving: many trials get a few epochs, the promising ones get more",
}


def fewest_epochs(spec: RunSpec) -> int:
    """The epochs of the shortest trial the space allows."""
    param = spec.space.get("epochs")
    if param is None:
        return int(spec.fixed_values()["epochs"])
    if isinstance(param, Range):
        return int(param.low)
    return int(min(param.values()))


def median_warmup_epochs(spec: RunSpec) -> int:
    """Epochs every trial trains before the median pruner may stop it."""
    return max(1, round(MEDIAN_WARMUP_SHARE * fewest_epochs(spec)))


def make_pruner(spec: RunSpec) -> optuna.pruners.BasePruner:
    if spec.pruner is Pruner.MEDIAN:
        return optuna.pruners.MedianPruner(
            n_startup_trials=MEDIAN_STARTUP_TRIALS, n_warmup_steps=median_warmup_epochs(spec)
        )
    if spec.pruner is Pruner.HYPERBAND:
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource="auto")
    return optuna.pruners.NopPruner()
