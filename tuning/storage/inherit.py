"""Warm start: a new run begins with an earlier run's finished trials, so its sampler learns.

A trial's value is its validation loss, which depends on the data and on how it is split;
so only a run on the same data, split the same way, and optimising the same objectives
within the same bounds, may hand its trials down. Of those,
the trials whose configuration the new space allows (searched values within its ranges
and choices, fixed values equal) are copied, marked inherited, before the new run's queue:
they do not count against its budget, yet every sampler reads them as its own history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState, create_trial

from tuning.definition.space import Choice, Fixed, check_value, normalise
from tuning.definition.spec import RunSpec
from tuning.errors import FieldError, SpecError
from tuning.storage import record
from tuning.storage.record import TrialOrigin
from tuning.storage.runs import Run

#: What must be equal for validation losses to compare: the data and its split.
SAME_DATA_FIELDS = (
    "dataset",
    "val_fraction",
    "test_fraction",
    "cv_folds",
    "repeats",
    "seed",
    "model",
    "objective",
)


@dataclass(frozen=True)
class Inheritance:
    """What a warm start took from its source run."""

    source: str
    trials: list[FrozenTrial]
    skipped: int  # finished trials outside the new space

    def describe(self) -> str:
        text = f"inherited {len(self.trials)} finished trial(s) from {self.source}"
        return text + (f"; {self.skipped} fall outside the new space" if self.skipped else "")

    def record(self) -> dict[str, Any]:
        return {"from": self.source, "inherited": len(self.trials), "skipped": self.skipped}


def check_same_data(source: Run, spec: RunSpec, csv_text: str | None) -> None:
    """Refuse a warm start from a run on other data, naming each field that differs."""
    old, new = source.spec.to_dict(), spec.to_dict()
    errors = [
        FieldError(field, f"is {new.get(field)!r} here but {old.get(field)!r} in {source.name}")
        for field in SAME_DATA_FIELDS
        if old.get(field) != new.get(field)
    ]
    tradeoff = source.spec.tradeoff or spec.tradeoff
    if tradeoff and (source.spec.goals, source.spec.constraints) != (spec.goals, spec.constraints):
        errors.append(
            FieldError("direction" if spec.objective else "objectives",
                       f"{source.name} optimises {_described(source.spec)}, this run "
                       f"{_described(spec)}: an inherited trial's values and bounds must mean the same")
        )  # fmt: skip
    if spec.source and source.spec.source and spec.source.sha256 != source.spec.source.sha256:
        errors.append(FieldError(spec.source.kind.value, f"the file differs from the one {source.name} ran"))
    if spec.dataset.name == "csv" and source.csv_text() != csv_text:
        errors.append(FieldError("dataset.csv", f"the uploaded file differs from {source.name}'s"))
    if errors:
        why = (
            f"a warm start from {source.name} needs the same data, split the same way (the seed "
            "draws the split), or the inherited losses would not compare"
        )
        raise SpecError([FieldError("warm_start", why), *errors])


def _described(spec: RunSpec) -> str:
    """A run's objectives and bounds in a few words: "mse, params within max_params 5000"."""
    bounds = ", ".join(f"{b.key} {b.limit:g}" for b in spec.constraints or ())
    return ", ".join(goal.name for goal in spec.goals) + (f" within {bounds}" if bounds else "")


def inherit(source: Run, spec: RunSpec) -> Inheritance:
    """The source's complete trials that fit ``spec``'s space, as trials of the new run."""
    trials, skipped = [], 0
    for trial in source.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        config = {**source.spec.fixed_values(), **trial.params}
        if fits(spec, config):
            trials.append(_copy(trial, spec, config, source.name))
        else:
            skipped += 1
    return Inheritance(source.name, trials, skipped)


def fits(spec: RunSpec, config: dict[str, Any]) -> bool:
    """True when ``spec`` could have proposed ``config`` (every hyperparameter, not just searched)."""
    fixed = spec.fixed_values()
    for name in spec.family.hyperparameters:
        param = spec.space.get(name, Fixed(fixed[name]))
        if name not in config or check_value(param, config[name]) is not None:
            return False
    return True


def _copy(trial: FrozenTrial, spec: RunSpec, config: dict[str, Any], source: str) -> FrozenTrial:
    params, distributions = {}, {}
    for name, param in spec.searched().items():
        params[name] = normalise(param, config[name])
        distributions[name] = _distribution(param)
    bounds = {record.CONSTRAINT.member(b.key) for b in spec.constraints or ()}
    copy = create_trial(
        state=TrialState.COMPLETE,
        values=trial.values,
        params=params,
        distributions=distributions,
        system_attrs={key: value for key, value in trial.system_attrs.items() if key in bounds},
        user_attrs={
            **trial.user_attrs,
            record.ORIGIN.key: TrialOrigin.INHERITED.value,
            record.INHERITED_FROM.key: f"{source}#{trial.number}",
        },
    )
    copy.datetime_start, copy.datetime_complete = trial.datetime_start, trial.datetime_complete
    return copy


def _distribution(param: Any) -> BaseDistribution:
    if isinstance(param, Choice):
        return CategoricalDistribution(list(param.options))
    return param.distribution()
