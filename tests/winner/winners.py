"""Trained winners for the model-folder tests, without a storage: each case is trained the
way a worker trains it (``Objective.retrain``, or ``training.refit.refit``), then made into
a model folder by the same function finalize uses, and kept with the engine's own test
predictions and the raw test rows they came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from tests.table_cases import mixed_table, regression_table
from tuning.definition.spec import RunSpec
from tuning.training.members import evaluate_test
from tuning.training.objective import Objective
from tuning.training.refit import refit, refit_split
from tuning.training.winner_folder import Trained, model_folder
from tuning.winner.folder import ModelFolder, Source
from tuning.winner.rows import read_rows

PARAMS: dict[str, Any] = {
    "hidden_size": 8,
    "n_layers": 2,
    "activation": "gelu",
    "epochs": 12,
    "batch_size": 16,
}


@dataclass(frozen=True)
class Winner:
    """A model folder, the engine's predictions on its test rows, and those rows raw."""

    folder: ModelFolder
    engine: np.ndarray
    rows: pd.DataFrame
    objective: Objective


def spec_for(case: str) -> tuple[RunSpec, str | None]:
    """A small run of each kind: a class table (3 folds, so 3 encoders), an amount table,
    and all-number data."""
    space = {name: value for name, value in PARAMS.items()}
    if case == "classification":
        dataset: dict[str, Any] = {"name": "csv", "target": "label", "filename": "t.csv"}
        text: str | None = mixed_table(rows=120, classes=3)
        extra: dict[str, Any] = {"cv_folds": 3, "task": "classification", "metric": "log_loss"}
    elif case == "regression":
        dataset, text = {"name": "csv", "target": "price", "filename": "t.csv"}, regression_table(rows=80)
        extra = {"task": "regression", "metric": "mse", "repeats": 2}
    else:
        dataset, text, extra = (
            {"name": "synthetic-houses", "rows": 120},
            None,
            {"task": "regression", "metric": "mse"},
        )
    raw = {"dataset": dataset, "strategy": "random", "budget": {"n_trials": 1}, "space": space, **extra}
    return RunSpec.from_dict(raw), text


def raw_rows(objective: Objective, text: str | None, rows: np.ndarray) -> pd.DataFrame:
    """The test rows as a person would bring them: the CSV's own cells, or the numbers."""
    if text is not None:
        return read_rows(text.encode()).iloc[rows].reset_index(drop=True)
    data = objective.data
    return pd.DataFrame(data.features[rows], columns=list(data.feature_names))


@cache
def train_winner(case: str, source: Source) -> Winner:
    spec, text = spec_for(case)
    objective = Objective(spec, text)
    params = {**spec.fixed_values(), **PARAMS}
    if source is Source.REFIT:
        members, outcome, report = refit(objective, params)
        split = refit_split(objective.split)
        extra = {"refit": {"rows": len(split.folds[0].train), "epochs": PARAMS["epochs"]}}
    else:
        members, outcome = objective.members, objective.retrain(PARAMS)
        report = evaluate_test(objective.data, objective.split, members, outcome.models)
        extra = {}
    trained = Trained(
        spec, params, objective.data, [m.encoder for m in members], [m.scaler for m in members],
        outcome.models, {"test_metrics": report.metrics, "baselines": None, **extra},
    )  # fmt: skip
    folder = model_folder("case", 0, source, trained)
    return Winner(folder, report.predicted, raw_rows(objective, text, objective.split.test), objective)


def one_thread_winners() -> Callable[[str, Source], Winner]:
    """``train_winner``, on one thread as a worker trains (two threads on a loaded 2-core
    machine were 15 times slower)."""
    import torch

    torch.set_num_threads(1)
    return train_winner


def module_winner(reference: str, dataset: str, space: dict[str, Any]) -> Winner:
    """A model file's winner (the module ``reference`` names, already written to the model
    root) trained as a worker trains it: on the class table (3 folds) or on its ``data()``."""
    from tuning.training.custom import ModuleObjective

    spec, text = spec_for("classification")
    if dataset == "code":
        raw, text = {"strategy": "random", "budget": {"n_trials": 1}}, None
    else:
        raw = {k: v for k, v in spec.to_dict().items() if k != "space"}
    spec = RunSpec.from_dict({**raw, "model": reference, "space": space})
    spec = spec.with_code_task() if dataset == "code" else spec
    trainer = ModuleObjective(spec, text)
    outcome = trainer.retrain({})
    members = trainer.members
    report = evaluate_test(trainer.data, trainer.split, members, outcome.models)
    trained = Trained(
        spec, spec.fixed_values(), trainer.data, [m.encoder for m in members], [m.scaler for m in members],
        outcome.models, {"test_metrics": report.metrics, "baselines": None}, trainer.network_card(),
    )  # fmt: skip
    folder = model_folder("case", 0, Source.SELECTED, trained)
    rows = raw_rows(trainer, text, trainer.split.test) if text else pd.DataFrame()
    return Winner(folder, report.predicted, rows, trainer)  # type: ignore[arg-type]
