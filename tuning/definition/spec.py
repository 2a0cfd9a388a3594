"""The run spec: everything a worker needs to run a search, as validated plain data.

``RunSpec.from_dict`` is the only way in: it validates every field and collects every
problem into one SpecError, so a UI can show each message next to its widget. ``to_dict``
gives JSON that ``from_dict`` accepts again; that JSON is stored with the study.

Each field is declared once, with its rule (``tuning.rules``): its bounds and
message, its JSON form, and what the docs say it allows. Reading, the known keys and
``to_dict`` are derived from the dataclass fields.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from tuning.data.dataset_spec import SEED, DatasetSpec
from tuning.data.datasets import DATASETS
from tuning.data.task import Task
from tuning.definition.baselines import BaselineRequest
from tuning.definition.hyperparameters import DOMAINS
from tuning.definition.metrics import DEFAULT_METRIC, METRICS, Direction, Metric, get_metric
from tuning.definition.objectives import (
    Bound,
    ConstraintsRule,
    Measure,
    Objective,
    ObjectivesRule,
    task_problems,
)
from tuning.definition.pruners import Pruner
from tuning.definition.space import Fixed, Param, Range, parse_param
from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.errors import FieldError, SpecError
from tuning.rules import (
    Flag,
    Fraction,
    OneOf,
    Optional,
    Plain,
    Seconds,
    Whole,
    dump_fields,
    is_int,
    read_fields,
    spec_field,
)

__all__ = ["Budget", "DatasetSpec", "Pruner", "RunSpec", "Strategy", "grid_size"]

#: The most trials a run's budget may hold. Budget tickets are made a block at a time as
#: workers go (``storage.runs.add_budget_tickets``), so this bounds what a dashboard reads
#: (a 100,000-trial run opens in seconds: docs/benchmarks.md, section 7), not creation.
MAX_TRIALS = 100_000
#: The largest grid: every combination is stored when the run is, at about 1-6 ms each on
#: a journal (2-core machine, idle to loaded), so 10,000 take 10-60 s to create.
MAX_GRID = 10_000
DAY_S = 86_400


@dataclass(frozen=True)
class Budget:
    """When a run ends: after ``n_trials`` trials and/or ``timeout_s`` seconds."""

    n_trials: int | None = spec_field(Optional(Whole(1, MAX_TRIALS)), None)
    timeout_s: float | None = spec_field(Optional(Seconds(0, 30 * DAY_S, low_open=True)), None)

    def to_dict(self) -> dict[str, Any]:
        return dump_fields(self, omit_none=True)

    def problems(self, prefix: str) -> list[FieldError]:
        return []


@dataclass(frozen=True)
class Nested(Plain):
    """A JSON object read into a spec dataclass (a plain value first goes through ``shorthand``)."""

    cls: type[DatasetSpec] | type[Budget]
    shorthand: Callable[[Any], Any]
    shape: str  # the message when the value is no object
    missing: Any = None

    def read(self, field: str, value: Any, stored: bool = False) -> Any:
        value = value if isinstance(value, dict) else self.shorthand(value)
        if not isinstance(value, dict):
            raise FieldError(field, self.shape)
        errors: list[FieldError] = []
        values = read_fields(self.cls, value, f"{field}.", errors, stored)
        if not errors:
            built = self.cls(**values)
            errors = built.problems(f"{field}.")
        if errors:
            raise SpecError(errors)
        return built

    def load(self, field: str, value: Any) -> Any:
        return self.read(field, value, stored=True)

    def dump(self, value: Any) -> Any:
        return value.to_dict()

    def allowed(self) -> str:
        return "an object (below)"


class SpaceRule(Plain):
    """Hyperparameter name → its fixed value, range or choice (``tuning.definition.space``)."""

    missing: Any = {}

    def read(self, field: str, value: Any) -> dict[str, Param]:
        if not isinstance(value, dict):
            raise FieldError(field, "must map hyperparameter names to values")
        errors: list[FieldError] = []
        space: dict[str, Param] = {}
        for name in sorted(value):
            try:
                space[name] = parse_param(name, value[name])
            except FieldError as error:
                errors.append(error)
        if errors:
            raise SpecError(errors)
        return space

    def dump(self, value: dict[str, Param]) -> dict[str, Any]:
        return {name: param.to_json() for name, param in value.items()}

    def allowed(self) -> str:
        return "see the space below"


DATASET = Nested(
    DatasetSpec,
    lambda raw: {"name": raw} if isinstance(raw, str) else raw,
    f"must name one of {list(DATASETS)}",
)
BUDGET = Nested(
    Budget,
    lambda raw: {"n_trials": raw} if is_int(raw) else raw,
    "must be {'n_trials': N} and/or {'timeout_s': seconds}",
    missing={},
)


@dataclass(frozen=True)
class RunSpec:
    """A whole search. Build it with ``from_dict``; it is immutable afterwards."""

    dataset: DatasetSpec = spec_field(DATASET)
    space: dict[str, Param] = spec_field(SpaceRule())
    strategy: Strategy = spec_field(OneOf.enum(Strategy))
    budget: Budget = spec_field(BUDGET)
    seed: int = spec_field(SEED, 0)
    workers: int = spec_field(Whole(1, 64), 1)
    pruner: Pruner = spec_field(OneOf.enum(Pruner), Pruner.NONE)
    repeats: int = spec_field(Whole(1, 20), 1)
    cv_folds: int = spec_field(Whole(0, 20), 0)
    val_fraction: float = spec_field(Fraction(), 0.2)
    test_fraction: float = spec_field(Fraction(), 0.2)
    grid_cap: int = spec_field(Whole(1, MAX_GRID), MAX_GRID)
    heartbeat_s: float = spec_field(Seconds(1, 600), 10.0)
    grace_s: float = spec_field(Seconds(3, DAY_S), 60.0)
    #: Trials a worker trains at once, as one population; None (omitted): the worker chooses.
    population: int | None = spec_field(Optional(Whole(1, 256)), None)
    #: regression or classification; None (omitted) until launch fills it in from the data.
    task: Task | None = spec_field(Optional(OneOf.enum(Task)), None)
    #: The selection metric; None (omitted): the first objective, else the task's loss (MSE, or log loss).
    metric: str | None = spec_field(Optional(OneOf(lambda: METRICS)), None)
    #: Which baselines to fit; None (omitted): "auto", a costly one only when it is cheap
    #: beside the run (see definition/baselines.py).
    baselines: BaselineRequest | None = spec_field(Optional(OneOf.enum(BaselineRequest)), None)
    #: What the run optimises at once, the selection metric first; None (omitted): that metric alone.
    objectives: tuple[Objective, ...] | None = spec_field(Optional(ObjectivesRule()), None)
    #: Bounds a trial must keep to be feasible (``max_params``...); None (omitted): none.
    constraints: tuple[Bound, ...] | None = spec_field(Optional(ConstraintsRule()), None)
    #: true: once the run ends, train the winner again on training + validation rows (its
    #: epochs), test it once, and predict with it; None (omitted) or false: keep the selected model.
    refit: bool | None = spec_field(Optional(Flag()), None)

    @classmethod
    def from_dict(cls, raw: Any) -> RunSpec:
        """Validate ``raw`` (parsed JSON) and build a spec, or raise SpecError."""
        return cls._read(raw, stored=False)

    @classmethod
    def from_stored(cls, raw: Any) -> RunSpec:
        """The spec of a stored run: read like ``from_dict``, but bounds tightened since it
        was stored do not apply (types, names and keys still do), so it still loads."""
        return cls._read(raw, stored=True)

    @classmethod
    def _read(cls, raw: Any, stored: bool) -> RunSpec:
        errors = [] if isinstance(raw, dict) else [FieldError("spec", "must be a JSON object")]
        values = read_fields(cls, raw if isinstance(raw, dict) else {}, "", errors, stored)
        errors += _cross_field_problems(values)
        if not errors:
            errors += _strategy_problems(
                values["strategy"], values["space"], values["budget"], values["grid_cap"]
            )
            errors += _objective_problems(values["strategy"], values["pruner"], values["objectives"])
        if errors:
            raise SpecError(errors)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dump_fields(self, omit_none=True)

    def with_task(self, task: Task) -> RunSpec:
        """This spec for data of ``task``: the task stored, the metric named. A task or
        metric the spec already chose, and every metric it optimises or bounds, must agree
        with the data's (FieldError or SpecError otherwise)."""
        if self.task is not None and self.task is not task:
            raise FieldError(
                "task", f"the data's target needs {task.value}, but the spec says {self.task.value}"
            )
        metric = self.metric or (self.objectives[0].name if self.objectives else DEFAULT_METRIC[task])
        if get_metric(metric).task is not task:
            raise FieldError("metric", f"{metric!r} scores {get_metric(metric).task.value}, not {task.value}")
        problems = task_problems(self.objectives, self.constraints, task, metric)
        if problems:
            raise SpecError(problems)
        return replace(self, task=task, metric=metric)

    @property
    def selection(self) -> Metric:
        """The metric trials are compared by (the first objective, or the task's loss until a
        task is known)."""
        first = self.objectives[0].name if self.objectives else None
        return get_metric(self.metric or first or DEFAULT_METRIC[self.task or Task.REGRESSION])

    @property
    def goals(self) -> tuple[Objective, ...]:
        """What the run optimises, the selection metric first: the study's values, in order."""
        return self.objectives or (Objective(self.selection.name, self.selection.direction),)

    @property
    def directions(self) -> list[Direction]:
        """The study's directions, one per goal."""
        return [goal.direction for goal in self.goals]

    @property
    def tradeoff(self) -> bool:
        """True when trials are judged by more than one score: several objectives, or bounds."""
        return len(self.goals) > 1 or bool(self.constraints)

    def measured(self) -> set[Measure]:
        """The quantities a worker must measure for each complete trial (beyond the metrics)."""
        names = {goal.name for goal in self.goals} | {bound.name for bound in self.constraints or ()}
        return {measure for measure in Measure if measure.value in names}

    def searched(self) -> dict[str, Param]:
        """The hyperparameters that vary (everything but the fixed ones)."""
        return {n: p for n, p in self.space.items() if not isinstance(p, Fixed)}

    def fixed_values(self) -> dict[str, Any]:
        """Defaults overlaid with the fixed values of the space."""
        values: dict[str, Any] = {name: d.default for name, d in DOMAINS.items()}
        values.update({n: p.value for n, p in self.space.items() if isinstance(p, Fixed)})
        return values

    def iter_grid(self) -> Iterator[dict[str, Any]]:
        """Every combination of the searched values, one at a time, in a stable order (sorted names)."""
        names = sorted(self.searched())
        for values in itertools.product(*(self.space[name].values() for name in names)):
            yield dict(zip(names, values, strict=True))

    def grid(self) -> list[dict[str, Any]]:
        """Every combination of the searched values (``iter_grid`` as a list)."""
        return list(self.iter_grid())

    @property
    def exhaustive(self) -> bool:
        """True when the strategy visits every grid combination once (see ``StrategyInfo``)."""
        return STRATEGIES[self.strategy].exhaustive

    def open_ended(self) -> bool:
        """True when only the time limit ends the run, so no trials can be queued up front."""
        return not self.exhaustive and self.budget.n_trials is None

    def n_trials_planned(self) -> int | None:
        """Trials a run will make: the grid size for an exhaustive strategy, else the trial budget."""
        if self.exhaustive:
            return grid_size(self.space)
        return self.budget.n_trials


def grid_size(space: dict[str, Param]) -> int:
    """The number of grid combinations, counted without enumerating them; ``space`` must be enumerable."""
    total = 1
    for param in space.values():
        total *= param.size() if isinstance(param, Range) else len(param.values())  # type: ignore[operator]
    return total


def _cross_field_problems(values: dict[str, Any]) -> list[FieldError]:
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


def _objective_problems(
    strategy: Strategy, pruner: Pruner, objectives: tuple[Objective, ...] | None
) -> list[FieldError]:
    """Several objectives need a strategy that can weigh them, and no pruner (Optuna prunes
    on one score per epoch)."""
    if objectives is None or len(objectives) < 2:
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


def _strategy_problems(
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
