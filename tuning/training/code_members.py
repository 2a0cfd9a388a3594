"""A model file's own data (its ``data()``) as the engine's dataset, split and members.

Its inputs go to the model as the code gave them (images, sequences, token ids: no
standardizing, no encoding); only a regression target is standardized, as for every
model, so losses and predictions follow the same ``Head``. Rows are split by the spec
(stratified for classes), unless ``data()`` gave ready train, validation and test parts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tuning.data.dataset import Dataset
from tuning.data.preprocess import Encoder
from tuning.data.splits import Fold, Scaler, Split
from tuning.definition.metrics import DEFAULT_METRIC, Task, get_metric
from tuning.definition.spec import RunSpec
from tuning.models.code_data import CodeData
from tuning.training.heads import Head
from tuning.training.members import Member, tensor
from tuning.training.objective import split_of


@dataclass(frozen=True)
class KeptFeatures(Scaler):
    """A scaler that leaves the inputs as they are; the target is scaled as ``Scaler`` does."""

    def features(self, features: np.ndarray) -> np.ndarray:
        return features


def code_dataset(data: CodeData, task: Task) -> Dataset:
    """The rows of ``data()`` as a dataset of the run's task (class codes 0..k-1 for classes)."""
    classes = tuple(str(code) for code in range(data.classes)) if task is Task.CLASSIFICATION else ()
    return Dataset(data.x, data.y, (), "target", "target units", task, classes)


def code_split(spec: RunSpec, data: CodeData, dataset: Dataset) -> Split:
    """``data()``'s own parts when it gave them, else the spec's seeded split."""
    if data.parts is not None:
        train, val, test = data.parts
        return Split(test, (Fold(train, val),))
    return split_of(spec, dataset)


def code_members(dataset: Dataset, split: Split, spec: RunSpec, device: torch.device) -> list[Member]:
    """One member per (fold, repeat), its inputs kept as given (see the module docstring)."""
    head = Head(dataset.task, len(dataset.classes))
    metric = get_metric(spec.metric or DEFAULT_METRIC[dataset.task])
    members = []
    for fold in split.folds:
        train_y, val_y = dataset.target[fold.train], dataset.target[fold.val]
        scaler = KeptFeatures.fit(np.zeros((1, 1)), train_y, standardize_target=head.outputs == 1)
        train_x, val_x = (tensor(dataset.features[rows], device) for rows in (fold.train, fold.val))
        train_t, val_t = (head.target_tensor(y, scaler, device) for y in (train_y, val_y))
        for repeat in range(spec.repeats):
            seed = spec.seed + 1000 * repeat
            members.append(
                Member(seed, scaler, train_x, train_t, val_x, val_t, head, metric, Encoder(None), val_y)
            )
    return members
