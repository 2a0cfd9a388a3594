"""Training one configuration (a population of one): it learns, it evaluates in eval mode, it
reports every epoch, it catches NaN; members are one per fold × repeat."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tuning.data.dataset_spec import DatasetSpec
from tuning.data.datasets import load_dataset
from tuning.data.splits import make_split
from tuning.training.members import Diverged, make_members, validate
from tuning.training.population import train

PARAMS = {
    "n_layers": 2, "hidden_size": 32, "activation": "relu", "dropout": 0.0, "optimizer": "adam",
    "lr": 0.01, "weight_decay": 0.0, "batch_size": 32, "epochs": 40,
}  # fmt: skip


@pytest.fixture(scope="module")
def houses():
    data = load_dataset(DatasetSpec("synthetic-houses", rows=800, seed=0))
    split = make_split(data.rows, 0.2, 0.2, 0, seed=0)
    return data, split, make_members(data, split, 1, 0, torch.device("cpu"))


def test_training_beats_predicting_the_mean_by_far(houses) -> None:
    data, split, members = houses
    epochs: list[int] = []
    result = train(PARAMS, members, lambda epoch, loss: epochs.append(epoch))
    fold = split.folds[0]
    mean_mse = float(np.mean((data.target[fold.val] - data.target[fold.train].mean()) ** 2))
    assert epochs == list(range(1, 41))
    assert len(result.curve) == 40
    assert math.sqrt(result.loss) < 0.35 * math.sqrt(mean_mse), (result.loss, mean_mse)


def test_same_seed_same_result(houses) -> None:
    _, _, members = houses
    short = {**PARAMS, "epochs": 3}
    assert train(short, members).curve == train(short, members).curve


def test_evaluation_switches_dropout_off(houses) -> None:
    _, _, members = houses
    result = train({**PARAMS, "dropout": 0.5, "epochs": 2}, members)
    model, member = result.models[0], members[0]
    first = validate(model, member)
    assert not model.training
    assert validate(model, member) == first


def test_exploding_learning_rate_raises_diverged(houses) -> None:
    _, _, members = houses
    with pytest.raises(Diverged, match="learning rate is probably too high"):
        train({**PARAMS, "optimizer": "sgd", "lr": 1e6}, members)


def test_repeats_and_folds_make_one_member_each() -> None:
    data = load_dataset(DatasetSpec("article"))
    split = make_split(data.rows, 0.2, 0.25, 3, seed=0)
    members = make_members(data, split, 2, 0, torch.device("cpu"))
    assert len(members) == 6
    assert len({m.seed for m in members}) == 2
