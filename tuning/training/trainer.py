"""Train one configuration: every fold × repeat in lockstep, one validation loss per epoch.

Lockstep training lets each epoch report a single loss (the mean over members) to Optuna,
which is what learning curves and pruning need. Losses are MSE in the target's own units:
standardized errors are scaled back by the training target's variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from tuning.data.datasets import Dataset
from tuning.data.splits import Scaler, Split
from tuning.training.model import build_mlp, make_optimizer


class Diverged(Exception):
    """The validation loss stopped being a finite number."""

    def __init__(self, epoch: int, loss: float) -> None:
        super().__init__(
            f"validation loss became {loss} at epoch {epoch}; the learning rate is "
            "probably too high for this configuration"
        )
        self.epoch = epoch


@dataclass
class Member:
    """One model's share of the work: a fold of the data on the device, and a seed."""

    seed: int
    scaler: Scaler
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor


@dataclass(frozen=True)
class TrainResult:
    """Per-epoch mean validation losses, the final loss of each member, the trained models."""

    curve: list[float]
    member_losses: list[float]
    models: list[nn.Module]

    @property
    def loss(self) -> float:
        return self.curve[-1]

    @property
    def spread(self) -> float:
        return float(np.std(self.member_losses))


def make_members(data: Dataset, split: Split, repeats: int, seed: int, device: torch.device) -> list[Member]:
    """One member per (fold, repeat); each fold is standardized with its own train rows."""
    members = []
    for fold in split.folds:
        scaler = Scaler.fit(data.features[fold.train], data.target[fold.train])
        tensors = [
            _tensor(scaler.features(data.features[fold.train]), device),
            _tensor(scaler.target(data.target[fold.train]), device),
            _tensor(scaler.features(data.features[fold.val]), device),
            _tensor(scaler.target(data.target[fold.val]), device),
        ]
        for repeat in range(repeats):
            members.append(Member(seed + 1000 * repeat, scaler, *tensors))
    return members


def _tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    tensor = torch.as_tensor(values, dtype=torch.float32, device=device)
    return tensor.unsqueeze(1) if tensor.ndim == 1 else tensor


def train(
    params: dict[str, Any],
    members: list[Member],
    on_epoch: Callable[[int, float], None] = lambda epoch, loss: None,
) -> TrainResult:
    """Train every member with ``params``; ``on_epoch`` may raise to stop (pruning).

    Raises Diverged when a member's validation loss is NaN or infinite.
    """
    loss_fn = nn.MSELoss()
    runs = []
    for member in members:
        torch.manual_seed(member.seed)
        model = build_mlp(
            member.train_x.shape[1],
            int(params["hidden_size"]),
            int(params["n_layers"]),
            str(params["activation"]),
            float(params["dropout"]),
        ).to(member.train_x.device)
        optimizer = make_optimizer(
            str(params["optimizer"]),
            list(model.parameters()),
            float(params["lr"]),
            float(params["weight_decay"]),
        )
        generator = torch.Generator().manual_seed(member.seed)
        runs.append((member, model, optimizer, generator))

    batch_size = int(params["batch_size"])
    curve: list[float] = []
    member_losses: list[float] = []
    for epoch in range(1, int(params["epochs"]) + 1):
        member_losses = []
        for member, model, optimizer, generator in runs:
            _train_epoch(member, model, optimizer, loss_fn, batch_size, generator)
            loss = evaluate(model, member.val_x, member.val_y, member.scaler)
            if not math.isfinite(loss):
                raise Diverged(epoch, loss)
            member_losses.append(loss)
        curve.append(float(np.mean(member_losses)))
        on_epoch(epoch, curve[-1])
    return TrainResult(curve, member_losses, [model for _, model, _, _ in runs])


def _train_epoch(
    member: Member,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: nn.Module,
    batch_size: int,
    generator: torch.Generator,
) -> None:
    model.train()
    order = torch.randperm(member.train_x.shape[0], generator=generator).to(member.train_x.device)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(member.train_x[rows]), member.train_y[rows])
        loss.backward()
        optimizer.step()


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, scaler: Scaler) -> float:
    """MSE in target units, in eval mode (dropout off) and without gradients."""
    model.eval()
    with torch.no_grad():
        mse = torch.mean((model(x) - y) ** 2).item()
    return mse * scaler.target_std**2


def evaluate_test(data: Dataset, split: Split, members: list[Member], models: list[nn.Module]) -> float:
    """Mean test MSE (target units) of the trained models: the run's one look at test."""
    losses = []
    for member, model in zip(members, models, strict=False):
        x = _tensor(member.scaler.features(data.features[split.test]), member.train_x.device)
        y = _tensor(member.scaler.target(data.target[split.test]), member.train_x.device)
        losses.append(evaluate(model, x, y, member.scaler))
    return float(np.mean(losses))
