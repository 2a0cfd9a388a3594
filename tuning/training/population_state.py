"""A population's tensors: parameters, optimizer state, data and settings, one row per member.

Members are kept sorted by steps per epoch (most first) so that the members still stepping
at any point of an epoch are a prefix; ``slot(k)`` caches what a step of the first k
members needs (views, so updates land in the population). ``retain`` shrinks the population.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import Any

import torch

from tuning.models.mlp import HYPERPARAMETERS as MLP_HYPERPARAMETERS
from tuning.training.heads import Head
from tuning.training.members import Member
from tuning.training.stacked import (
    Architecture,
    Layout,
    Masks,
    OptimizerRule,
    Optimizers,
    forward,
    initial_row,
    layout_for,
    optimizer_rule,
    to_module,
)

#: What a member needs of its configuration: every hyperparameter of the MLP family.
HYPERPARAMETERS = tuple(MLP_HYPERPARAMETERS)


@dataclass(frozen=True)
class MemberSpec:
    """One member: its candidate (and place among that candidate's members) and settings."""

    candidate: int
    place: int
    data: Member
    architecture: Architecture
    rule: OptimizerRule
    lr: float
    weight_decay: float
    batch_size: int
    epochs: int

    @classmethod
    def of(cls, candidate: int, place: int, params: Mapping[str, Any], data: Member) -> MemberSpec:
        missing = [name for name in HYPERPARAMETERS if name not in params]
        if missing:
            raise ValueError(f"params must give every hyperparameter; missing {missing}")
        architecture = Architecture(
            data.train_x.shape[1],
            int(params["hidden_size"]),
            int(params["n_layers"]),
            str(params["activation"]),
            float(params["dropout"]),
            data.head.outputs,
        )
        # A batch beyond the rows is the full batch; kept nominal, it would pad every step.
        batch_size = min(int(params["batch_size"]), data.train_x.shape[0])
        return cls(
            candidate, place, data, architecture, optimizer_rule(str(params["optimizer"])),
            float(params["lr"]), float(params["weight_decay"]), batch_size, int(params["epochs"]),
        )  # fmt: skip

    @cached_property
    def steps(self) -> int:
        """Optimizer steps per epoch: batches of ``batch_size``, the last one smaller."""
        return math.ceil(self.data.train_x.shape[0] / self.batch_size)


@dataclass(frozen=True)
class Slot:
    """What a step of the population's first k members needs (views into its tensors)."""

    params: torch.Tensor
    leaves: list[torch.Tensor]
    shape: Masks
    optimizers: Optimizers


class State:
    """The population's tensors (see the module docstring)."""

    def __init__(self, specs: Sequence[MemberSpec], device: torch.device) -> None:
        self.specs = sorted(specs, key=lambda spec: -spec.steps)
        self.device = device
        self.layout: Layout = layout_for([spec.architecture for spec in self.specs])
        rows = [initial_row(self.layout, s.architecture, _generator(s.data.seed)) for s in self.specs]
        self.params = torch.stack(rows).to(device)
        self.first = torch.zeros_like(self.params)
        self.second = torch.zeros_like(self.params)
        self.steps_done = torch.zeros(len(self.specs), 1, device=device)
        self.noise = torch.Generator(device=device).manual_seed(_mixed_seed(self.specs))
        self.seed_keys = mix32(torch.tensor([s.data.seed & MASK32 for s in self.specs], device=device))
        self.data = TrainData(self.specs, device)
        self.val_x, self.val_y, self.val_weight = _validation_tensors(self.specs, device)
        self._slots: dict[int, Slot] = {}

    @property
    def size(self) -> int:
        return len(self.specs)

    @cached_property
    def schedule(self) -> tuple[list[int], list[int]]:
        """For each step of an epoch, how many members still step; for each k, the largest
        batch among the first k members (what their batches are padded to)."""
        steps = [spec.steps for spec in self.specs]
        active = [sum(1 for count in steps if count > step) for step in range(steps[0])]
        return active, list(accumulate((spec.batch_size for spec in self.specs), max))

    def slot(self, k: int) -> Slot:
        """The first k members, ready to step (cached until the population shrinks)."""
        if k not in self._slots:
            params = self.params[:k]
            leaves = [view.requires_grad_() for view in self.layout.views(params)]
            shape = Masks.of(self.layout, [s.architecture for s in self.specs[:k]], self.device)
            self._slots[k] = Slot(params, leaves, shape, self._optimizers(k))
        return self._slots[k]

    def _optimizers(self, k: int) -> Optimizers:
        specs = self.specs[:k]

        def column(values: list[float] | list[bool]) -> torch.Tensor:
            return torch.tensor(values, device=self.device).view(-1, 1)

        l2 = [0.0 if s.rule.decoupled_decay else s.weight_decay for s in specs]
        shrink = [s.lr * s.weight_decay if s.rule.decoupled_decay else 0.0 for s in specs]
        adaptive = [s.rule.adaptive for s in specs]
        moments = (self.first[:k], self.second[:k], self.steps_done[:k]) if any(adaptive) else None
        return Optimizers(
            lr=column([s.lr for s in specs]),
            l2=column(l2) if any(l2) else None,
            shrink=column(shrink) if any(shrink) else None,
            adaptive=None if all(adaptive) or not any(adaptive) else column(adaptive),
            moments=moments,
        )

    @property
    def head(self) -> Head:
        """What the members predict (every member of a run shares it)."""
        return self.specs[0].data.head

    def validate(self) -> list[float]:
        """Every member's validation score in the run's selection metric, in eval mode (no
        dropout). MSE stays one tensor expression; other metrics are scored per member."""
        slot = self.slot(self.size)
        with torch.no_grad():
            out = forward(self.layout, slot.shape, slot.leaves, self.val_x)
            metric = self.specs[0].data.metric
            if self.head.plain_mse(metric):
                return ((out - self.val_y).square() * self.val_weight).sum(dim=(1, 2)).tolist()
        return [
            self.head.score(
                metric,
                s.data.val_truth,
                self.head.predictions(out[i, : len(s.data.val_truth)], s.data.scaler),
            )
            for i, s in enumerate(self.specs)
        ]

    def retain(self, keep: Sequence[int]) -> None:
        """Keep only the members at these positions (in order); the others leave for good."""
        index = torch.tensor(list(keep), dtype=torch.long, device=self.device)
        for name in ("params", "first", "second", "steps_done", "seed_keys", "val_x", "val_y", "val_weight"):
            setattr(self, name, getattr(self, name).index_select(0, index))
        self.specs = [self.specs[i] for i in keep]
        self.data.retain(index)
        self._slots.clear()
        self.__dict__.pop("schedule", None)

    def snapshot(self) -> Snapshot:
        """The members' weights as they are now, kept apart from further training."""
        return Snapshot(self.layout, self.params.detach().clone())


@dataclass(frozen=True)
class Snapshot:
    """A population's weights at one moment; members become models only when asked."""

    layout: Layout
    params: torch.Tensor

    def module(self, position: int, spec: MemberSpec) -> torch.nn.Sequential:
        """The member at ``position`` as an ordinary ``build_mlp`` model, on its data's device."""
        row = self.params[position].cpu()
        return to_module(self.layout, spec.architecture, row).to(spec.data.train_x.device)


MASK32, GOLDEN, MIX = 0xFFFFFFFF, 0x9E3779B1, 0x45D9F3B


def mix32(x: torch.Tensor) -> torch.Tensor:
    """Hash 32-bit values held in int64 (every product stays below 2**63: no overflow)."""
    x = (((x >> 16) ^ x) * MIX) & MASK32
    x = (((x >> 16) ^ x) * MIX) & MASK32
    return (x >> 16) ^ x


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _mixed_seed(specs: Sequence[MemberSpec]) -> int:
    """One seed for the population's dropout noise, fixed by its members' seeds and order."""
    mixed = 0
    for spec in specs:
        mixed = (mixed * 1_000_003 + spec.data.seed) % (2**62)
    return mixed


class TrainData:
    """Every distinct training fold once, padded to the longest and flattened to rows.

    A member refers to its fold by offset: its row r is ``x[offset + r]``. Folds are shared
    by every candidate, so K members of one fold cost one copy.
    """

    def __init__(self, specs: Sequence[MemberSpec], device: torch.device) -> None:
        folds: dict[int, int] = {}
        tensors: list[Member] = []
        for spec in specs:
            if id(spec.data.train_x) not in folds:
                folds[id(spec.data.train_x)] = len(tensors)
                tensors.append(spec.data)
        self.length = max(t.train_x.shape[0] for t in tensors)
        self.x = torch.cat([_pad_rows(t.train_x, self.length) for t in tensors]).to(device)
        self.y = torch.cat([_pad_rows(t.train_y, self.length) for t in tensors]).to(device)
        offsets = [folds[id(spec.data.train_x)] * self.length for spec in specs]
        self.offsets = torch.tensor(offsets, device=device)
        self.rows = torch.tensor([s.data.train_x.shape[0] for s in specs], device=device)
        self.batch = torch.tensor([s.batch_size for s in specs], device=device)

    def retain(self, index: torch.Tensor) -> None:
        self.offsets = self.offsets.index_select(0, index)
        self.rows = self.rows.index_select(0, index)
        self.batch = self.batch.index_select(0, index)


def _pad_rows(tensor: torch.Tensor, length: int) -> torch.Tensor:
    return torch.cat([tensor, tensor.new_zeros(length - tensor.shape[0], *tensor.shape[1:])])


def _validation_tensors(
    specs: Sequence[MemberSpec], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each member's validation rows, padded, and weights that make a weighted sum its MSE
    in target units (1 / rows × the training target's variance; 0 on padding)."""
    length = max(s.data.val_x.shape[0] for s in specs)
    x = torch.stack([_pad_rows(s.data.val_x, length) for s in specs]).to(device)
    y = torch.stack([_pad_rows(s.data.val_y, length) for s in specs]).to(device)
    weight = torch.zeros(len(specs), length, 1)
    for i, spec in enumerate(specs):
        rows = spec.data.val_x.shape[0]
        weight[i, :rows] = spec.data.scaler.target_std**2 / rows
    return x, y, weight.to(device)
