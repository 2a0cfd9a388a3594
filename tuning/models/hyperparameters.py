"""What a hyperparameter is: the values the engine accepts and the row the Launch page draws.

An entry holds what the engine accepts (``Domain``: kind, bounds, choices, default) and
what the Launch page needs to draw its row (``Widget``: label, help, a starting range,
suggested values, and a log ladder or a linear slider). Each model family owns a registry
of them (``tuning.models``): the MLP's in ``mlp.py``, the training loop's shared ones in
``training_space.py``, a user's model file's built from its ``SPACE`` (``user.py``). The
spec reader, the estimate and the Launch form read the spec's family's registry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Scalar = int | float | str


def number_problem(kind: type, value: Any) -> str | None:
    """Why ``value`` is not a number of ``kind`` (int or float), or None: bools are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, got {value!r} ({type(value).__name__})"
    if kind is int and not float(value).is_integer():
        return f"must be a whole number, got {value!r}"
    return None


@dataclass(frozen=True)
class Domain:
    """What values a hyperparameter may take at all, whatever the space says."""

    kind: type  # int, float or str
    low: float | None = None
    high: float | None = None
    high_inclusive: bool = True
    low_inclusive: bool = True
    #: The only values allowed: a categorical hyperparameter's names, or a model file's
    #: listed numbers (``{"type": "choice", "values": [16, 32]}`` in its SPACE).
    choices: tuple[Scalar, ...] = ()
    default: Scalar = 0

    def check(self, value: Any) -> str | None:
        """Return why ``value`` is not allowed, or None when it is."""
        if self.kind is str:
            if value not in self.choices:
                return f"must be one of {list(self.choices)}, got {value!r}"
            return None
        problem = number_problem(self.kind, value)
        if problem:
            return problem
        if self.choices and value not in self.choices:
            return f"must be one of {list(self.choices)}, got {value!r}"
        if not math.isfinite(value):
            return f"must be finite, got {value!r}"
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return f"must be {'>=' if self.low_inclusive else '>'} {self.low:g}, got {value!r}"
        if self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)):
            return f"must be {'<=' if self.high_inclusive else '<'} {self.high:g}, got {value!r}"
        return None


class WidgetKind(StrEnum):
    """How a range of the hyperparameter is picked on the Launch page."""

    LOG_SLIDER = "log slider"  # a slider over log-spaced stops; the range is log-scaled
    SLIDER = "slider"  # a linear slider with a step
    NUMBERS = "numbers"  # two number inputs
    SELECT = "select"  # categorical: a select box, or a list of choices


@dataclass(frozen=True)
class Widget:
    """How one hyperparameter is shown: a log ladder, a linear slider, or number inputs."""

    label: str
    help: str
    default_range: tuple[float, float]
    suggestions: tuple[Any, ...]
    ladder: tuple[float, ...] = ()  # log-spaced stops: the range is log-scaled
    slider: tuple[float, float, float] | None = None  # linear (min, max, step)


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: the values the engine accepts and the row the Launch page draws."""

    domain: Domain
    widget: Widget

    @property
    def kind(self) -> WidgetKind:
        if self.domain.kind is str or self.domain.choices:
            return WidgetKind.SELECT
        if self.widget.ladder:
            return WidgetKind.LOG_SLIDER
        return WidgetKind.SLIDER if self.widget.slider else WidgetKind.NUMBERS


def ladder(low_exp: int, high_exp: int) -> tuple[float, ...]:
    """1-2-5 stops per decade, for log-scaled sliders."""
    return tuple(float(f"{m}e{e}") for e in range(low_exp, high_exp) for m in (1, 2, 5)) + (10.0**high_exp,)
