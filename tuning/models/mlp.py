"""The built-in family: the article's MLP, generalised, and the first entry of ``MODELS``.

(Linear → activation → Dropout) × ``n_layers`` → Linear, trained by Sweetspot's vectorized
population trainer (``training/population.py``: many configurations as one batched
program). Its own hyperparameters come first, then the training loop's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tuning.errors import FieldError
from tuning.models.family import ModelFamily
from tuning.models.hyperparameters import Domain, Hyperparameter, Widget
from tuning.models.mlp_cost import MlpCost
from tuning.models.training_space import TRAINING
from tuning.registry import Registry

#: The activations a hidden layer may use; ``training/model.py`` maps each to its torch layer.
ACTIVATIONS = ("relu", "tanh", "gelu", "silu")

#: Every hyperparameter of an MLP configuration, in the order the Launch page shows them.
HYPERPARAMETERS: Registry[str, Hyperparameter] = Registry(
    "hyperparameter",
    {
        "n_layers": Hyperparameter(
            Domain(int, 1, 4, default=1),
            Widget(
                "Hidden layers",
                "how many Linear → activation → Dropout blocks",
                (1, 3),
                (1, 2, 3, 4),
                slider=(1, 4, 1),
            ),
        ),
        "hidden_size": Hyperparameter(
            Domain(int, 1, 1024, default=16),
            Widget(
                "Hidden units",
                "width of every hidden layer",
                (8, 128),
                (8, 16, 32, 64, 128),
                ladder=(1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024),
            ),
        ),
        "activation": Hyperparameter(
            Domain(str, choices=ACTIVATIONS, default="relu"),
            Widget("Activation", "the non-linearity after each hidden layer", (0, 0), ACTIVATIONS),
        ),
        "dropout": Hyperparameter(
            Domain(float, 0.0, 1.0, high_inclusive=False, default=0.0),
            Widget(
                "Dropout",
                "share of hidden units switched off while training",
                (0.0, 0.5),
                (0.0, 0.1, 0.2, 0.3, 0.5),
                slider=(0.0, 0.9, 0.05),
            ),
        ),
        **TRAINING,
    },
)


def demo_caps(largest: Callable[[str], Any], limits: Any) -> list[FieldError]:
    """The demo caps the width: a worker holds every model of a trial at once, and a
    1,024-wide, 4-layer MLP trained 5 times on 5,000 rows peaks above 1 GiB (tuning/demo.py)."""
    widest = largest("hidden_size")
    if widest > limits.max_hidden_size:
        message = f"a hidden size of {widest} is over the demo's cap of {limits.max_hidden_size}"
        return [FieldError("space.hidden_size", message)]
    return []


MLP = ModelFamily(
    name="mlp",
    label="MLP (built in): Linear → activation → Dropout layers",
    hyperparameters=HYPERPARAMETERS,
    cost=MlpCost({name: entry.domain.default for name, entry in HYPERPARAMETERS.items()}),
    trainer="tuning.training.objective:Objective",
    batched=True,
    demo_caps=demo_caps,
)
