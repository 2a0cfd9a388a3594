"""The built-in MLP's forward pass in numpy, from its safetensors weights.

The dashboard and ``tuning.load_model`` never import torch (tests/test_architecture.py),
yet they predict: an MLP in eval mode is matrix products, biases and an activation, with
dropout off. It runs in float32 as the engine's network does, so its outputs equal the
torch model's to float32 rounding (tests/winner/test_network.py holds every activation to
that); the head turns them into scoring units in float64, as ``training.heads`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tuning.definition.metrics import Task


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # scipy comes with scikit-learn

    return (0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))).astype(x.dtype)


def _silu(x: np.ndarray) -> np.ndarray:
    return x / (np.float32(1.0) + np.exp(-x))


#: The activations of ``tuning.training.model.ACTIVATION_LAYERS``, in numpy (a test holds
#: the two lists to the same names).
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, np.float32(0.0)),
    "tanh": np.tanh,
    "gelu": _gelu,
    "silu": _silu,
}


@dataclass(frozen=True)
class Network:
    """One member's layers, (weight, bias) pairs in order, and its hidden activation."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    activation: str

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], prefix: str, activation: str) -> Network:
        """The linear layers under ``prefix`` in a ``build_mlp`` state dict (``0.weight``,
        ``3.weight``, ...: a linear layer every three modules), in order."""
        indexes = sorted(
            int(key[len(prefix) :].split(".")[0])
            for key in state
            if key.startswith(prefix) and key.endswith(".weight")
        )
        layers = tuple(
            (state[f"{prefix}{i}.weight"].astype(np.float32), state[f"{prefix}{i}.bias"].astype(np.float32))
            for i in indexes
        )
        if not layers:
            raise ValueError(f"no layer under {prefix!r} in the weights")
        return cls(layers, activation)

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs (rows, outputs) for standardized inputs (rows, inputs)."""
        act = ACTIVATIONS[self.activation]
        hidden = x.astype(np.float32, order="K")  # column-ordered as encoded: BLAS reads it as is
        for weight, bias in self.layers[:-1]:
            hidden = act(hidden @ weight.T + bias)
        weight, bias = self.layers[-1]
        return hidden @ weight.T + bias


def head_predictions(task: Task, out: np.ndarray, target_mean: float, target_std: float) -> np.ndarray:
    """Raw outputs in scoring units: class probabilities (softmax in float64), or amounts
    in the target's units; ``training.heads.Head.predictions`` in numpy."""
    if task is Task.CLASSIFICATION:
        logits = out.astype(np.float64)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return out[:, 0].astype(np.float64) * target_std + target_mean
