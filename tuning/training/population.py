"""Train many configurations at once: a population of members in lockstep, one program.

A candidate is one configuration (a trial) with its folds × repeats; each of those is a
member. Every member has its own hyperparameters, data fold, seed, shuffling, batch size
and number of epochs; all of them train together as stacked tensors (``stacked.py``), so
a step costs about what one small model's step costs. Each round of steps is one epoch for
every member: members are sorted by steps per epoch, so the ones still stepping late in a
round are always a prefix of the population and a step computes only those, padded to
the largest batch among them (padding rows weigh 0). Between epochs the population
shrinks: members whose candidate finished its epochs, was stopped (pruned) or diverged
leave it, and a diverging candidate fails alone.

A member's results match the same configuration trained alone in distribution (the
statistical test in tests/training/test_population.py), not bit for bit: the dropout noise
comes from one generator for the whole population.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property, partial
from typing import Any

import numpy as np
import torch
from torch import nn

from tuning.training.members import Diverged, Member
from tuning.training.population_state import GOLDEN, MASK32, MemberSpec, Snapshot, State, mix32
from tuning.training.stacked import forward

#: The most batch-index entries built at once: one epoch's when they fit, else a chunk of steps.
INDEX_BUDGET = 1 << 21


class Status(Enum):
    """How a candidate's training ended."""

    FINISHED = "finished"
    STOPPED = "stopped"
    DIVERGED = "diverged"


@dataclass(frozen=True)
class Candidate:
    """One configuration to train (every hyperparameter in ``params``) on its members' data."""

    params: Mapping[str, Any]
    members: Sequence[Member]


@dataclass
class Outcome:
    """A candidate's per-epoch mean validation losses, its members' last losses, its models.

    ``models`` (the members as ordinary modules, e.g. ``build_mlp`` models, in
    ``Candidate.members`` order) is empty unless the candidate finished; ``trained`` makes
    them when first asked for, since most candidates' never are. ``reason`` says why a
    candidate ended early; ``train_s`` the seconds from its population's start to its last
    epoch. Every trainer (a population, a user's module) returns these.
    """

    curve: list[float] = field(default_factory=list)
    member_losses: list[float] = field(default_factory=list)
    status: Status | None = None
    reason: str = ""
    diverged: Diverged | None = None
    train_s: float = 0.0
    trained: list[Callable[[], nn.Module]] = field(default_factory=list, repr=False)
    #: What an Optuna objective returned, one value per direction (its first is the trial's
    #: loss, not the curve's last); None for a trained model.
    values: list[float] | None = None

    @cached_property
    def models(self) -> list[nn.Module]:
        return [make() for make in self.trained]

    @property
    def loss(self) -> float:
        return self.curve[-1] if self.values is None else self.values[0]

    @property
    def spread(self) -> float:
        return float(np.std(self.member_losses))


#: Called after every epoch with each training candidate's mean validation loss by index;
#: returns the indices to stop. It may raise to abandon the whole population.
OnEpoch = Callable[[int, dict[int, float]], Collection[int]]


def train_population(
    candidates: Sequence[Candidate], on_epoch: OnEpoch | None = None, device: torch.device | None = None
) -> list[Outcome]:
    """Train every candidate for its epochs, unless ``on_epoch`` stops it or it diverges.

    ``device`` defaults to the candidates' data's device.
    """
    outcomes = [Outcome() for _ in candidates]
    specs = [
        MemberSpec.of(index, place, candidate.params, member)
        for index, candidate in enumerate(candidates)
        for place, member in enumerate(candidate.members)
    ]
    if not specs:
        return outcomes
    state = State(specs, device or specs[0].data.train_x.device)
    epoch = 0
    while state.size:
        epoch += 1
        train_epoch(state, epoch)
        losses = _member_losses(state, state.validate())
        reports = _record(losses, epoch, outcomes)
        stopped = set(on_epoch(epoch, reports)) if on_epoch and reports else set()
        _settle(state, epoch, reports, stopped, outcomes)
    return outcomes


def train(
    params: Mapping[str, Any],
    members: Sequence[Member],
    on_epoch: Callable[[int, float], object] = lambda epoch, loss: None,
) -> Outcome:
    """Train one configuration alone (a population of one candidate).

    ``on_epoch(epoch, loss)`` may raise to stop (pruning); raises Diverged when a member's
    validation loss is NaN or infinite.
    """

    def report(epoch: int, losses: dict[int, float]) -> set[int]:
        on_epoch(epoch, losses[0])
        return set()

    outcome = train_population([Candidate(params, members)], report)[0]
    if outcome.diverged is not None:
        raise outcome.diverged
    return outcome


