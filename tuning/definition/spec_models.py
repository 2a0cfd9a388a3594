"""What a spec says about its model: the family it names, and its space read against it.

A spec trains the built-in MLP unless ``model`` names another family: a ``MODELS`` entry,
or the user's model file or module; ``objective`` names an Optuna objective instead.
Their code is described by ``models/source.describe`` (a probe in a process of its own)
unless the caller holds the description already (a stored run always does). The space is
what the family declares (a model file's SPACE) overridden entry by entry by the spec's
own, each entry parsed against the family's hyperparameters; and some fields do not apply
to an objective. ``device`` is read here too: where the family's trainer runs; and an
objective's ``direction``: one, or one per value of an objective that returns a tuple.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tuning.data.datasets import DATASETS
from tuning.definition.metrics import MAX_OBJECTIVE_VALUES, Direction
from tuning.definition.space import Param, parse_param
from tuning.definition.strategies import STRATEGIES
from tuning.errors import FieldError
from tuning.models.builtin import DEFAULT_MODEL, MODELS
from tuning.models.family import ModelFamily
from tuning.models.reference import CodeKind
from tuning.models.source import ModelSource, describe
from tuning.models.training_space import TRAINING
from tuning.rules import Plain, shown


@dataclass(frozen=True)
class Device(Plain):
    """Where workers train: ``auto`` (read as None: a GPU when the machine has one), ``cpu``,
    ``cuda`` or ``cuda:N``."""

    def read(self, field: str, value: Any) -> str | None:
        if not isinstance(value, str) or not re.fullmatch(r"auto|cpu|cuda(:\d{1,2})?", value):
            raise FieldError(field, f"must be {self.allowed()}, got {shown(value)}")
        return None if value == "auto" else value

    def allowed(self) -> str:
        return "auto, cpu, cuda or cuda:N (a GPU's index)"


@dataclass(frozen=True)
class Directions(Plain):
    """Which way an objective's values improve: ``minimize`` or ``maximize`` for one value,
    or a list of them, one per value of an objective that returns a tuple (Optuna's
    ``create_study(directions=...)``). Stored as a word for one value, a list for several."""

    def read(self, field: str, value: Any) -> tuple[Direction, ...]:
        words = [value] if isinstance(value, str) else value
        known = [d.value for d in Direction]
        if (
            not isinstance(words, list)
            or not 1 <= len(words) <= MAX_OBJECTIVE_VALUES
            or any(word not in known for word in words)
        ):
            raise FieldError(field, f"must be {self.allowed()}, got {shown(value)}")
        return tuple(Direction(word) for word in words)

    def dump(self, value: tuple[Direction, ...]) -> str | list[str]:
        return value[0].value if len(value) == 1 else [d.value for d in value]

    def allowed(self) -> str:
        return (
            f"minimize or maximize, or a list of 1 to {MAX_OBJECTIVE_VALUES} of them "
            "(one per value an objective returns)"
        )


def parse_space(family: ModelFamily, raw: dict[str, Any]) -> tuple[dict[str, Param], list[FieldError]]:
    """The space of a spec of ``family``: what the family declares (a model file's SPACE),
    overridden entry by entry by the spec's own, each parsed against the family's domains.

    A declared entry breaking a rule is the file's fault: its error names the ``model``
    field and the entry. A declared training hyperparameter also keeps the training loop's
    own rule (``lr`` > 0, ``epochs`` 1–10,000)."""
    errors: list[FieldError] = []
    for name, declared in family.declared.items():
        rules = [family.hyperparameters] + ([TRAINING] if name in TRAINING else [])
        for known in rules:
            try:
                parse_param(name, declared, known)
            except FieldError as error:
                errors.append(FieldError("model", f"{family.name}: SPACE[{name!r}] {error.message}"))
                break
    if errors:  # the file's own space is wrong: the spec's entries cannot be judged against it
        return {}, errors
    if not family.hyperparameters and raw:
        message = "an Optuna objective's space is in its code (trial.suggest_*); leave space out"
        return {}, [FieldError("space", message)]
    space: dict[str, Param] = {}
    merged = {**family.declared, **raw}
    for name in sorted(merged, key=str):
        try:
            space[name] = parse_param(name, merged[name], family.hyperparameters)
        except FieldError as error:
            errors.append(error)
    return space, errors


def family_of(
    raw: dict[str, Any], stored: bool, source: ModelSource | None, errors: list[FieldError]
) -> tuple[ModelFamily, ModelSource | None]:
    """The family ``raw`` names, and the description of its code (probed unless given).

    A stored run's code is never probed: its description comes from the storage."""
    named = [kind for kind in CodeKind if isinstance(raw.get(kind.value), str)]
    if len(named) == 2:
        errors.append(FieldError("objective", "a spec names a model or an objective, not both"))
        return DEFAULT_MODEL, None
    if not named or (named[0] is CodeKind.MODEL and raw["model"] in MODELS):
        return (MODELS[raw["model"]] if named else DEFAULT_MODEL), None
    kind, reference = named[0], raw[named[0].value]
    try:
        if source is None or source.reference != reference or source.kind is not kind:
            if stored:
                raise FieldError(kind.value, f"the run's {kind.value} {reference!r} is not stored with it")
            source = describe(kind, reference)
        return source.family, source
    except FieldError as error:
        errors.append(error)
        return DEFAULT_MODEL, None


def code_problems(values: dict[str, Any], family: ModelFamily) -> list[FieldError]:
    """What a spec of a user's model or objective may not say, and what only one may."""
    dataset = values.get("dataset")
    code_data = dataset is not None and DATASETS[dataset.name].from_code
    errors = []
    if values.get("direction") is not None and values.get("objective") is None:
        errors.append(
            FieldError("direction", "only an objective has a direction; a model's comes from its metric")
        )
    if family.needs_dataset and code_data:
        errors.append(
            FieldError(
                "dataset", f"{family.name} brings no data() of its own; name a dataset, e.g. 'diabetes'"
            )
        )
    if not family.batched and values.get("population") is not None:
        errors.append(FieldError("population", f"{family.name}'s trials train one at a time; leave it out"))
    if values.get("objective") is None:
        return errors
    if dataset is not None and not code_data:
        errors.append(FieldError("dataset", "an objective loads its own data; leave dataset out"))
    if values.get("strategy") is not None and STRATEGIES[values["strategy"]].exhaustive:
        errors.append(FieldError("strategy", "a grid enumerates a space, and an objective's is in its code"))
    for name, default in (("task", None), ("metric", None), ("cv_folds", 0), ("repeats", 1)):
        if values.get(name) != default:
            why = "say its direction instead" if name == "metric" else "an objective is evaluated as written"
            errors.append(FieldError(name, f"does not apply to an objective ({why}); leave it out"))
    return errors + _objective_tradeoff_problems(values)


#: Why each field of a trade-off does not apply to an Optuna objective, and what to say instead.
_NOT_FOR_AN_OBJECTIVE = {
    "objectives": (
        "an objective's values come from its code: to trade several off, return a tuple and give "
        "direction one entry per value, e.g. ['minimize', 'maximize']"
    ),
    "constraints": (
        "bounds apply to what Sweetspot measures of a model it trains; an objective measures its "
        "own: return the bounded quantity as one more value, or leave the bound to its code"
    ),
    "refit": "an objective has no model Sweetspot could train again; leave refit out",
}


def _objective_tradeoff_problems(values: dict[str, Any]) -> list[FieldError]:
    """An objective's several values are said by its ``direction`` list, never by the fields
    that name what Sweetspot measures of its own models."""
    return [
        FieldError(name, f"does not apply to an objective: {why}")
        for name, why in _NOT_FOR_AN_OBJECTIVE.items()
        if values.get(name) not in (None, False)
    ]
