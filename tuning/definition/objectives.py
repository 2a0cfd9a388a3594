"""Trade-offs: the objectives a run optimises at once, and the bounds its winner must respect.

A run is selected by one metric. ``objectives`` lists that metric first and up to two more
quantities, each with its direction: the model's parameter count (``params``), its
inference time per 1,000 rows (``latency_ms``), its training seconds (``train_s``), or
another metric of the task. Optuna then keeps one value per objective for every trial
(``trial.values``, the selection metric first), so every view that shows one score shows
the first value and a run with one objective is stored exactly as before.

``constraints`` bound any of these quantities (``max_params``, ``max_latency_ms``,
``min_r2``…): a worker gives Optuna each bound's violation (``Trial.set_constraint``,
value minus bound for a maximum, > 0 violates), so its samplers steer away from
infeasible trials, ``study.best_trials`` leaves them out, and they are kept and marked,
never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tuning.data.task import Task
from tuning.definition.metrics import METRICS, Direction, get_metric
from tuning.errors import FieldError, SpecError
from tuning.rules import Plain, is_number, shown

#: The selection metric and up to two more: three axes still read as pairwise charts.
MAX_OBJECTIVES = 3


class Measure(StrEnum):
    """A quantity a worker measures for every complete trial, beside the task's metrics."""

    PARAMS = "params"
    LATENCY_MS = "latency_ms"
    TRAIN_S = "train_s"


#: Each measure's label and unit, as charts and tables show them.
MEASURE_LABELS: dict[Measure, tuple[str, str]] = {
    Measure.PARAMS: ("parameters", "count"),
    Measure.LATENCY_MS: ("latency", "ms per 1,000 rows"),
    Measure.TRAIN_S: ("training time", "s"),
}


def quantity_names() -> list[str]:
    """Every name an objective or a bound may take: the measures, then the metrics."""
    return [*(m.value for m in Measure), *METRICS]


def _natural_direction(name: str) -> Direction:
    """Which way a quantity improves unless the spec says otherwise: a metric's own way;
    fewer parameters, less time."""
    return get_metric(name).direction if name in METRICS else Direction.MINIMIZE


def _measure(name: str) -> Measure | None:
    return Measure(name) if name in {m.value for m in Measure} else None


def label_of(name: str) -> str:
    """``name`` as a chart's axis reads it: "MSE", "parameters", "latency", "objective value 2"."""
    measure = _measure(name)
    return MEASURE_LABELS[measure][0] if measure else get_metric(name).label


def unit_of(name: str, target_unit: str) -> str:
    """The unit ``name`` is measured in for a target in ``target_unit``."""
    measure = _measure(name)
    return MEASURE_LABELS[measure][1] if measure else get_metric(name).unit_of(target_unit)


@dataclass(frozen=True)
class Objective:
    """One quantity a run optimises, and which way."""

    name: str
    direction: Direction

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "direction": self.direction.value}


@dataclass(frozen=True)
class Bound:
    """One constraint: ``name`` at most (``upper``) or at least ``limit``."""

    name: str
    limit: float
    upper: bool

    @property
    def key(self) -> str:
        """Its spec key, which is also its name in Optuna's constraints: ``max_params``."""
        return f"{'max' if self.upper else 'min'}_{self.name}"

    def violation(self, value: float) -> float:
        """How far ``value`` breaks the bound (Optuna's convention: > 0 violates)."""
        return value - self.limit if self.upper else self.limit - value


def _name(field: str, value: Any) -> str:
    if value not in quantity_names():
        raise FieldError(field, f"must be one of {quantity_names()}, got {shown(value)}")
    return str(value)


def _objective(field: str, raw: Any) -> Objective:
    """One objective: a name, or ``{"name": ..., "direction": ...}``."""
    entry = {"name": raw} if isinstance(raw, str) else raw
    if not isinstance(entry, dict) or set(entry) - {"name", "direction"} or "name" not in entry:
        raise FieldError(field, f"must be a name or {{'name': ..., 'direction': ...}}, got {shown(raw)}")
    name = _name(f"{field}.name", entry["name"])
    natural = _natural_direction(name)
    direction = entry.get("direction", natural.value)
    if direction not in [d.value for d in Direction]:
        raise FieldError(f"{field}.direction", f"must be minimize or maximize, got {shown(direction)}")
    if name in METRICS and direction != natural.value:
        raise FieldError(f"{field}.direction", f"{name} is better when it is {natural.value}d, always")
    return Objective(name, Direction(direction))


