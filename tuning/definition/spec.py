"""The run spec: everything a worker needs to run a search, as validated plain data.

``RunSpec.from_dict`` is the only way in: it validates every field and collects every
problem into one SpecError, so a UI can show each message next to its widget. ``to_dict``
gives JSON that ``from_dict`` accepts again; that JSON is stored with the study.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, TypeVar

from tuning.data.dataset import DatasetOption
from tuning.data.datasets import DATASETS
from tuning.definition.hyperparameters import DOMAINS
from tuning.definition.metrics import DEFAULT_METRIC, METRICS, Metric, Task, get_metric
from tuning.definition.pruners import Pruner
from tuning.definition.space import Fixed, Param, Range, parse_param
from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.errors import FieldError, SpecError

__all__ = ["Budget", "DatasetSpec", "Pruner", "RunSpec", "Strategy", "grid_size"]

DEFAULT_GRID_CAP = 10_000


@dataclass(frozen=True)
class DatasetSpec:
    """Which data to train on; ``csv`` data itself is stored beside the spec, not in it."""

    name: str
    rows: int = 1000
    seed: int = 0
    target: str | None = None
    filename: str | None = None
    exclude: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The name and the options this dataset takes (its registry entry says which)."""
        options = {o.value: getattr(self, o.value) for o in DATASETS[self.name].options}
        return {"name": self.name, **{k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}}


@dataclass(frozen=True)
class Budget:
    """When a run ends: after ``n_trials`` trials and/or ``timeout_s`` seconds."""

    n_trials: int | None = None
    timeout_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class RunSpec:
    """A whole search. Build it with ``from_dict``; it is immutable afterwards."""

    dataset: DatasetSpec
    space: dict[str, Param]
    strategy: Strategy
    budget: Budget
    seed: int = 0
    workers: int = 1
    pruner: Pruner = Pruner.NONE
    repeats: int = 1
    cv_folds: int = 0
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    grid_cap: int = DEFAULT_GRID_CAP
    heartbeat_s: float = 10.0
    grace_s: float = 60.0
    #: None until launch fills it in from the data (``with_task``); then always set.
    task: Task | None = None
    #: The selection metric; None means the task's loss (MSE, or log loss).
    metric: str | None = None
    population: int | None = None  # trials a worker trains at once; None: the worker chooses

    @classmethod
    def from_dict(cls, raw: Any) -> RunSpec:
        """Validate ``raw`` (parsed JSON) and build a spec, or raise SpecError."""
        return _SpecReader(raw).read()

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset.to_dict(),
            "space": {name: param.to_json() for name, param in self.space.items()},
            "strategy": self.strategy.value,
            "budget": self.budget.to_dict(),
            "seed": self.seed,
            "workers": self.workers,
            "pruner": self.pruner.value,
            "repeats": self.repeats,
            "cv_folds": self.cv_folds,
            "val_fraction": self.val_fraction,
            "test_fraction": self.test_fraction,
            "grid_cap": self.grid_cap,
            "heartbeat_s": self.heartbeat_s,
            "grace_s": self.grace_s,
            **({"task": self.task.value} if self.task else {}),
            **({"metric": self.metric} if self.metric else {}),
        } | ({"population": self.population} if self.population is not None else {})

    def with_task(self, task: Task) -> RunSpec:
        """This spec for data of ``task``: the task stored, the metric named. A task or
        metric the spec already chose must agree with the data's (FieldError otherwise)."""
        if self.task is not None and self.task is not task:
            raise FieldError(
                "task", f"the data's target needs {task.value}, but the spec says {self.task.value}"
            )
        metric = self.metric or DEFAULT_METRIC[task]
        if get_metric(metric).task is not task:
            raise FieldError("metric", f"{metric!r} scores {get_metric(metric).task.value}, not {task.value}")
        return replace(self, task=task, metric=metric)

    @property
    def selection(self) -> Metric:
        """The metric trials are compared by (the task's loss until a task is known)."""
        return get_metric(self.metric or DEFAULT_METRIC[self.task or Task.REGRESSION])

    def searched(self) -> dict[str, Param]:
        """The hyperparameters that vary (everything but the fixed ones)."""
        return {n: p for n, p in self.space.items() if not isinstance(p, Fixed)}

    def fixed_values(self) -> dict[str, Any]:
        """Defaults overlaid with the fixed values of the space."""
        values: dict[str, Any] = {name: d.default for name, d in DOMAINS.items()}
        values.update({n: p.value for n, p in self.space.items() if isinstance(p, Fixed)})
        return values

    def grid(self) -> list[dict[str, Any]]:
        """Every combination of the searched values, in a stable order (sorted names)."""
        names = sorted(self.searched())
        combos: list[dict[str, Any]] = [{}]
        for name in names:
            combos = [{**c, name: v} for c in combos for v in self.space[name].values()]
        return combos

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
    """The number of grid combinations; ``space`` must hold only enumerable params."""
    total = 1
    for param in space.values():
        total *= param.size() if isinstance(param, Range) else len(param.values())  # type: ignore[operator]
    return total


