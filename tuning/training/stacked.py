"""K models of the MLP family as one set of stacked tensors, and their optimizers, vectorized.

Every member's parameters live in one row of a ``(K, P)`` tensor laid out for the widest
and deepest member: narrower members are zero in their padded units and shallower members
skip the layers they lack. Zero padding needs no mask at run time: every activation maps
0 to 0, so a padded unit outputs 0, its outgoing weights are 0, and so every gradient that
reaches it is exactly 0 (weight decay of 0 is 0, and Adam's update of a zero gradient from
zero moments is 0). A member's skipped layers pass their input through unchanged
(``torch.where``), so their parameters get zero gradients too and stay at zero.

A whole population then costs a handful of batched operations per step, whatever K is:
that is the point, since on small models a step is almost all per-operation overhead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import torch
from torch import nn

from tuning.models.training_space import OPTIMIZERS
from tuning.training.model import ACTIVATION_LAYERS, build_mlp

#: The activations' functions, from the one registry in model.py (``forward`` skips module hooks).
ACTIVATION_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    name: layer().forward for name, layer in ACTIVATION_LAYERS.items()
}


@dataclass(frozen=True)
class Architecture:
    """One member's shape and dropout: what ``model.build_mlp`` takes."""

    in_features: int
    hidden_size: int
    n_layers: int
    activation: str
    dropout: float
    outputs: int = 1  # one for regression, one per class for classification

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATION_FUNCTIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATION_FUNCTIONS)}, got {self.activation!r}"
            )


@dataclass(frozen=True)
class Segment:
    """Where one weight or bias lives in a member's row: ``row[start:start + rows * cols]``."""

    start: int
    rows: int
    cols: int

    @property
    def stop(self) -> int:
        return self.start + self.rows * self.cols


@dataclass(frozen=True)
class Layout:
    """The padded shape every member shares: ``in_features`` → ``width`` × ``depth`` → ``outputs``.

    ``layers[l]`` is the (weight, bias) pair of hidden layer l; ``output`` the last Linear.
    Weights are stored as (inputs, outputs), the transpose of ``nn.Linear.weight``.
    """

    in_features: int
    width: int
    depth: int
    layers: tuple[tuple[Segment, Segment], ...]
    output: tuple[Segment, Segment]
    size: int
    outputs: int = 1

    @classmethod
    def of(cls, in_features: int, width: int, depth: int, outputs: int = 1) -> Layout:
        start, layers = 0, []
        fan_in = in_features
        for _ in range(depth):
            weight = Segment(start, fan_in, width)
            bias = Segment(weight.stop, 1, width)
            layers.append((weight, bias))
            start, fan_in = bias.stop, width
        weight = Segment(start, width, outputs)
        bias = Segment(weight.stop, 1, outputs)
        return cls(in_features, width, depth, tuple(layers), (weight, bias), bias.stop, outputs)

    def segments(self) -> list[Segment]:
        return [segment for pair in (*self.layers, self.output) for segment in pair]

    def views(self, rows: torch.Tensor) -> list[torch.Tensor]:
        """Every weight and bias of ``rows`` (k, P) as (k, r, c) views, in ``segments()`` order."""
        k = rows.shape[0]
        return [rows[:, s.start : s.stop].view(k, s.rows, s.cols) for s in self.segments()]


def layout_for(architectures: Sequence[Architecture]) -> Layout:
    """The smallest padded layout that holds every member."""
    in_features = {a.in_features for a in architectures}
    if len(in_features) != 1:
        raise ValueError(f"members of one population must share their inputs, got {sorted(in_features)}")
    outputs = {a.outputs for a in architectures}
    if len(outputs) != 1:
        raise ValueError(f"members of one population must share their outputs, got {sorted(outputs)}")
    width, depth = max(a.hidden_size for a in architectures), max(a.n_layers for a in architectures)
    return Layout.of(in_features.pop(), width, depth, outputs.pop())


def initial_row(layout: Layout, architecture: Architecture, generator: torch.Generator) -> torch.Tensor:
    """One member's parameters as ``nn.Linear`` draws them (uniform ±1/√fan_in), zero-padded."""
    row = torch.zeros(layout.size)
    fan_in = architecture.in_features
    pairs = [*layout.layers[: architecture.n_layers], layout.output]
    for index, (weight, bias) in enumerate(pairs):
        outputs = architecture.outputs if index == len(pairs) - 1 else architecture.hidden_size
        bound = 1.0 / math.sqrt(fan_in)
        for segment, rows in ((weight, fan_in), (bias, 1)):
            values = torch.rand(rows, outputs, generator=generator) * (2 * bound) - bound
            row[segment.start : segment.stop].view(segment.rows, segment.cols)[:rows, :outputs] = values
        fan_in = architecture.hidden_size
    return row


def to_module(layout: Layout, architecture: Architecture, row: torch.Tensor) -> nn.Sequential:
    """The member as the ordinary model ``build_mlp`` makes, with its trained weights (on CPU)."""
    model = build_mlp(
        architecture.in_features,
        architecture.hidden_size,
        architecture.n_layers,
        architecture.activation,
        architecture.dropout,
        architecture.outputs,
    )
    linears = [m for m in model if isinstance(m, nn.Linear)]
    pairs = [*layout.layers[: architecture.n_layers], layout.output]
    with torch.no_grad():
        for linear, (weight, bias) in zip(linears, pairs, strict=True):
            out_features, in_features = linear.weight.shape
            stored = row[weight.start : weight.stop].view(weight.rows, weight.cols)
            linear.weight.copy_(stored[:in_features, :out_features].T)
            linear.bias.copy_(row[bias.start : bias.stop][:out_features])
    model.eval()
    return model


