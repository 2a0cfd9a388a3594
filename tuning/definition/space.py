"""The search space: each hyperparameter is fixed, a range, or a list of choices.

A space is plain data (it round-trips through JSON) so it can be stored with the study,
shown in the UI and copied into a command. Bounds are inclusive everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import optuna

from tuning.errors import FieldError
from tuning.models.hyperparameters import Domain, Hyperparameter, Scalar, number_problem


@dataclass(frozen=True)
class Fixed:
    """One value, not searched."""

    value: Scalar

    def values(self) -> list[Scalar]:
        return [self.value]

    def to_json(self) -> Scalar:
        return self.value


@dataclass(frozen=True)
class Choice:
    """A categorical list; every entry is a candidate."""

    options: tuple[Scalar, ...]

    def values(self) -> list[Scalar]:
        return list(self.options)

    def to_json(self) -> dict[str, Any]:
        return {"type": "choice", "values": list(self.options)}


@dataclass(frozen=True)
class Range:
    """An int or float range with inclusive bounds, optionally log-scaled or stepped."""

    kind: type  # int or float
    low: float
    high: float
    log: bool = False
    step: float | None = None

    def values(self) -> list[Scalar]:
        """The discrete points a grid visits: every ``step`` from ``low`` to ``high``."""
        if self.step is None:
            if self.kind is int:
                return list(range(int(self.low), int(self.high) + 1))
            raise ValueError("a float range needs a step to be enumerated")
        count = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        points = [self.low + i * self.step for i in range(count)]
        if self.kind is int:
            return [int(round(p)) for p in points]
        return [round(p, 12) for p in points]

    def size(self) -> int | None:
        """How many grid points this range holds, or None when it is continuous."""
        if self.step is None and self.kind is float:
            return None
        step = self.step or 1
        return int(math.floor((self.high - self.low) / step + 1e-9)) + 1

    def distribution(self) -> optuna.distributions.BaseDistribution:
        if self.kind is int:
            return optuna.distributions.IntDistribution(
                int(self.low), int(self.high), log=self.log, step=int(self.step or 1)
            )
        return optuna.distributions.FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": "int" if self.kind is int else "float",
            "low": self.low,
            "high": self.high,
        }
        if self.log:
            data["log"] = True
        if self.step is not None:
            data["step"] = self.step
        return data


Param = Fixed | Choice | Range

#: The keys each JSON form of a hyperparameter takes; any other key is refused.
KEYS: dict[str, set[str]] = {
    "fixed": {"type", "value"},
    "choice": {"type", "values"},
    "int": {"type", "low", "high", "log", "step"},
    "float": {"type", "low", "high", "log", "step"},
}
#: The most points a stepped range may hold: a grid's size is counted from these, and a
#: step of 1e-300 would otherwise overflow the count.
MAX_RANGE_POINTS = 10**9


def parse_param(name: str, raw: Any, known: Mapping[str, Hyperparameter]) -> Param:
    """Turn the JSON form of one hyperparameter of a family (``known``: its hyperparameters)
    into a validated Param.

    Raises FieldError naming ``space.<name>`` and what is allowed.
    """
    field = f"space.{name}"
    if name not in known:
        raise FieldError(field, f"unknown hyperparameter; known ones are {sorted(known)}")
    domain = known[name].domain
    if not isinstance(raw, dict):
        problem = domain.check(raw)
        if problem:
            raise FieldError(field, problem)
        return Fixed(int(raw) if domain.kind is int else raw)
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in KEYS:  # a list or object from JSON is unhashable
        raise FieldError(field, f"type must be 'fixed', 'choice', 'int' or 'float', got {kind!r}")
    unknown = sorted(set(raw) - KEYS[kind], key=str)
    if unknown:
        what = "a choice" if kind == "choice" else f"a {kind} value" if kind == "fixed" else f"a {kind} range"
        raise FieldError(field, f"unknown key {unknown[0]!r}; {what} takes {sorted(KEYS[kind])}")
    if kind == "fixed":
        return parse_param(name, raw.get("value"), known)
    if kind == "choice":
        return _parse_choice(field, domain, raw)
    return _parse_range(field, domain, raw, int if kind == "int" else float)


def _parse_choice(field: str, domain: Domain, raw: dict[str, Any]) -> Choice:
    options = raw.get("values")
    if not isinstance(options, list) or not options:
        raise FieldError(field, "a choice needs a non-empty list of values")
    for option in options:
        problem = domain.check(option)
        if problem:
            raise FieldError(field, f"every value {problem}")
    if len(set(options)) != len(options):
        raise FieldError(field, f"values must not repeat, got {options}")
    if domain.kind is int:
        options = [int(o) for o in options]
    return Choice(tuple(options))


def _parse_range(field: str, domain: Domain, raw: dict[str, Any], kind: type) -> Range:
    if domain.kind is str or domain.choices:
        raise FieldError(field, f"is categorical; use a choice of {list(domain.choices)}")
    if domain.kind is int and kind is float:
        raise FieldError(field, "takes whole numbers; use an 'int' range")
    for bound_name in ("low", "high"):
        problem = domain.check(raw.get(bound_name))
        if problem:
            raise FieldError(field, f"{bound_name} {problem}")
    low: float = raw["low"]  # both checked numbers now
    high: float = raw["high"]
    if low > high:
        raise FieldError(field, f"low <= high must hold, but got low={low}, high={high}")
    log = raw.get("log", False)
    if not isinstance(log, bool):
        raise FieldError(field, f"log must be true or false (a JSON boolean), got {log!r}")
    if log and low <= 0:
        raise FieldError(field, f"a log range must stay above 0, but got low={low}")
    step = raw.get("step")
    if step is not None:
        _check_step(field, step, low, high, log, kind)
    if kind is int:
        return Range(int, int(low), int(high), log, int(step) if step is not None else None)
    return Range(float, float(low), float(high), log, float(step) if step is not None else None)


def _check_step(field: str, step: Any, low: float, high: float, log: bool, kind: type) -> None:
    """A step is a finite number > 0, whole for ints, not with log, and leaves a countable range."""
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step) or step <= 0:
        raise FieldError(field, f"step must be a number > 0, got {step!r}")
    if log:
        raise FieldError(field, "a range cannot be both log-scaled and stepped")
    if kind is int and not float(step).is_integer():
        raise FieldError(field, f"an int range needs a whole-number step, got {step}")
    points = (high - low) / step
    if not points < MAX_RANGE_POINTS:  # also catches an infinite count
        raise FieldError(
            field,
            f"step {step:g} makes {points:.3g} points from low to high, more than "
            f"{MAX_RANGE_POINTS:,}; use a larger step",
        )


def check_value(param: Param, value: Any) -> str | None:
    """Why ``value`` is not one this param can take (type, bounds, step, choice), or None.

    A hand-picked configuration and an inherited trial must fit the run's space exactly,
    or the sampler would be told of a point it can never propose.
    """
    if isinstance(param, Fixed):
        return None if value == param.value else f"is fixed at {param.value!r} in this run, got {value!r}"
    if isinstance(param, Choice):
        if value not in param.options or isinstance(value, bool):
            return f"must be one of {list(param.options)}, got {value!r}"
        return None
    problem = number_problem(param.kind, value)
    if problem:
        return problem
    if not param.low <= value <= param.high:
        return f"must be from {param.low:g} to {param.high:g}, got {value!r}"
    if param.step is not None:
        steps = (value - param.low) / param.step
        if abs(steps - round(steps)) > 1e-9:
            return f"must be {param.low:g} plus a multiple of {param.step:g}, got {value!r}"
    return None


def normalise(param: Param, value: Any) -> Scalar:
    """``value`` in the param's own type (a whole float such as 32.0 becomes 32 for an int)."""
    if isinstance(param, Range):
        return int(round(value)) if param.kind is int else float(value)
    if isinstance(param, Choice):
        return next(option for option in param.options if option == value)
    return param.value


def suggest(trial: optuna.Trial, name: str, param: Param) -> Scalar:
    """Ask Optuna for a value of one hyperparameter; fixed ones are not suggested."""
    if isinstance(param, Fixed):
        return param.value
    if isinstance(param, Choice):
        return trial.suggest_categorical(name, list(param.options))  # type: ignore[return-value]
    if param.kind is int:
        return trial.suggest_int(
            name, int(param.low), int(param.high), step=int(param.step or 1), log=param.log
        )
    return trial.suggest_float(name, param.low, param.high, step=param.step, log=param.log)
