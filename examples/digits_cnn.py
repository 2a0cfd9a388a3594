"""A small CNN on scikit-learn's bundled 8×8 digits (no download), tuned by Sweetspot.

    python -m tuning launch --model examples/digits_cnn.py --wait

This file is the whole contract (docs/your-model.md): ``SPACE`` (the hyperparameters,
in the run spec's forms), ``build(config, data_info)`` (a fresh module for one
configuration), and the optional ``data()`` and ``DEFAULTS``. Sweetspot trains it with the
task's loss (cross-entropy: the target holds class codes) and the configuration's
optimizer, learning rate, weight decay, batch size and epochs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from torch import nn

#: Searched: the width of the convolutions, dropout and the learning rate; fixed: the rest.
SPACE = {
    "channels": {"type": "choice", "values": [8, 16, 32]},
    "dropout": {"type": "float", "low": 0.0, "high": 0.4},
    "lr": {"type": "float", "low": 1e-3, "high": 2e-2, "log": True},
    "batch_size": 32,
    "epochs": 10,
}

#: A partial run spec, so ``launch --model examples/digits_cnn.py`` alone runs: 6 Bayesian
#: trials, selected by validation log loss, about a minute on 2 cores.
DEFAULTS = {"strategy": "bayesian", "budget": {"n_trials": 6}, "seed": 0}


def data() -> tuple[np.ndarray, np.ndarray]:
    """1,797 images of 1 × 8 × 8 pixels scaled to [0, 1], and their digits (class codes 0-9)."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    return images, digits.target


def build(config: dict[str, Any], data_info: dict[str, Any]) -> nn.Module:
    """Two 3 × 3 convolutions, a 2 × 2 pooling and a linear layer to one logit per class."""
    width = int(config["channels"])
    _, height, side = data_info["input_shape"]
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(float(config["dropout"])),
        nn.Linear(2 * width * (height // 2) * (side // 2), data_info["outputs"]),
    )
