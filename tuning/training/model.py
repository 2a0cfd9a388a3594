"""The article's model, generalised: (Linear → activation → Dropout) × layers → Linear."""

from __future__ import annotations

import torch
from torch import nn

ACTIVATION_LAYERS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}


def build_mlp(
    in_features: int, hidden_size: int, n_layers: int, activation: str, dropout: float, outputs: int = 1
) -> nn.Sequential:
    """An MLP with ``outputs`` outputs (one for regression, one per class); with one layer and
    one output it is exactly the article's model."""
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(n_layers):
        layers += [nn.Linear(width, hidden_size), ACTIVATION_LAYERS[activation](), nn.Dropout(dropout)]
        width = hidden_size
    layers.append(nn.Linear(width, outputs))
    return nn.Sequential(*layers)


def pick_device() -> torch.device:
    """CUDA when present, else CPU; nothing depends on a GPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
