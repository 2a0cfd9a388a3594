"""What every trained model works on: a member's fold of the data and seed, and evaluation.

A configuration trains one member per fold × repeat (population.py trains them, with other
configurations' members, in lockstep). Losses are MSE in the target's own units:
standardized errors are scaled back by the training target's variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tuning.data.datasets import Dataset
from tuning.data.splits import Scaler, Split


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
