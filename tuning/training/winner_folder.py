"""A trained winner as a model folder (``tuning.winner.folder``): weights, preprocessing, card,
and the network as TorchScript. Worker-side: it reads torch tensors.

The network is the built-in MLP, or a user's module (a model file's ``build``): its state
dict is stored the same way, the card names the file and its sha256 (``network``), and
TorchScript is tried; a module that does not script leaves the reason in the card, and
the weights with the file reference still rebuild it.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from safetensors.torch import save
from torch import nn

from tuning.data.dataset import Dataset
from tuning.data.preprocess import Encoder
from tuning.data.splits import Scaler
from tuning.definition.metrics import Task
from tuning.definition.spec import RunSpec
from tuning.storage import record
from tuning.storage.artifacts import store_model
from tuning.storage.runs import Run
from tuning.training.members import HeldOutReport, Member
from tuning.winner.card import model_card
from tuning.winner.folder import PREPROCESSING, TORCHSCRIPT, WEIGHTS, ModelFolder, Source
from tuning.winner.preprocessing import describe


@dataclass(frozen=True)
class Trained:
    """What a model folder is made of: the configuration, each member's fitted encoder and
    scaler with its trained network, and how the model did on test."""

    spec: RunSpec
    params: dict[str, Any]
    data: Dataset
    encoders: Sequence[Encoder]
    scalers: Sequence[Scaler]
    models: Sequence[nn.Module]
    evaluation: dict[str, Any]
    network: dict[str, Any] = field(default_factory=lambda: {"kind": "mlp"})


def store_winner(
    run: Run,
    data: Dataset,
    trial: tuple[int, dict[str, Any]],
    trained: tuple[Sequence[Member], Sequence[nn.Module], HeldOutReport],
    source: Source,
    extra: dict[str, Any] | None = None,
    network: dict[str, Any] | None = None,
) -> ModelFolder:
    """Store the model folder of ``trial`` (number, its searched values) trained as
    ``trained`` (members, their networks, the test report) in the run and its folder;
    ``network`` is what the card says of the network (the trainer's ``network_card``)."""
    members, models, report = trained
    number, params = trial
    evaluation = {
        "test_metrics": report.metrics,
        "baselines": run.attrs().get(record.BASELINES.key),
        **(extra or {}),
    }
    folder = model_folder(
        run.name, number, source,
        Trained(
            run.spec, {**run.spec.fixed_values(), **params}, data,
            [m.encoder for m in members], [m.scaler for m in members], models, evaluation,
            network or {"kind": "mlp"},
        ),
    )  # fmt: skip
    store_model(run, source.value, folder.to_zip())
    return folder


def model_folder(run: str, trial: int | None, source: Source, trained: Trained) -> ModelFolder:
    """The folder of ``trained``: weights as safetensors, preprocessing as JSON, a card, and
    TorchScript when the network scripts (the card says why not otherwise)."""
    preprocessing = [
        describe(encoder, scaler, trained.data.feature_names)
        for encoder, scaler in zip(trained.encoders, trained.scalers, strict=True)
    ]
    files = {
        WEIGHTS: weights_file(trained.models),
        PREPROCESSING: json.dumps({"members": preprocessing}).encode("utf-8"),
    }
    card = model_card(
        run, trained.spec, trained.params, trial, source, trained.data, preprocessing, trained.evaluation
    )
    card["network"] = {**card["network"], **trained.network}
    try:
        files[TORCHSCRIPT] = torchscript_file(trained.models, trained.scalers, trained.data.task)
        shape = trained.network.get("data_info", {}).get("input_shape")
        inputs = ", ".join(map(str, shape)) if shape else "inputs"
        card["torchscript"] = {"file": TORCHSCRIPT, "input": f"(members, rows, {inputs}) float32"}
    except Exception as error:  # a user's model may not script; the weights still serve
        card["torchscript"] = {"file": None, "why_not": f"{type(error).__name__}: {error}"}
    return ModelFolder.build(card, files)


def weights_file(models: Sequence[nn.Module]) -> bytes:
    """Every member's state dict in one safetensors file, keys ``members.<i>.<name>``."""
    tensors = {
        f"members.{i}.{name}": tensor.detach().cpu().contiguous()
        for i, model in enumerate(models)
        for name, tensor in model.state_dict().items()
    }
    return save(tensors)


class Ensemble(nn.Module):
    """The members as one module: standardized inputs (members, rows, inputs) in, the
    averaged predictions out (class probabilities, or amounts in the target's units)."""

    def __init__(self, models: Sequence[nn.Module], scalers: Sequence[Scaler], classes: bool) -> None:
        super().__init__()
        self.members = nn.ModuleList(models)
        self.classes = classes
        self.register_buffer(
            "target_mean", torch.tensor([s.target_mean for s in scalers], dtype=torch.float64)
        )
        self.register_buffer("target_std", torch.tensor([s.target_std for s in scalers], dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = []
        for i, member in enumerate(self.members):
            out = member(x[i]).double()
            if out.dim() == 1:  # a user's regression module may give a vector
                out = out.unsqueeze(-1)
            if self.classes:
                outputs.append(torch.softmax(out, dim=-1))
            else:
                outputs.append(out[:, 0] * self.target_std[i] + self.target_mean[i])  # type: ignore[index]
        return torch.stack(outputs).mean(dim=0)


def torchscript_file(models: Sequence[nn.Module], scalers: Sequence[Scaler], task: Task) -> bytes:
    """The members as a TorchScript archive, in eval mode (dropout off).

    TorchScript is deprecated upstream in favour of ``torch.export``, whose archives load
    only in Python torch; TorchScript still loads in libtorch without Python, which is the
    point of shipping it. Its deprecation warnings are silenced here, not hidden from users.
    """
    ensemble = Ensemble(models, scalers, task is Task.CLASSIFICATION).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(ensemble), buffer)
    return buffer.getvalue()
