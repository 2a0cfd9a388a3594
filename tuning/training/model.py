"""The article's model, generalised: (Linear → activation → Dropout) × layers → Linear.

The MLP family's definition (its hyperparameters, cost, caps) is ``tuning/models/mlp.py``;
this is its torch side, keyed by the same activation names.
"""

from __future__ import annotations

from torch import nn

from tuning.models.mlp import ACTIVATIONS

_LAYERS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU}
#: Each activation of the family's domain as its torch layer (every name, and only those).
ACTIVATION_LAYERS: dict[str, type[nn.Module]] = {name: _LAYERS[name] for name in ACTIVATIONS}


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
