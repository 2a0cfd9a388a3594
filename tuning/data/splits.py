"""Seeded train / validation / test splits, k-fold folds, and train-only standardization.

The test rows are set aside once per run and touched only to evaluate the winner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fold:
    """Row indices to train on and to validate on."""

    train: np.ndarray
    val: np.ndarray


@dataclass(frozen=True)
class Split:
    """One held-out test set and one or more train/validation folds of the other rows."""

    test: np.ndarray
    folds: tuple[Fold, ...]


def make_split(rows: int, val_fraction: float, test_fraction: float, cv_folds: int, seed: int) -> Split:
    """Shuffle rows with ``seed``; hold out the test rows, then fold or split the rest.

    With ``cv_folds`` >= 2 the non-test rows are divided into that many folds, each used
    once for validation (leave-one-out when folds equal rows). Every part gets at least
    one row, so even the article's four houses split into 2 / 1 / 1.
    """
    if rows < 3:
        raise ValueError(f"at least 3 rows are needed to train, validate and test; got {rows}")
    order = np.random.default_rng(seed).permutation(rows)
    n_test = min(max(1, round(rows * test_fraction)), rows - 2)
    test, rest = order[:n_test], order[n_test:]
    if cv_folds >= 2:
        k = min(cv_folds, len(rest))
        parts = np.array_split(rest, k)
        folds = tuple(
            Fold(np.concatenate([p for j, p in enumerate(parts) if j != i]), parts[i]) for i in range(k)
        )
        return Split(test, folds)
    n_val = min(max(1, round(rows * val_fraction)), len(rest) - 1)
    return Split(test, (Fold(rest[n_val:], rest[:n_val]),))


@dataclass(frozen=True)
class Scaler:
    """Mean and spread of the training rows; applied to every other part unchanged."""

    feature_mean: np.ndarray
    feature_std: np.ndarray
    target_mean: float
    target_std: float

    @classmethod
    def fit(cls, features: np.ndarray, target: np.ndarray) -> Scaler:
        feature_std = features.std(axis=0)
        target_std = float(target.std())
        return cls(
            features.mean(axis=0),
            np.where(feature_std > 0, feature_std, 1.0),
            float(target.mean()),
            target_std if target_std > 0 else 1.0,
        )

    def features(self, features: np.ndarray) -> np.ndarray:
        return (features - self.feature_mean) / self.feature_std

    def target(self, target: np.ndarray) -> np.ndarray:
        return (target - self.target_mean) / self.target_std

    def to_dict(self) -> dict[str, list[float] | float]:
        return {
            "feature_mean": self.feature_mean.tolist(),
            "feature_std": self.feature_std.tolist(),
            "target_mean": self.target_mean,
            "target_std": self.target_std,
        }
