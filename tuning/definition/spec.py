"""The run spec: everything a worker needs to run a search, as validated plain data.

``RunSpec.from_dict`` is the only way in: it validates every field and collects every
problem into one SpecError, so a UI can show each message next to its widget. ``to_dict``
gives JSON that ``from_dict`` accepts again; that JSON is stored with the study.

Each field is declared once, with its rule (``tuning.rules``): its bounds and
message, its JSON form, and what the docs say it allows. Reading, the known keys and
``to_dict`` are derived from the dataclass fields.

The space is read against the spec's model family (``tuning.models``): the built-in MLP
unless ``model`` names a model file (or ``objective`` an Optuna objective), whose
description the spec keeps in ``source`` (``models/source.py``: probed in a process of its
own when a spec is read, taken from the storage when a stored run is).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from tuning.data.dataset_spec import SEED, DatasetSpec
from tuning.data.datasets import DATASETS
from tuning.data.splits import check_classes
from tuning.data.task import Task
from tuning.definition.baselines import BaselineRequest
from tuning.definition.metrics import DEFAULT_METRIC, METRICS, Direction, Metric, get_metric, objective_metric
from tuning.definition.objectives import (
    Bound,
    ConstraintsRule,
    Measure,
    Objective,
    ObjectivesRule,
    task_problems,
)
from tuning.definition.pruners import Pruner
from tuning.definition.space import Fixed, Param, Range
from tuning.definition.spec_checks import (
    cross_field_problems,
    grid_size,
    objective_problems,
    strategy_problems,
)
from tuning.definition.spec_models import Device, Directions, code_problems, family_of, parse_space
from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.errors import FieldError, SpecError
from tuning.models.builtin import DEFAULT_MODEL, MODELS
from tuning.models.family import ModelFamily
from tuning.models.reference import CodeKind
from tuning.models.source import ModelSource, describe
from tuning.rules import (
    Flag,
    Fraction,
    OneOf,
    Optional,
    Plain,
    Seconds,
    Text,
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
    """Hyperparameter name → its fixed value, range or choice (``tuning.definition.space``).

    Reading only checks the shape: each entry is parsed against the spec's model family
    once the family is known (``parse_space``)."""

    missing: Any = {}

    def read(self, field: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise FieldError(field, "must map hyperparameter names to values")
        return value

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
    #: A model family: a ``MODELS`` name, a model file or a module; None (omitted): the MLP.
    model: str | None = spec_field(Optional(Text("a model file, module or family")), None)
    #: An Optuna objective, ``file.py:function`` or ``module:function``; excludes ``model``.
    objective: str | None = spec_field(Optional(Text("an objective function")), None)
    #: Which way an objective's value improves: one direction, or one per value of an
    #: objective that returns several (a trade-off, as ``objectives`` is for a model);
    #: None (omitted): minimize.
    direction: tuple[Direction, ...] | None = spec_field(Optional(Directions()), None)
    #: Where workers train; None (omitted): auto, a GPU when there is one.
    device: str | None = spec_field(Optional(Device()), None)
    #: What the model file or objective declares (not part of the JSON; see the module).
    source: ModelSource | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_dict(cls, raw: Any, source: ModelSource | None = None) -> RunSpec:
        """Validate ``raw`` (parsed JSON) and build a spec, or raise SpecError. A spec naming
        a model file or objective describes it (``source``, when the caller has it already)."""
        return cls._read(raw, stored=False, source=source)

    @classmethod
    def from_stored(cls, raw: Any, source: ModelSource | None = None) -> RunSpec:
        """The spec of a stored run: read like ``from_dict``, but bounds tightened since it
        was stored do not apply (types, names and keys still do), so it still loads. A run
        of a model file or objective passes its stored ``source``: nothing is imported."""
        return cls._read(raw, stored=True, source=source)

    @classmethod
    def for_code(cls, kind: CodeKind, reference: str, raw: dict[str, Any] | None = None) -> RunSpec:
        """A spec for the model file or objective ``reference``: its ``DEFAULTS`` (a partial
        spec) overridden by ``raw``, so ``launch --model FILE`` alone runs."""
        source = describe(kind, reference)
        merged = {**(source.defaults or {}), **(raw or {}), kind.value: reference}
        return cls.from_dict(merged, source=source)

    @classmethod
    def _read(cls, raw: Any, stored: bool, source: ModelSource | None) -> RunSpec:
        errors = [] if isinstance(raw, dict) else [FieldError("spec", "must be a JSON object")]
        raw = raw if isinstance(raw, dict) else {}
        family, source = family_of(raw, stored, source, errors)
        if not family.needs_dataset and "dataset" not in raw:
            raw = {**raw, "dataset": {"name": "code"}}
        values = read_fields(cls, raw, "", errors, stored)
        values["space"], problems = parse_space(family, values["space"] or {})
        errors += problems + cross_field_problems(values) + code_problems(values, family)
        if not errors:
            errors += strategy_problems(
                values["strategy"], values["space"], values["budget"], values["grid_cap"]
            )
            values_told = len(values["objectives"] or values["direction"] or ())
            errors += objective_problems(values["strategy"], values["pruner"], values_told)
        if errors:
            raise SpecError(errors)
        return cls(**values, source=source)

    def to_dict(self) -> dict[str, Any]:
        return dump_fields(self, omit_none=True)

    @property
    def family(self) -> ModelFamily:
        """The model family this spec tunes (``tuning.models``)."""
        if self.source is not None:
            return self.source.family
        return MODELS[self.model] if self.model else DEFAULT_MODEL

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

    def with_code_task(self) -> RunSpec:
        """This spec for its code's own data (``dataset`` ``code``): an objective's needs no
        task; a model file's ``data()`` has the task its probe found (unless the spec says
        one), and a class too rare for the split is refused as a table's would be."""
        if self.objective is not None:
            return self
        info = (self.source.data if self.source else None) or {}
        if "task" not in info:
            raise FieldError("dataset", "the 'code' dataset needs a model file with a data() function")
        task = self.task or Task(info["task"])
        if task is Task.CLASSIFICATION and not info.get("ready"):
            check_classes({str(c): n for c, n in enumerate(info["class_counts"])}, self.cv_folds, "dataset")
        return self.with_task(task)

    @property
    def selection(self) -> Metric:
        """The metric trials are compared by (the first objective, or the task's loss until a
        task is known; an objective's first value, in its direction)."""
        if self.objective is not None:
            return objective_metric(0, (self.direction or (Direction.MINIMIZE,))[0])
        first = self.objectives[0].name if self.objectives else None
        return get_metric(self.metric or first or DEFAULT_METRIC[self.task or Task.REGRESSION])

    @property
    def goals(self) -> tuple[Objective, ...]:
        """What the run optimises, the selection metric first: the study's values, in order
        (an objective's: one per value it returns, as its ``direction`` lists them)."""
        if self.objective is not None:
            directions = self.direction or (Direction.MINIMIZE,)
            return tuple(Objective(objective_metric(i, d).name, d) for i, d in enumerate(directions))
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
        """The family's defaults overlaid with the fixed values of the space."""
        values: dict[str, Any] = {name: h.domain.default for name, h in self.family.hyperparameters.items()}
        values.update({n: p.value for n, p in self.space.items() if isinstance(p, Fixed)})
        return values

    def largest(self, name: str) -> Any:
        """The largest value the run may give hyperparameter ``name`` (its default when the
        space leaves it out): what a cap or a cost must judge."""
        param = self.space.get(name)
        if param is None:
            return self.fixed_values()[name]
        return param.high if isinstance(param, Range) else max(param.values())  # type: ignore[type-var]

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
