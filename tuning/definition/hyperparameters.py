"""Hyperparameters: each one entry of ``HYPERPARAMETERS``, with its domain and how it is shown.

An entry holds what the engine accepts (``Domain``: kind, bounds, choices, default) and
what the Launch page needs to draw its row (``Widget``: label, help, a starting range,
suggested values, and a log ladder or a linear slider). The spec reader, the estimate and
the Launch form all read this registry, so adding a hyperparameter is one entry here
(plus the model or trainer code that uses its value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tuning.registry import Registry

Scalar = int | float | str


@dataclass(frozen=True)
class Domain:
    """What values a hyperparameter may take at all, whatever the space says."""

    kind: type  # int, float or str
    low: float | None = None
    high: float | None = None
    high_inclusive: bool = True
    low_inclusive: bool = True
    choices: tuple[str, ...] = ()
    default: Scalar = 0

    def check(self, value: Any) -> str | None:
        """Return why ``value`` is not allowed, or None when it is."""
        if self.kind is str:
            if value not in self.choices:
                return f"must be one of {list(self.choices)}, got {value!r}"
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {value!r}"
        if self.kind is int and not float(value).is_integer():
            return f"must be a whole number, got {value!r}"
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
        if self.domain.kind is str:
            return WidgetKind.SELECT
        if self.widget.ladder:
            return WidgetKind.LOG_SLIDER
        return WidgetKind.SLIDER if self.widget.slider else WidgetKind.NUMBERS


def _ladder(low_exp: int, high_exp: int) -> tuple[float, ...]:
    """1-2-5 stops per decade, for log-scaled sliders."""
    return tuple(float(f"{m}e{e}") for e in range(low_exp, high_exp) for m in (1, 2, 5)) + (10.0**high_exp,)


OPTIMIZERS = ("adam", "adamw", "sgd")
ACTIVATIONS = ("relu", "tanh", "gelu", "silu")
POWERS_OF_TWO = tuple(2**i for i in range(0, 13))

#: Every hyperparameter the engine knows, in the order the Launch page shows them.
HYPERPARAMETERS: Registry[str, Hyperparameter] = Registry(
    "hyperparameter",
    {
        "n_layers": Hyperparameter(
            Domain(int, 1, 4, default=1),
            Widget(
                "Hidden layers",
                "how many Linear → activation → Dropout blocks",
                (1, 3),
                (1, 2, 3, 4),
                slider=(1, 4, 1),
            ),
        ),
        "hidden_size": Hyperparameter(
            Domain(int, 1, 1024, default=16),
            Widget(
                "Hidden units",
                "width of every hidden layer",
                (8, 128),
                (8, 16, 32, 64, 128),
                ladder=(1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024),
            ),
        ),
        "activation": Hyperparameter(
            Domain(str, choices=ACTIVATIONS, default="relu"),
            Widget("Activation", "the non-linearity after each hidden layer", (0, 0), ACTIVATIONS),
        ),
        "dropout": Hyperparameter(
            Domain(float, 0.0, 1.0, high_inclusive=False, default=0.0),
            Widget(
                "Dropout",
                "share of hidden units switched off while training",
                (0.0, 0.5),
                (0.0, 0.1, 0.2, 0.3, 0.5),
                slider=(0.0, 0.9, 0.05),
            ),
        ),
        "optimizer": Hyperparameter(
            Domain(str, choices=OPTIMIZERS, default="adam"),
            Widget("Optimizer", "how the weights are updated", (0, 0), OPTIMIZERS),
        ),
        "lr": Hyperparameter(
            Domain(float, 0.0, None, low_inclusive=False, default=1e-3),
            Widget(
                "Learning rate",
                "step size of the optimizer (log scale)",
                (1e-4, 1e-2),
                (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1),
                ladder=_ladder(-6, 0),
            ),
        ),
        "weight_decay": Hyperparameter(
            Domain(float, 0.0, None, default=0.0),
            Widget(
                "Weight decay",
                "L2 penalty on the weights (log scale)",
                (1e-6, 1e-2),
                (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2),
                ladder=_ladder(-8, -1),
            ),
        ),
        "batch_size": Hyperparameter(
            Domain(int, 1, 65536, default=16),
            Widget(
                "Batch size",
                "rows per optimizer step (log scale)",
                (16, 128),
                (1, 2, 4, 8, 16, 32, 64, 128, 256),
                ladder=POWERS_OF_TWO,
            ),
        ),
        "epochs": Hyperparameter(
            Domain(int, 1, 10000, default=50),
            Widget(
                "Epochs",
                "passes over the training rows; one loss point each",
                (20, 100),
                (10, 20, 30, 50, 100, 200),
            ),
        ),
    },
)

#: Each hyperparameter's domain alone (read from ``HYPERPARAMETERS``).
DOMAINS: dict[str, Domain] = {name: entry.domain for name, entry in HYPERPARAMETERS.items()}