def from_module(layout: Layout, model: nn.Sequential) -> torch.Tensor:
    """A ``build_mlp`` model's weights as one zero-padded row of ``layout`` (the inverse of to_module)."""
    row = torch.zeros(layout.size)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    pairs = [*layout.layers[: len(linears) - 1], layout.output]
    with torch.no_grad():
        for linear, (weight, bias) in zip(linears, pairs, strict=True):
            out_features, in_features = linear.weight.shape
            row[weight.start : weight.stop].view(weight.rows, weight.cols)[:in_features, :out_features] = (
                linear.weight.T
            )
            row[bias.start : bias.start + out_features] = linear.bias
    return row


@dataclass(frozen=True)
class Masks:
    """What the forward pass needs to know about k members (a prefix of the population).

    ``activations`` holds one (mask, function) pair per activation in use, the mask None
    when every member shares it; ``skips[l]`` says which members lack hidden layer l + 1
    (None when none do); ``dropout`` is (p, 1 / (1 - p)) per member, None when all are 0.
    """

    activations: tuple[tuple[torch.Tensor | None, Callable[[torch.Tensor], torch.Tensor]], ...]
    skips: tuple[torch.Tensor | None, ...]
    dropout: tuple[torch.Tensor, torch.Tensor] | None

    @classmethod
    def of(cls, layout: Layout, architectures: Sequence[Architecture], device: torch.device) -> Masks:
        def column(values: Sequence[float | bool]) -> torch.Tensor:
            return torch.tensor(values, device=device).view(-1, 1, 1)

        names = sorted({a.activation for a in architectures})
        activations = tuple(
            (None if len(names) == 1 else column([a.activation == name for a in architectures]),
             ACTIVATION_FUNCTIONS[name])
            for name in names
        )  # fmt: skip
        skips = tuple(
            column([a.n_layers <= layer for a in architectures])
            if any(a.n_layers <= layer for a in architectures)
            else None
            for layer in range(1, layout.depth)
        )
        rates = [a.dropout for a in architectures]
        dropout = (column(rates), column([1 / (1 - p) for p in rates])) if any(rates) else None
        return cls(activations, skips, dropout)


def forward(
    layout: Layout,
    shape: Masks,
    params: Sequence[torch.Tensor],
    x: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Outputs (k, rows, outputs) of k members for inputs x (k, rows, in_features).

    With a ``generator`` the members train (dropout on); without one they evaluate.
    """
    hidden = x
    for layer in range(layout.depth):
        z = torch.baddbmm(params[2 * layer + 1], hidden, params[2 * layer])
        active = _activate(shape, z)
        if generator is not None and shape.dropout is not None:
            rate, scale = shape.dropout
            keep = torch.rand(active.shape, generator=generator, device=active.device) >= rate
            active = active * keep * scale
        skip = shape.skips[layer - 1] if layer else None
        hidden = active if skip is None else torch.where(skip, hidden, active)
    return torch.baddbmm(params[-1], hidden, params[-2])


def _activate(shape: Masks, z: torch.Tensor) -> torch.Tensor:
    (_, function), *others = shape.activations
    out = function(z)
    for mask, other in others:  # every activation but the first has its mask
        out = torch.where(cast(torch.Tensor, mask), other(z), out)
    return out


@dataclass(frozen=True)
class OptimizerRule:
    """How an optimizer updates: Adam-style moments or plain SGD; weight decay in the gradient
    (L2, as ``torch.optim.Adam`` and ``SGD`` do) or decoupled from it (``AdamW``)."""

    adaptive: bool
    decoupled_decay: bool


_RULES = {
    "adam": OptimizerRule(adaptive=True, decoupled_decay=False),
    "adamw": OptimizerRule(adaptive=True, decoupled_decay=True),
    "sgd": OptimizerRule(adaptive=False, decoupled_decay=False),
}
#: Every optimizer the training space offers (``models/training_space.OPTIMIZERS``, and only
#: those), as torch.optim defines it with default betas.
OPTIMIZER_RULES: dict[str, OptimizerRule] = {name: _RULES[name] for name in OPTIMIZERS}
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def optimizer_rule(name: str) -> OptimizerRule:
    if name not in OPTIMIZER_RULES:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZER_RULES)}, got {name!r}")
    return OPTIMIZER_RULES[name]


@dataclass(frozen=True)
class Optimizers:
    """k members' optimizers at once: per-member coefficients (k, 1) and state (k, P) views.

    ``l2`` is the weight decay added to the gradient, ``shrink`` the decoupled factor
    ``lr * weight_decay``; ``adaptive`` marks the Adam-style members (None when all are,
    or when none is and ``moments`` is None). Updating these views updates the population.
    """

    lr: torch.Tensor
    l2: torch.Tensor | None
    shrink: torch.Tensor | None
    adaptive: torch.Tensor | None
    moments: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None  # first, second, step count

    def step(self, params: torch.Tensor, grad: torch.Tensor) -> None:
        """One update of ``params`` (k, P) in place, as torch.optim would for each member."""
        if self.l2 is not None:
            grad = grad.addcmul(params, self.l2)
        update = grad * self.lr
        if self.moments is not None:
            first, second, steps = self.moments
            steps.add_(1)
            first.lerp_(grad, 1 - BETA1)
            second.mul_(BETA2).addcmul_(grad, grad, value=1 - BETA2)
            correction = torch.sqrt(1 - BETA2**steps)
            denominator = (second.sqrt() / correction).add_(EPS)
            adam = first / denominator * (self.lr / (1 - BETA1**steps))
            update = adam if self.adaptive is None else torch.where(self.adaptive, adam, update)
        if self.shrink is not None:
            params.mul_(1 - self.shrink)
        params.sub_(update)
