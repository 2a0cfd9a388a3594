"""Runs as Sweetspot stored them before model folders: the winner as a ``torch.save`` file
whose preprocessing is a pickled ColumnTransformer (format sweetspot-mlp-v2), written here
the way ``training.finalize.weights_blob`` wrote it."""

from __future__ import annotations

import base64
import io
import pickle
from typing import Any

import torch

from tuning.storage import record
from tuning.storage.artifacts import model_path
from tuning.storage.runs import Run
from tuning.training.objective import Objective
from tuning.training.population import Outcome


def legacy_blob(objective: Objective, params: dict[str, Any], trained: Outcome) -> bytes:
    data = objective.data
    payload = {
        "format": "sweetspot-mlp-v2",
        "params": {**objective.spec.fixed_values(), **params},
        "task": data.task.value,
        "metric": objective.spec.selection.name,
        "classes": list(data.classes),
        "feature_names": list(data.feature_names),
        "target_name": data.target_name,
        "target_unit": data.target_unit,
        "members": [
            {
                "state_dict": model.state_dict(),
                "scaler": member.scaler.to_dict(),
                "input_names": member.encoder.names(data.feature_names),
                "preprocessing": None
                if member.encoder.transformer is None
                else pickle.dumps(member.encoder.transformer),
            }
            for member, model in zip(objective.members, trained.models, strict=True)
        ],
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def make_legacy(run: Run, blob: bytes) -> None:
    """Turn a finished run into one stored before model folders: the old file, no folder."""
    run.study.set_user_attr(record.WEIGHTS.key, base64.b64encode(blob).decode("ascii"))
    run.study.set_user_attr(record.MODEL.member("selected"), None)  # Optuna cannot delete an attribute
    model_path(run.name, "selected").unlink()
