"""Splits: seeded, disjoint, never empty, and scaled with training rows only."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tuning.data.splits import Scaler, check_classes, make_split
from tuning.errors import FieldError


def test_split_is_seeded_disjoint_and_complete() -> None:
    split = make_split(100, 0.2, 0.2, 0, seed=3)
    fold = split.folds[0]
    parts = [split.test, fold.train, fold.val]
    assert [len(p) for p in parts] == [20, 60, 20]
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    again = make_split(100, 0.2, 0.2, 0, seed=3)
    assert np.array_equal(again.test, split.test)
    assert not np.array_equal(make_split(100, 0.2, 0.2, 0, seed=4).test, split.test)


def test_four_rows_still_split_two_one_one() -> None:
    split = make_split(4, 0.25, 0.25, 0, seed=0)
    assert (len(split.test), len(split.folds[0].train), len(split.folds[0].val)) == (1, 2, 1)


def test_cross_validation_validates_every_non_test_row_once() -> None:
    split = make_split(4, 0.2, 0.25, 3, seed=0)
    assert len(split.folds) == 3
    validated = sorted(np.concatenate([f.val for f in split.folds]).tolist())
    assert validated == sorted(set(range(4)) - set(split.test.tolist()))
    for fold in split.folds:
        assert not set(fold.train) & set(fold.val)


def test_too_few_rows_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3 rows"):
        make_split(2, 0.2, 0.2, 0, seed=0)


def test_scaler_uses_the_rows_it_was_fitted_on() -> None:
    features = np.array([[1.0, 5.0], [3.0, 5.0]])
    scaler = Scaler.fit(features, np.array([10.0, 30.0]))
    assert np.allclose(scaler.features(features), [[-1, 0], [1, 0]])  # constant column stays finite
    assert np.allclose(scaler.target(np.array([20.0, 40.0])), [0, 2])


@pytest.mark.parametrize("cv_folds", [0, 3])
def test_stratified_splits_put_every_class_in_every_part(cv_folds: int) -> None:
    labels = np.array([0] * 30 + [1] * 9 + [2] * 4)
    split = make_split(len(labels), 0.2, 0.2, cv_folds, seed=1, labels=labels)
    assert set(labels[split.test]) == {0, 1, 2}
    for fold in split.folds:
        assert set(labels[fold.train]) == set(labels[fold.val]) == {0, 1, 2}
        parts = np.concatenate([split.test, fold.train, fold.val])
        assert sorted(parts.tolist()) == list(range(len(labels)))
    assert np.array_equal(make_split(len(labels), 0.2, 0.2, cv_folds, 1, labels).test, split.test)


def test_stratified_shares_follow_the_classes() -> None:
    labels = np.array([0] * 80 + [1] * 20)
    split = make_split(100, 0.2, 0.2, 0, seed=0, labels=labels)
    assert np.bincount(labels[split.test]).tolist() == [16, 4]
    assert np.bincount(labels[split.folds[0].val]).tolist() == [16, 4]


@pytest.mark.parametrize(
    ("counts", "cv_folds", "message"),
    [
        ({"only": 12}, 0, "the target has one class only ('only', 12 rows)"),
        (
            {"a": 10, "rare": 2},
            0,
            "class 'rare' has 2 row(s); every class needs at least 3 to reach training",
        ),
        (
            {"a": 10, "rare": 5},
            5,
            "class 'rare' has 5 row(s); every class needs at least 6 to reach test plus 5 folds",
        ),
    ],
)
def test_check_classes_names_the_class_and_its_rows(
    counts: dict[str, int], cv_folds: int, message: str
) -> None:
    with pytest.raises(FieldError, match=re.escape(message)):
        check_classes(counts, cv_folds)
    check_classes({"a": 6, "b": 6}, cv_folds)
