"""Families built from a user's code: a model file's ``SPACE``, or an Optuna objective.

A model file's ``SPACE`` entries take the spec's JSON forms (fixed value, int or float
range with ``log``/``step``, choice); each becomes a hyperparameter whose domain is the
declared range (or the listed values), so the spec's space may narrow it but not leave
it, and whose widget draws that range. The training loop's hyperparameters (optimizer,
lr, weight_decay, batch_size, epochs) are added with their defaults unless ``SPACE``
declares them; a declared one must also keep the loop's own rule (``lr`` > 0, …).
``definition/spec.py`` parses the declared entries with the same rules as a spec's.

An objective's space is in its code (``trial.suggest_*``): its family has no
hyperparameters; the charts read the space from the trials.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tuning.errors import FieldError
from tuning.models.family import ModelFamily
from tuning.models.hyperparameters import Domain, Hyperparameter, Widget, ladder
from tuning.models.reference import CodeKind
from tuning.models.training_space import TRAINING
from tuning.registry import Registry

if TYPE_CHECKING:
    from tuning.models.source import ModelSource

#: A model of the user's costs what it costs: the forecast assumes the digits CNN's
#: training time per row and epoch on one CPU thread (examples/digits_cnn.py), an
#: Optuna objective a second per trial, and both a mid-sized model's memory.
ROW_EPOCH_S = 0.2e-3
OBJECTIVE_TRIAL_S = 1.0
NOMINAL_PARAMETERS = 1e5
NOMINAL_ACTIVATION_FLOATS = 1e4
SLIDER_STOPS = 200  # an int range with more steps gets two number inputs


class CodeCost:
    """The ``CostModel`` of a user's model or objective: one trial at a time, nominal figures."""

    def __init__(self, epochs_default: int, per_row_epoch_s: float, per_trial_s: float = 0.0) -> None:
        self.epochs_default, self.per_row_epoch_s, self.per_trial_s = (
            epochs_default,
            per_row_epoch_s,
            per_trial_s,
        )

    def step_cost(self, largest: Mapping[str, Any], features: int) -> float:
        return 0.0

    def plan(
        self, configs: Sequence[Mapping[str, Any]], rows: int, features: int, members: int
    ) -> list[list[int]]:
        return [[index] for index in range(len(configs))]

    def training_seconds(
        self, configs: Sequence[Mapping[str, Any]], rows: int, features: int, members: int
    ) -> float:
        epochs = max(int(c.get("epochs", self.epochs_default)) for c in configs)
        return len(configs) * (self.per_trial_s + self.per_row_epoch_s * rows * epochs * members)

    def forward_macs(self, config: Mapping[str, Any], features: int) -> float:
        return 0.0

    def parameters(self, config: Mapping[str, Any], features: int) -> float:
        return NOMINAL_PARAMETERS

    def activation_floats(self, config: Mapping[str, Any]) -> float:
        return NOMINAL_ACTIVATION_FLOATS


def code_family(source: ModelSource) -> ModelFamily:
    """The family of a described model file or objective; FieldError for a SPACE entry no
    widget can hold (a boolean, a list, null)."""
    if source.kind is CodeKind.OBJECTIVE:
        return ModelFamily(
            name=source.reference, label=f"your Optuna objective {source.reference}",
            hyperparameters=Registry("hyperparameter", {}), cost=CodeCost(1, 0.0, OBJECTIVE_TRIAL_S),
            trainer="tuning.training.user_objective:FunctionObjective", tests_winner=False,
            needs_dataset=False,
        )  # fmt: skip
    entries = {name: declared(source.reference, name, raw) for name, raw in source.space.items()}
    entries.update({name: entry for name, entry in TRAINING.items() if name not in entries})
    epochs = int(entries["epochs"].domain.default)
    return ModelFamily(
        name=source.reference, label=f"your model {source.reference}",
        hyperparameters=Registry("hyperparameter", entries), cost=CodeCost(epochs, ROW_EPOCH_S),
        trainer="tuning.training.custom:ModuleObjective", declared=dict(source.space),
        needs_dataset="data" not in source.hooks,
    )  # fmt: skip


def declared(reference: str, name: str, raw: Any) -> Hyperparameter:
    """The hyperparameter a SPACE entry declares (its checks are the spec's: see the module)."""
    training = TRAINING.get(name)
    kind = raw.get("type") if isinstance(raw, dict) else "fixed"
    if kind == "fixed":
        value: Any = raw.get("value") if isinstance(raw, dict) else raw
        domain = Domain(_kind(reference, name, [value]), default=value)
        if training is not None:
            return Hyperparameter(replace(training.domain, default=value), training.widget)
        return Hyperparameter(domain, _widget(reference, name, (value, value), (value,)))
    if kind == "choice":
        values = raw.get("values") if isinstance(raw.get("values"), list) else []
        domain = Domain(
            _kind(reference, name, values), choices=tuple(values), default=values[0] if values else 0
        )
        return Hyperparameter(domain, _widget(reference, name, (0, 0), tuple(values), training))
    low, high = raw.get("low"), raw.get("high")
    numbers = all(
        isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b) for b in (low, high)
    )
    if not numbers or low > high:
        low = high = None  # the spec's parse of this entry says what is wrong
    number = int if kind == "int" else float
    domain = Domain(number, low, high, default=low if low is not None else 0)
    return Hyperparameter(domain, _range_widget(reference, name, raw, number, training))


def _kind(reference: str, name: str, values: list[Any]) -> type:
    """The one kind (int, float, str) of a SPACE entry's values; FieldError for others."""
    kinds = {type(v) for v in values}
    if kinds and kinds <= {int} or kinds <= {str} and kinds:
        return kinds.pop()
    if kinds and kinds <= {int, float}:
        return float
    raise FieldError(
        "model",
        f"{reference}: SPACE[{name!r}] holds {values!r:.60}; a hyperparameter's values are all whole "
        "numbers, all numbers or all strings",
    )


def _widget(
    reference: str,
    name: str,
    bounds: tuple[Any, Any],
    suggestions: tuple[Any, ...],
    training: Hyperparameter | None = None,
) -> Widget:
    label = training.widget.label if training else name
    help_text = f"declared in {reference}'s SPACE" + (f": {training.widget.help}" if training else "")
    return Widget(label, help_text, bounds, suggestions)


def _range_widget(
    reference: str, name: str, raw: dict[str, Any], number: type, training: Hyperparameter | None
) -> Widget:
    """A log ladder over a log range, a slider over a linear one (numbers for a long int range)."""
    low, high = raw.get("low"), raw.get("high")
    widget = _widget(reference, name, (low, high), (low, high), training)
    if low is None or high is None or not low < high:
        return widget
    if raw.get("log") is True and low > 0:
        stops = {
            low,
            high,
            *(v for v in ladder(math.floor(math.log10(low)), math.ceil(math.log10(high))) if low < v < high),
        }
        stops = {number(round(v)) if number is int else v for v in stops}
        return replace(widget, ladder=tuple(sorted(stops)))
    step = raw.get("step") or (1 if number is int else (high - low) / 20)
    if number is int and (high - low) / step > SLIDER_STOPS:
        return widget
    return replace(widget, slider=(low, high, step))
