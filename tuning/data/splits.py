"""Seeded train / validation / test splits, k-fold folds, and train-only standardization.

The test rows are set aside once per run and touched only to evaluate the winner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuning.errors import FieldError


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


def make_split(
    rows: int,
    val_fraction: float,
    test_fraction: float,
    cv_folds: int,
    seed: int,
    labels: np.ndarray | None = None,
) -> Split:
    """Shuffle rows with ``seed``; hold out the test rows, then fold or split the rest.

    With ``cv_folds`` >= 2 the non-test rows are divided into that many folds, each used
    once for validation (leave-one-out when folds equal rows). Every part gets at least
    one row, so even the article's four houses split into 2 / 1 / 1. With class
    ``labels`` the split is stratified: every class is split on its own, so each part
    holds every class (``check_classes`` refuses a class too rare for that first).
    """
    if rows < 3:
        raise ValueError(f"at least 3 rows are needed to train, validate and test; got {rows}")
    if labels is not None:
        return _stratified(labels, val_fraction, test_fraction, cv_folds, seed)
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


def min_class_rows(cv_folds: int) -> int:
    """Rows a class needs to reach the test set and every training and validation part."""
    return cv_folds + 1 if cv_folds >= 2 else 3


def check_classes(counts: dict[str, int], cv_folds: int, field: str = "dataset.target") -> None:
    """Refuse one class, or a class too rare for a stratified split, naming it and its rows."""
    if len(counts) < 2:
        only = next(iter(counts), None)
        raise FieldError(
            field,
            f"the target has one class only ({only!r}, {counts.get(only, 0) if only else 0} rows); "
            "a classifier needs at least two",
        )
    need = min_class_rows(cv_folds)
    parts = f"test plus {cv_folds} folds" if cv_folds >= 2 else "training, validation and test"
    for label, count in sorted(counts.items(), key=lambda item: item[1]):
        if count < need:
            raise FieldError(
                field,
                f"class {label!r} has {count} row(s); every class needs at least {need} to reach "
                f"{parts}; add rows of it, merge it into another class, or use fewer folds",
            )


def _stratified(
    labels: np.ndarray, val_fraction: float, test_fraction: float, cv_folds: int, seed: int
) -> Split:
    """Each class shuffled and divided like a whole table; parts are unions over classes."""
    rng = np.random.default_rng(seed)
    k = max(cv_folds, 1)
    test: list[np.ndarray] = []
    vals: list[list[np.ndarray]] = [[] for _ in range(k)]
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        n_test = min(max(1, round(len(rows) * test_fraction)), len(rows) - 2)
        test.append(rows[:n_test])
        rest = rows[n_test:]
        if cv_folds >= 2:
            # Deal rows round-robin from a fold chosen per class, so small classes do not
            # always land in the first folds.
            offset = int(rng.integers(k))
            for i, row in enumerate(rest):
                vals[(i + offset) % k].append(np.array([row]))
        else:
            n_val = min(max(1, round(len(rows) * val_fraction)), len(rest) - 1)
            vals[0].append(rest[:n_val])
    held_out = np.concatenate(test)
    folds = []
    for part in vals:
        val = np.sort(np.concatenate(part))
        train = np.setdiff1d(np.arange(len(labels)), np.concatenate([held_out, val]))
        folds.append(Fold(rng.permutation(train), val))
    return Split(np.sort(held_out), tuple(folds))


@dataclass(frozen=True)
class Scaler:
    """Mean and spread of the training rows; applied to every other part unchanged."""

    feature_mean: np.ndarray
    feature_std: np.ndarray
    target_mean: float
    target_std: float

    @classmethod
    def fit(cls, features: np.ndarray, target: np.ndarray, standardize_target: bool = True) -> Scaler:
        """Fit on training rows; class codes (``standardize_target=False``) stay as they are."""
        feature_std = features.std(axis=0)
        target_std = float(target.std()) if standardize_target else 1.0
        return cls(
            features.mean(axis=0),
            np.where(feature_std > 0, feature_std, 1.0),
            float(target.mean()) if standardize_target else 0.0,
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