T = TypeVar("T")


class _SpecReader:
    """Reads one raw spec, collecting every field error before failing."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw if isinstance(raw, dict) else {}
        self.errors: list[FieldError] = []
        if not isinstance(raw, dict):
            self.errors.append(FieldError("spec", "must be a JSON object"))

    def read(self) -> RunSpec:
        known = {
            "dataset", "space", "strategy", "budget", "seed", "workers", "pruner", "repeats",
            "cv_folds", "val_fraction", "test_fraction", "grid_cap", "heartbeat_s", "grace_s", "population",
            "task", "metric",
        }  # fmt: skip
        for key in sorted(set(self.raw) - known):
            self.errors.append(FieldError(key, f"unknown field; known fields are {sorted(known)}"))
        dataset = self._guard(self._dataset)
        space = self._space()
        strategy = self._enum("strategy", Strategy, None)
        pruner = self._enum("pruner", Pruner, Pruner.NONE)
        task, metric = self._task_and_metric()
        budget = self._guard(self._budget)
        spec_kwargs = dict(
            seed=self._int("seed", 0, 0, 2**31 - 1),
            workers=self._int("workers", 1, 1, 64),
            repeats=self._int("repeats", 1, 1, 20),
            cv_folds=self._int("cv_folds", 0, 0, 20),
            val_fraction=self._fraction("val_fraction", 0.2),
            test_fraction=self._fraction("test_fraction", 0.2),
            grid_cap=self._int("grid_cap", DEFAULT_GRID_CAP, 1, 10_000_000),
            heartbeat_s=self._positive("heartbeat_s", 10.0),
            grace_s=self._positive("grace_s", 60.0),
            population=None if self.raw.get("population") is None else self._int("population", 1, 1, 256),
        )
        if spec_kwargs["cv_folds"] == 1:
            self.errors.append(FieldError("cv_folds", "must be 0 (no cross-validation) or >= 2"))
        if spec_kwargs["grace_s"] < 3 * spec_kwargs["heartbeat_s"]:
            self.errors.append(
                FieldError("grace_s", "must be at least 3 × heartbeat_s, or live workers look dead")
            )
        if spec_kwargs["val_fraction"] + spec_kwargs["test_fraction"] >= 0.9:
            self.errors.append(FieldError("val_fraction", "val_fraction + test_fraction must stay below 0.9"))
        if not self.errors and strategy is not None and budget is not None:
            self._check_strategy(strategy, space, budget, spec_kwargs["grid_cap"])
        if self.errors:
            raise SpecError(self.errors)
        assert dataset is not None and strategy is not None and budget is not None
        return RunSpec(
            dataset=dataset, space=space, strategy=strategy, budget=budget, pruner=pruner,
            task=task, metric=metric, **spec_kwargs,  # type: ignore[arg-type]
        )  # fmt: skip

    def _guard(self, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except FieldError as error:
            self.errors.append(error)
            return None

    def _dataset(self) -> DatasetSpec:
        raw = self.raw.get("dataset")
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict):
            raise FieldError("dataset", f"must name one of {list(DATASETS)}")
        name = raw.get("name")
        if name not in DATASETS:
            raise FieldError("dataset.name", f"must be one of {list(DATASETS)}, got {name!r}")
        info = DATASETS[name]
        rows, seed = raw.get("rows", 1000), raw.get("seed", 0)
        if not _is_int(rows) or not 20 <= rows <= 1_000_000:
            raise FieldError("dataset.rows", f"must be a whole number from 20 to 1000000, got {rows!r}")
        if not _is_int(seed) or seed < 0:
            raise FieldError("dataset.seed", f"must be a whole number >= 0, got {seed!r}")
        target = raw.get("target")
        if DatasetOption.TARGET in info.options and (not isinstance(target, str) or not target):
            raise FieldError("dataset.target", "a CSV dataset needs the name of its target column")
        exclude = raw.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(c, str) for c in exclude):
            raise FieldError("dataset.exclude", f"must be a list of column names, got {exclude!r}")
        return DatasetSpec(name, rows, seed, target, raw.get("filename"), tuple(exclude))

    def _task_and_metric(self) -> tuple[Task | None, str | None]:
        """``task`` (optional: inferred from the data at launch) and ``metric`` (optional:
        the task's loss); a metric must belong to the task when both are given."""
        task = self._enum("task", Task, None) if self.raw.get("task") is not None else None
        metric = self.raw.get("metric")
        if metric is None:
            return task, None
        if metric not in METRICS:
            self.errors.append(FieldError("metric", f"must be one of {list(METRICS)}, got {metric!r}"))
            return task, None
        if task is not None and METRICS[metric].task is not task:
            names = [m for m, info in METRICS.items() if info.task is task]
            self.errors.append(
                FieldError("metric", f"{metric!r} is not a {task.value} metric; use one of {names}")
            )
        return task, metric

    def _space(self) -> dict[str, Param]:
        raw = self.raw.get("space", {})
        if not isinstance(raw, dict):
            self.errors.append(FieldError("space", "must map hyperparameter names to values"))
            return {}
        space: dict[str, Param] = {}
        for name in sorted(raw):
            try:
                space[name] = parse_param(name, raw[name])
            except FieldError as error:
                self.errors.append(error)
        return space

    def _budget(self) -> Budget:
        raw = self.raw.get("budget", {})
        if _is_int(raw):
            raw = {"n_trials": raw}
        if not isinstance(raw, dict):
            raise FieldError("budget", "must be {'n_trials': N} and/or {'timeout_s': seconds}")
        n_trials, timeout = raw.get("n_trials"), raw.get("timeout_s")
        if n_trials is not None and (not _is_int(n_trials) or n_trials < 1):
            raise FieldError("budget.n_trials", f"must be a whole number >= 1, got {n_trials!r}")
        if timeout is not None and (not _is_number(timeout) or timeout <= 0):
            raise FieldError("budget.timeout_s", f"must be a number of seconds > 0, got {timeout!r}")
        return Budget(n_trials, float(timeout) if timeout is not None else None)

    def _check_strategy(self, strategy: Strategy, space: dict[str, Param], budget: Budget, cap: int) -> None:
        """The constraints the strategy's registry entry declares."""
        info = STRATEGIES[strategy]
        if info.exhaustive:
            self._check_grid(space, cap)
        elif info.needs_budget and budget.n_trials is None and budget.timeout_s is None:
            self.errors.append(
                FieldError("budget", f"{strategy.value} search needs n_trials and/or timeout_s")
            )
        if info.numeric_only and any(not isinstance(p, Range) for p in self.searched_of(space)):
            message = f"{strategy.value} searches numeric ranges only; use bayesian for choices"
            self.errors.append(FieldError("strategy", message))

    def _check_grid(self, space: dict[str, Param], cap: int) -> None:
        for name, param in space.items():
            if isinstance(param, Range) and param.size() is None:
                self.errors.append(
                    FieldError(
                        f"space.{name}",
                        "a grid needs discrete values: give this float range a step, "
                        "or list the values as a choice",
                    )
                )
        if self.errors:
            return
        size = grid_size(space)
        if size > cap:
            self.errors.append(
                FieldError(
                    "space",
                    f"the grid has {size:,} combinations, more than the cap of {cap:,}; "
                    "remove values or use random or bayesian search",
                )
            )

    @staticmethod
    def searched_of(space: dict[str, Param]) -> list[Param]:
        return [p for p in space.values() if not isinstance(p, Fixed)]

    def _enum(self, key: str, enum: type[Enum], default: Any) -> Any:
        value = self.raw.get(key, default.value if default is not None else None)
        try:
            return enum(value)
        except ValueError:
            allowed = [e.value for e in enum]  # type: ignore[attr-defined]
            self.errors.append(FieldError(key, f"must be one of {allowed}, got {value!r}"))
            return None

    def _int(self, key: str, default: int, low: int, high: int) -> int:
        value = self.raw.get(key, default)
        if not _is_int(value) or not low <= value <= high:
            self.errors.append(FieldError(key, f"must be a whole number from {low} to {high}, got {value!r}"))
            return default
        return int(value)

    def _fraction(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if not _is_number(value) or not 0 < value < 1:
            self.errors.append(FieldError(key, f"must be a fraction between 0 and 1, got {value!r}"))
            return default
        return float(value)

    def _positive(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if not _is_number(value) or value <= 0:
            self.errors.append(FieldError(key, f"must be a number of seconds > 0, got {value!r}"))
            return default
        return float(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
