"""What the MLP family costs: its population trainer's step, training and memory, priced.

The population trainer (``training/population.py``) pads every member to the widest and
deepest one, and steps the members still stepping together; a population pays while a
step is mostly per-operation overhead. The constants were measured on one CPU thread with
``bench/population.py``'s workloads and ``bench/worker_memory.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The population trainer's costs on one CPU thread (measured with bench/population.py's
#: workloads): each step's fixed overhead, each further hidden layer's, multiply-adds per
#: second of the batched products (forward and backward: 3 per weight and row), and the
#: optimizer's passes over every padded parameter.
STEP_S, LAYER_S = 0.26e-3, 0.065e-3
MACS_PER_S = 10e9
OPTIMIZER_S_PER_PARAM = 3e-9
ACTIVATION_FLOATS = 1.5  # held per hidden unit, member and batch row of a step (bench/worker_memory.py)


@dataclass(frozen=True)
class Shape:
    """What an MLP configuration's training costs depend on; missing values take the defaults."""

    layers: int
    width: int
    batch: int
    epochs: int

    @classmethod
    def of(cls, params: Mapping[str, Any], defaults: Mapping[str, Any]) -> Shape:
        values = {**defaults, **params}
        return cls(
            max(1, round(float(values["n_layers"]))), max(1, round(float(values["hidden_size"]))),
            max(1, round(float(values["batch_size"]))), max(1, round(float(values["epochs"]))),
        )  # fmt: skip

    def weights(self, features: int) -> int:
        """Multiply-adds per row of one forward pass: the weights of every Linear."""
        return features * self.width + (self.layers - 1) * self.width**2 + self.width


def population_seconds(shapes: Sequence[Shape], rows: int, features: int, members: int) -> float:
    """Training seconds of these configurations as one population, every member padded to the
    widest and deepest, each step's rows to the largest batch still stepping (population.py)."""
    width, layers = max(s.width for s in shapes), max(s.layers for s in shapes)
    weights = Shape(layers, width, 1, 1).weights(features)
    params = weights + layers * width + 1
    overhead = STEP_S + LAYER_S * (layers - 1)
    ordered = sorted(shapes, key=lambda s: -math.ceil(rows / s.batch))
    steps = [math.ceil(rows / s.batch) for s in ordered] + [0]
    seconds, batch = 0.0, 0
    for index, shape in enumerate(ordered):
        batch = max(batch, min(shape.batch, rows))
        k = (index + 1) * members
        per_step = overhead + k * (3 * batch * weights / MACS_PER_S + params * OPTIMIZER_S_PER_PARAM)
        seconds += (steps[index] - steps[index + 1]) * per_step
    return seconds * max(s.epochs for s in shapes)


@dataclass(frozen=True)
class MlpCost:
    """The MLP family's ``CostModel`` (``tuning/models/family.py``); ``defaults`` are its
    hyperparameters' defaults, for the values a configuration leaves out."""

    defaults: Mapping[str, Any]

    def shape(self, config: Mapping[str, Any]) -> Shape:
        return Shape.of(config, self.defaults)

    def step_cost(self, largest: Mapping[str, Any], features: int) -> float:
        shape = self.shape(largest)
        return shape.batch * shape.weights(features)

    def plan(
        self, configs: Sequence[Mapping[str, Any]], rows: int, features: int, members: int
    ) -> list[list[int]]:
        """Similar shapes together, and a configuration joins a population only while that
        costs less than training it apart (padding a small model to a wide one's size can
        cost more than the per-step overhead it saves)."""
        shapes = [self.shape(config) for config in configs]
        order = sorted(
            range(len(configs)), key=lambda i: (shapes[i].layers, shapes[i].width, shapes[i].batch)
        )
        plans: list[list[int]] = []

        def cost(indices: list[int]) -> float:
            return population_seconds([shapes[i] for i in indices], rows, features, members)

        for index in order:
            current = plans[-1] if plans else []
            if current and cost([*current, index]) <= cost(current) + cost([index]):
                current.append(index)
            else:
                plans.append([index])
        return plans

    def training_seconds(
        self, configs: Sequence[Mapping[str, Any]], rows: int, features: int, members: int
    ) -> float:
        return population_seconds([self.shape(config) for config in configs], rows, features, members)

    def forward_macs(self, config: Mapping[str, Any], features: int) -> float:
        return self.shape(config).weights(features)

    def parameters(self, config: Mapping[str, Any], features: int) -> float:
        shape = self.shape(config)
        return shape.weights(features) + shape.layers * shape.width + 1

    def activation_floats(self, config: Mapping[str, Any]) -> float:
        shape = self.shape(config)
        return ACTIVATION_FLOATS * shape.layers * shape.width
