"""The test oracle: one configuration trained alone, the plain PyTorch way.

This is the single-model trainer the engine had before populations: ``nn.Sequential``
models from ``build_mlp``, ``torch.optim`` optimizers, one member after another. The
statistical-equivalence test holds the population trainer to it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from tuning.training.members import Diverged, Member, validate
from tuning.training.model import build_mlp

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


def train_alone(params: dict[str, Any], members: list[Member]) -> list[float]:
    """Every member trained by itself with ``params``; the per-epoch mean validation losses."""
    runs = []
    for member in members:
        torch.manual_seed(member.seed)
        model = build_mlp(member.train_x.shape[1], int(params["hidden_size"]), int(params["n_layers"]),
                          str(params["activation"]), float(params["dropout"]))  # fmt: skip
        optimizer = OPTIMIZERS[params["optimizer"]](
            model.parameters(), lr=float(params["lr"]), weight_decay=float(params["weight_decay"])
        )
        runs.append((member, model, optimizer, torch.Generator().manual_seed(member.seed)))
    curve = []
    for epoch in range(1, int(params["epochs"]) + 1):
        losses = []
        for member, model, optimizer, generator in runs:
            _train_epoch(member, model, optimizer, int(params["batch_size"]), generator)
            loss = validate(model, member)
            if not math.isfinite(loss):
                raise Diverged(epoch, loss)
            losses.append(loss)
        curve.append(float(np.mean(losses)))
    return curve


def _train_epoch(
    member: Member,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch_size: int,
    generator: torch.Generator,
) -> None:
    model.train()
    order = torch.randperm(member.train_x.shape[0], generator=generator).to(member.train_x.device)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(member.train_x[rows]), member.train_y[rows])
        loss.backward()
        optimizer.step()
