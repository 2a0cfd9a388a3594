"""The hyperparameters of Sweetspot's own training loop, shared by every family it trains.

The optimizer, its learning rate and weight decay, the batch size and the epochs are
defined here once: the MLP family lists them after its own, and a user's model file gets
them too unless its ``SPACE`` declares them (``user.py``). The trainers read their values
by these names (``OPTIMIZERS`` is also the key set of ``training/stacked.py``'s update
rules and of the one-model loop's ``torch.optim`` classes; tests hold them equal).
"""

from __future__ import annotations

from tuning.models.hyperparameters import Domain, Hyperparameter, Widget, ladder

OPTIMIZERS = ("adam", "adamw", "sgd")
POWERS_OF_TWO = tuple(2**i for i in range(0, 13))

#: The training loop's hyperparameters, in the order the Launch page shows them.
TRAINING: dict[str, Hyperparameter] = {
    "optimizer": Hyperparameter(
        Domain(str, choices=OPTIMIZERS, default="adam"),
        Widget("Optimizer", "how the weights are updated", (0, 0), OPTIMIZERS),
    ),
    "lr": Hyperparameter(
        Domain(float, 0.0, None, low_inclusive=False, default=1e-3),
        Widget(
            "Learning rate",
            "step size of the optimizer (log scale)",
            (1e-4, 1e-2),
            (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1),
            ladder=ladder(-6, 0),
        ),
    ),
    "weight_decay": Hyperparameter(
        Domain(float, 0.0, None, default=0.0),
        Widget(
            "Weight decay",
            "L2 penalty on the weights (log scale)",
            (1e-6, 1e-2),
            (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2),
            ladder=ladder(-8, -1),
        ),
    ),
    "batch_size": Hyperparameter(
        Domain(int, 1, 65536, default=16),
        Widget(
            "Batch size",
            "rows per optimizer step (log scale)",
            (16, 128),
            (1, 2, 4, 8, 16, 32, 64, 128, 256),
            ladder=POWERS_OF_TWO,
        ),
    ),
    "epochs": Hyperparameter(
        Domain(int, 1, 10000, default=50),
        Widget(
            "Epochs",
            "passes over the training rows; one loss point each",
            (20, 100),
            (10, 20, 30, 50, 100, 200),
        ),
    ),
}
