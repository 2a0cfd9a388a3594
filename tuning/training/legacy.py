"""Runs stored before model folders: their ``torch.save`` winner converted into a model folder.

Their file (format ``sweetspot-mlp-v2``) holds state dicts and scalers, which
``torch.load(..., weights_only=True)`` reads safely, and per member a pickled scikit-learn
``ColumnTransformer``, which only ``pickle.loads`` reads, running whatever the bytes say.
So this runs only on ``--trust-pickle``, once: the folder it gives holds no pickle.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np
import torch

from tuning.data.dataset import Dataset
from tuning.data.preprocess import Encoder
from tuning.data.splits import Scaler
from tuning.definition.metrics import Task
from tuning.errors import FieldError
from tuning.storage import record
from tuning.storage.artifacts import read_weights
from tuning.storage.record import RunResult
from tuning.storage.runs import Run
from tuning.training.model import build_mlp
from tuning.training.winner_folder import Trained, model_folder
from tuning.winner.folder import ModelFolder, Source

FORMAT = "sweetspot-mlp-v2"


def convert(run: Run) -> ModelFolder:
    """The model folder of an older run's winner (its preprocessing unpickled: trust needed)."""
    blob = read_weights(run)
    if blob is None:
        raise FieldError("model", f"run {run.name} has no stored weights to convert")
    payload = torch.load(io.BytesIO(blob), weights_only=True)
    found = payload.get("format")
    if found != FORMAT:
        raise FieldError("model", f"run {run.name}'s weights are in format {found!r}, not {FORMAT}")
    attrs = run.attrs()
    result = RunResult.from_dict(attrs[record.RESULT.key])
    evaluation = {"test_metrics": result.test_metrics, "baselines": attrs.get(record.BASELINES.key)}
    trained = Trained(
        run.spec, payload["params"], _dataset(payload),
        [_encoder(m) for m in payload["members"]], [_scaler(m["scaler"]) for m in payload["members"]],
        [_network(payload, m) for m in payload["members"]], evaluation,
    )  # fmt: skip
    return model_folder(run.name, result.best_trial, Source.SELECTED, trained)


def _dataset(payload: dict[str, Any]) -> Dataset:
    """What the folder needs to know of the data: names, task, classes (no rows)."""
    return Dataset(
        np.empty((0, len(payload["feature_names"]))), np.empty(0), tuple(payload["feature_names"]),
        payload["target_name"], payload["target_unit"], Task(payload["task"]), tuple(payload["classes"]),
    )  # fmt: skip


def _encoder(member: dict[str, Any]) -> Encoder:
    pickled = member["preprocessing"]
    transformer = None if pickled is None else pickle.loads(pickled)  # trusted by --trust-pickle
    return Encoder(transformer, width=len(member["input_names"]))


def _scaler(raw: dict[str, Any]) -> Scaler:
    return Scaler(
        np.asarray(raw["feature_mean"]), np.asarray(raw["feature_std"]), raw["target_mean"], raw["target_std"]
    )


def _network(payload: dict[str, Any], member: dict[str, Any]) -> torch.nn.Module:
    params, outputs = payload["params"], max(len(payload["classes"]), 1)
    model = build_mlp(
        len(member["input_names"]), params["hidden_size"], params["n_layers"], params["activation"],
        params["dropout"], outputs,
    )  # fmt: skip
    model.load_state_dict(member["state_dict"])
    return model.eval()