def train_epoch(state: State, epoch: int) -> None:
    """One epoch for every member: each its own shuffled batches, all stepping together."""
    orders = _shuffled_rows(state, epoch)
    active, widest = state.schedule
    start = 0
    while start < len(active):
        k0, width = active[start], widest[active[start] - 1]
        count = max(1, min(len(active) - start, INDEX_BUDGET // (k0 * width)))
        rows, weights = _batch_plan(state, orders, start, count, k0, width)
        for offset in range(count):
            k = active[start + offset]
            batch = widest[k - 1]
            _step(state, k, rows[offset, :k, :batch], weights[offset, :k, :batch])
        start += count


def _shuffled_rows(state: State, epoch: int) -> torch.Tensor:
    """(K, longest fold) row numbers into the population's training data: each member's
    fold rows in a fresh random order, then padding.

    The order sorts the rows by a hash of (member seed, epoch, row): one sort for the whole
    population, yet each member's order depends on nothing but its own seed and the epoch.
    """
    row = torch.arange(state.data.length, device=state.device)
    keys = mix32((state.seed_keys + epoch * GOLDEN) & MASK32).view(-1, 1)
    keys = mix32((keys + row * GOLDEN) & MASK32)
    keys = torch.where(row < state.data.rows.view(-1, 1), keys, MASK32 + 1)  # padding sorts last
    return torch.argsort(keys, dim=1) + state.data.offsets.view(-1, 1)


def _batch_plan(
    state: State, orders: torch.Tensor, start: int, count: int, k: int, width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """For ``count`` steps from ``start``, the first k members' batch rows (count, k, width)
    and their loss weights (count, k, width, 1): 1 / batch rows, 0 on padding."""
    device = state.device
    step = torch.arange(start, start + count, device=device).view(-1, 1, 1)
    slot = torch.arange(width, device=device).view(1, 1, -1)
    batch = state.data.batch[:k].view(1, -1, 1)
    rows = state.data.rows[:k].view(1, -1, 1)
    position = step * batch + slot
    valid = (slot < batch) & (position < rows)
    picked = torch.gather(orders[:k].expand(count, -1, -1), 2, position.clamp(max=orders.shape[1] - 1))
    size = (rows - step * batch).clamp(min=1).minimum(batch)
    return picked, (valid / size).unsqueeze(-1)


def _step(state: State, k: int, rows: torch.Tensor, weights: torch.Tensor) -> None:
    """One optimizer step of the first k members on their batches."""
    slot = state.slot(k)
    flat = rows.reshape(-1)
    x = state.data.x.index_select(0, flat).view(k, rows.shape[1], -1)
    y = state.data.y.index_select(0, flat).view(k, rows.shape[1], 1)
    out = forward(state.layout, slot.shape, slot.leaves, x, state.noise)
    loss = state.head.batch_loss(out, y, weights)
    grads = torch.autograd.grad(loss, slot.leaves)
    slot.optimizers.step(slot.params, torch.cat([g.reshape(k, -1) for g in grads], dim=1))


def _member_losses(state: State, losses: list[float]) -> dict[int, list[float]]:
    """Each training candidate's members' losses, in ``Candidate.members`` order."""
    by_candidate: dict[int, list[tuple[int, float]]] = {}
    for spec, loss in zip(state.specs, losses, strict=True):
        by_candidate.setdefault(spec.candidate, []).append((spec.place, loss))
    return {c: [loss for _, loss in sorted(pairs)] for c, pairs in by_candidate.items()}


def _record(losses: dict[int, list[float]], epoch: int, outcomes: list[Outcome]) -> dict[int, float]:
    """Append each candidate's epoch to its outcome; a non-finite member fails its candidate."""
    reports = {}
    for candidate, member_losses in losses.items():
        outcome = outcomes[candidate]
        bad = next((loss for loss in member_losses if not math.isfinite(loss)), None)
        if bad is not None:
            outcome.diverged = Diverged(epoch, bad)
            outcome.status, outcome.reason = Status.DIVERGED, str(outcome.diverged)
            continue
        outcome.member_losses = member_losses
        outcome.curve.append(sum(member_losses) / len(member_losses))
        reports[candidate] = outcome.curve[-1]
    return reports


def _settle(
    state: State, epoch: int, reports: dict[int, float], stopped: set[int], outcomes: list[Outcome]
) -> None:
    """End the candidates that are stopped or done; the population keeps the others."""
    keep: list[int] = []
    finished: dict[int, dict[int, Callable[[], nn.Module]]] = {}
    snapshot: Snapshot | None = None  # taken once, when the first member finishes
    for position, spec in enumerate(state.specs):
        outcome = outcomes[spec.candidate]
        if spec.candidate not in reports:
            continue  # diverged this epoch
        if spec.epochs <= epoch:  # trained to the end: a stop or pruning read now comes too late
            outcome.status = Status.FINISHED
            snapshot = snapshot or state.snapshot()
            finished.setdefault(spec.candidate, {})[spec.place] = partial(snapshot.module, position, spec)
        elif spec.candidate in stopped:
            outcome.status, outcome.reason = Status.STOPPED, f"stopped after epoch {epoch}"
        else:
            keep.append(position)
    for candidate, models in finished.items():
        outcomes[candidate].trained = [models[place] for place in sorted(models)]
    if len(keep) < state.size:
        state.retain(keep)
