"""What every trained model works on: a member's fold of the data and seed, and evaluation.

A configuration trains one member per fold × repeat (population.py trains them, with other
configurations' members, in lockstep). Each fold's preprocessing and scaling are fitted on
its own training rows. The loss, the output width and the predictions come from the
members' ``Head``; scores are in the selection metric's own units (a regression error in
the target's units, not standardized).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from tuning.data.datasets import Dataset
from tuning.data.preprocess import Encoder
from tuning.data.splits import Scaler, Split
from tuning.definition.metrics import DEFAULT_METRIC, Metric, get_metric
from tuning.training.baseline import FoldArrays, Scores, mean_scores
from tuning.training.heads import Head


class Diverged(Exception):
    """The validation loss stopped being a finite number."""

    def __init__(self, epoch: int, loss: float) -> None:
        super().__init__(
            f"validation loss became {loss} at epoch {epoch}; the learning rate is "
            "probably too high for this configuration"
        )
        self.epoch = epoch


@dataclass
class Member:
    """One model's share of the work: a fold of the data on the device, and a seed.

    ``encoder`` and ``scaler`` were fitted on this fold's training rows; ``val_truth`` is
    the validation target as the metrics score it (target units, or class codes).
    """

    seed: int
    scaler: Scaler
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    head: Head
    metric: Metric
    encoder: Encoder
    val_truth: np.ndarray


def make_members(
    data: Dataset, split: Split, repeats: int, seed: int, device: torch.device, metric: str | None = None
) -> list[Member]:
    """One member per (fold, repeat); each fold is encoded and standardized with its own
    training rows. ``metric`` (default: the task's loss) is what each epoch reports."""
    head = Head(data.task, len(data.classes))
    chosen = get_metric(metric or DEFAULT_METRIC[data.task])
    folds = [encode_fold(data, split, fold.train, fold.val) for fold in split.folds]
    # Folds of a table may encode to different widths (a category or a gap only some folds'
    # training rows have); zero columns pad them to one width, which a population needs.
    width = max(arrays.train_x.shape[1] for _, arrays in folds)
    members = []
    for encoder, arrays in (padded(encoder, arrays, width) for encoder, arrays in folds):
        scaler = Scaler.fit(arrays.train_x, arrays.train_y, standardize_target=head.outputs == 1)
        train_x, val_x = (tensor(scaler.features(x), device) for x in (arrays.train_x, arrays.val_x))
        train_y, val_y = (head.target_tensor(y, scaler, device) for y in (arrays.train_y, arrays.val_y))
        for repeat in range(repeats):
            members.append(
                Member(
                    seed + 1000 * repeat,
                    scaler,
                    train_x,
                    train_y,
                    val_x,
                    val_y,
                    head,
                    chosen,
                    encoder,
                    arrays.val_y,
                )  # fmt: skip
            )
    return members


def encode_fold(
    data: Dataset, split: Split, train_rows: np.ndarray, val_rows: np.ndarray
) -> tuple[Encoder, FoldArrays]:
    """A preprocessor fitted on a fold's training rows, and the fold's inputs (test rows
    too) encoded by it, with raw targets: the baselines get exactly what the network gets."""
    encoder = Encoder.fit(data.table, data.profile, train_rows)

    def encode(rows: np.ndarray) -> np.ndarray:
        return encoder.encode(data.table, data.features, rows)

    arrays = FoldArrays(
        encode(train_rows),
        data.target[train_rows],
        encode(val_rows),
        data.target[val_rows],
        encode(split.test),
    )
    return encoder, arrays


def padded(encoder: Encoder, arrays: FoldArrays, width: int) -> tuple[Encoder, FoldArrays]:
    """The fold's encoder and inputs padded with zero columns to ``width`` inputs."""
    encoder = replace(encoder, width=width)
    pad = encoder.pad
    return encoder, replace(
        arrays, train_x=pad(arrays.train_x), val_x=pad(arrays.val_x), test_x=pad(arrays.test_x)
    )


def tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    """Inputs as a tensor: float32, or int64 for whole numbers a model file's data() gives
    (token ids for an embedding); a vector becomes one column."""
    dtype = torch.long if np.asarray(values).dtype.kind in "iu" else torch.float32
    result = torch.as_tensor(values, dtype=dtype, device=device)
    return result.unsqueeze(1) if result.ndim == 1 else result


def validate(model: nn.Module, member: Member) -> float:
    """The member's selection metric on its validation rows (NaN if outputs are not finite)."""
    predicted = member.head.predict(model, member.val_x, member.scaler)
    return member.head.score(member.metric, member.val_truth, predicted)


def validation_metrics(members: list[Member], models: list[nn.Module]) -> Scores:
    """Every metric of the task on validation, averaged over members: what a trial records."""
    return mean_scores(
        [
            member.head.score_all(member.val_truth, member.head.predict(model, member.val_x, member.scaler))
            for member, model in zip(members, models, strict=True)
        ]
    )


@dataclass(frozen=True)
class HeldOutReport:
    """The winner's one look at test: the members' averaged predictions and every metric."""

    metrics: Scores
    truth: np.ndarray
    predicted: np.ndarray


def evaluate_test(
    data: Dataset, split: Split, members: list[Member], models: list[nn.Module]
) -> HeldOutReport:
    """Score the trained models on the test rows; the members (one per fold × repeat) average
    their predictions, so the report is one model's: the ensemble the run would deploy."""
    predictions = []
    for member, model in zip(members, models, strict=True):
        x = member.scaler.features(member.encoder.encode(data.table, data.features, split.test))
        predictions.append(member.head.predict(model, tensor(x, member.train_x.device), member.scaler))
    predicted = np.mean(predictions, axis=0)
    truth = data.target[split.test]
    return HeldOutReport(members[0].head.score_all(truth, predicted), truth, predicted)
