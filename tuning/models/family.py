"""The model seam: what a model family is to the engine, written down once.

A family is one kind of model Sweetspot tunes: the MLP it ships (``mlp.py``), a user's
PyTorch module in a file of their own, or an Optuna objective (``user.py`` builds those
from the file's description, ``source.py``). Everything the engine knows of a model goes
through a ``ModelFamily``: the spec validates its space against the family's
hyperparameters, the Launch page draws their rows, the forecast and the workers' batching
price it with its ``CostModel``, the demo asks its own caps, and a worker imports the
trainer it names. Nothing here imports torch: the trainer is a name, resolved in workers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tuning.errors import FieldError
from tuning.models.hyperparameters import Hyperparameter
from tuning.registry import Registry

Config = Mapping[str, Any]


class CostModel(Protocol):
    """What a family's configurations cost, priced without training them.

    ``definition/batching.py`` asks it how many trials a worker trains at once and which
    together; ``views/estimate.py`` adds the costs every family shares (start-up, storage
    writes, the data) to what it answers here. Figures are for one CPU thread.
    """

    def step_cost(self, largest: Config, features: int) -> float:
        """Multiply-adds of one optimizer step of one member shaped like ``largest``."""
        ...

    def plan(self, configs: Sequence[Config], rows: int, features: int, members: int) -> list[list[int]]:
        """Split configurations into populations trained one after another (lists of indices)."""
        ...

    def training_seconds(self, configs: Sequence[Config], rows: int, features: int, members: int) -> float:
        """Seconds to train these configurations as one population on ``rows`` training rows."""
        ...

    def forward_macs(self, config: Config, features: int) -> float:
        """Multiply-adds of one row through one model (what validating a row costs)."""
        ...

    def parameters(self, config: Config, features: int) -> float:
        """Weights and biases of one model (held with gradients and optimizer state)."""
        ...

    def activation_floats(self, config: Config) -> float:
        """Floats one row holds while one model steps (activations kept for the backward pass)."""
        ...


#: A family's own demo caps: FieldErrors for a spec's largest values under the demo's caps.
#: ``largest(name)`` is the largest value the spec's space gives ``name``; ``limits`` is a
#: ``tuning.demo.DemoLimits`` (the caps a deployment sets, each overridable from the environment).
DemoCaps = Callable[[Callable[[str], Any], Any], list[FieldError]]


def no_caps(largest: Callable[[str], Any], limits: Any) -> list[FieldError]:
    """A family whose models the demo never runs (a user's code) or caps nothing of its own."""
    return []


@dataclass(frozen=True)
class ModelFamily:
    """One kind of model; an implementation must honour every field's contract.

    ``name``: the family's name (``MODELS`` key for a built-in; the file's reference for a
    user's). ``label``: how the Launch page and the Monitor name it.
    ``hyperparameters``: every value a configuration holds, the family's own and the
    training loop's it uses (``training_space.TRAINING``); a spec's space is validated
    against their domains, a hyperparameter left out of the space takes its domain's
    default, and the Launch page draws one row each, in this order.
    ``declared``: the space the family proposes, in the spec's JSON forms (a model file's
    ``SPACE``): a spec's space overrides it entry by entry. Empty for the MLP.
    ``cost``: prices configurations (``CostModel``); ``batched`` says whether a worker
    trains several trials at once as one population (else one at a time).
    ``demo_caps``: the family's own caps in the public demo (``DemoCaps``).
    ``trainer``: ``"module:Class"``, imported only by worker processes (it imports torch):
    ``Class(spec, csv_text, device)`` is a trainer as ``tuning/training/trainer.py`` states.
    ``tests_winner``: the winner is evaluated once on held-out test rows and its weights are
    stored (an Optuna objective has no test rows). ``needs_dataset``: trains on a Sweetspot
    dataset (else on the data its code brings).
    """

    name: str
    label: str
    hyperparameters: Registry[str, Hyperparameter]
    cost: CostModel
    trainer: str
    batched: bool = False
    declared: Mapping[str, Any] = field(default_factory=dict)
    demo_caps: DemoCaps = no_caps
    tests_winner: bool = True
    needs_dataset: bool = True
