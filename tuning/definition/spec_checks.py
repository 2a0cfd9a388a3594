"""The rules between a spec's fields, applied once each field has passed its own rule.

``RunSpec._read`` calls these: the shares and heartbeats that must fit together, the task
against the metric, objectives and bounds, what a strategy's registry entry requires (a
budget, numeric ranges, a grid of discrete values under its cap), and what several
objectives need (a strategy that weighs them, no pruner).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tuning.definition.metrics import METRICS
from tuning.definition.objectives import task_problems
from tuning.definition.pruners import Pruner
from tuning.definition.space import Fixed, Param, Range
from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.errors import FieldError

if TYPE_CHECKING:
    from tuning.definition.spec import Budget


def grid_size(space: dict[str, Param]) -> int:
    """The number of grid combinations, counted without enumerating them; ``space`` must be enumerable."""
    total = 1
    for param in space.values():
        total *= param.size() if isinstance(param, Range) else len(param.values())  # type: ignore[operator]
    return total


def cross_field_problems(values: dict[str, Any]) -> list[FieldError]:
    """Rules between top-level fields (each field's own rule has already been applied)."""
    errors = []
    if values["cv_folds"] == 1:
        errors.append(FieldError("cv_folds", "must be 0 (no cross-validation) or >= 2"))
    if values["grace_s"] < 3 * values["heartbeat_s"]:
        errors.append(FieldError("grace_s", "must be at least 3 × heartbeat_s, or live workers look dead"))
    if values["val_fraction"] + values["test_fraction"] >= 0.9:
        errors.append(FieldError("val_fraction", "val_fraction + test_fraction must stay below 0.9"))
    task, metric = values.get("task"), values.get("metric")
    if task is not None and metric is not None and METRICS[metric].task is not task:
        names = [name for name, info in METRICS.items() if info.task is task]
        errors.append(FieldError("metric", f"{metric!r} is not a {task.value} metric; use one of {names}"))
    return errors + task_problems(values.get("objectives"), values.get("constraints"), task, metric)


def objective_problems(strategy: Strategy, pruner: Pruner, values_told: int) -> list[FieldError]:
    """Several objectives (a model's ``objectives``, or an objective's ``direction`` list)
    need a strategy that can weigh them, and no pruner (Optuna prunes on one score per epoch)."""
    if values_told < 2:
        return []
    errors = []
    if not STRATEGIES[strategy].several_objectives:
        able = [s.value for s, info in STRATEGIES.items() if info.several_objectives]
        message = f"{strategy.value} cannot search several objectives; use one of {able}"
        errors.append(FieldError("strategy", message))
    if pruner is not Pruner.NONE:
        message = "a pruner judges one score per epoch; with several objectives set pruner to none"
        errors.append(FieldError("pruner", message))
    return errors


def strategy_problems(
    strategy: Strategy, space: dict[str, Param], budget: Budget, cap: int
) -> list[FieldError]:
    """The constraints the strategy's registry entry declares."""
    info = STRATEGIES[strategy]
    errors = []
    if info.exhaustive:
        errors += _grid_problems(space, cap)
    elif info.needs_budget and budget.n_trials is None and budget.timeout_s is None:
        errors.append(FieldError("budget", f"{strategy.value} search needs n_trials and/or timeout_s"))
    if info.numeric_only and any(not isinstance(p, (Range, Fixed)) for p in space.values()):
        message = f"{strategy.value} searches numeric ranges only; use bayesian for choices"
        errors.append(FieldError("strategy", message))
    return errors


def _grid_problems(space: dict[str, Param], cap: int) -> list[FieldError]:
    """A grid needs discrete values, and no more combinations than the cap."""
    continuous = [name for name, p in space.items() if isinstance(p, Range) and p.size() is None]
    if continuous:
        message = "a grid needs discrete values: give this float range a step, or list the values as a choice"
        return [FieldError(f"space.{name}", message) for name in continuous]
    size = grid_size(space)
    if size > cap:
        message = (
            f"the grid has {_count(size)} combinations, more than the cap of {cap:,}; "
            "remove values or use random or bayesian search"
        )
        return [FieldError("space", message)]
    return []


def _count(size: int) -> str:
    """A combination count for a message: exact when readable, else its order of magnitude."""
    return f"{size:,}" if size < 10**15 else f"about {float(size):.1e}"