class ObjectivesRule(Plain):
    """The selection metric first, then up to two more quantities, each with its direction."""

    def read(self, field: str, value: Any) -> tuple[Objective, ...]:
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_OBJECTIVES:
            raise FieldError(field, f"must be a list of 1 to {MAX_OBJECTIVES} objectives, got {shown(value)}")
        errors: list[FieldError] = []
        objectives = []
        for index, raw in enumerate(value):
            try:
                objectives.append(_objective(f"{field}[{index}]", raw))
            except FieldError as error:
                errors.append(error)
        names = [o.name for o in objectives]
        if not errors and len(set(names)) < len(names):
            errors.append(FieldError(field, f"names an objective twice: {names}"))
        if objectives and not errors and objectives[0].name not in METRICS:
            first = objectives[0].name
            message = (
                f"must be the selection metric (one of {list(METRICS)}), got {first!r}; list it after one"
            )
            errors.append(FieldError(f"{field}[0]", message))
        if errors:
            raise SpecError(errors)
        return tuple(objectives)

    def dump(self, value: tuple[Objective, ...]) -> list[dict[str, str]]:
        return [objective.to_json() for objective in value]

    def allowed(self) -> str:
        return (
            f"a list of 1 to {MAX_OBJECTIVES}: the selection metric first, then `params`, `latency_ms`, "
            "`train_s` or another metric of the task; each a name or {'name', 'direction'}"
        )


class ConstraintsRule(Plain):
    """Bounds by key, ``max_<quantity>`` or ``min_<quantity>``: a number each."""

    def read(self, field: str, value: Any) -> tuple[Bound, ...] | None:
        if not isinstance(value, dict):
            raise FieldError(field, f"must map max_<name> or min_<name> to a number, got {shown(value)}")
        errors, bounds = [], []
        for key in sorted(value, key=str):
            side, _, name = str(key).partition("_")
            if side not in ("max", "min") or name not in quantity_names():
                message = f"unknown bound; give max_ or min_ followed by one of {quantity_names()}"
                errors.append(FieldError(f"{field}.{key}", message))
            elif not is_number(value[key]):
                errors.append(FieldError(f"{field}.{key}", f"must be a number, got {shown(value[key])}"))
            else:
                bounds.append(Bound(name, float(value[key]), side == "max"))
        if errors:
            raise SpecError(errors)
        return tuple(bounds) or None

    def dump(self, value: tuple[Bound, ...]) -> dict[str, float]:
        return {bound.key: bound.limit for bound in value}

    def allowed(self) -> str:
        return "`max_<name>` or `min_<name>` → a number, for any name an objective may take"


def task_problems(
    objectives: Sequence[Objective] | None,
    bounds: Sequence[Bound] | None,
    task: Task | None,
    metric: str | None,
) -> list[FieldError]:
    """The rules between the objectives, the bounds, the task and the selection metric."""
    errors = []
    if objectives and metric is not None and objectives[0].name != metric:
        errors.append(FieldError("objectives", f"must start with the selection metric {metric!r}"))
    named = [("objectives", o.name) for o in objectives or ()]
    named += [(f"constraints.{b.key}", b.name) for b in bounds or ()]
    tasks = {task} if task is not None else {get_metric(objectives[0].name).task} if objectives else set()
    for field, name in named:
        if name in METRICS and tasks and get_metric(name).task not in tasks:
            errors.append(FieldError(field, f"{name!r} is not a {next(iter(tasks)).value} metric"))
    return errors


def violations(bounds: Sequence[Bound], quantities: Mapping[str, float | None]) -> dict[str, float]:
    """Each bound's violation for these measured quantities (an undefined one violates)."""
    return {
        b.key: b.violation(value) if (value := quantities.get(b.name)) is not None and math.isfinite(value)
        else math.inf
        for b in bounds
    }  # fmt: skip
