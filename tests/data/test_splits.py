"""Splits: seeded, disjoint, never empty, and scaled with training rows only."""

from __future__ import annotations

import numpy as np
import pytest

from tuning.data.splits import Scaler, make_split


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
