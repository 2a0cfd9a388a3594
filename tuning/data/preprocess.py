"""Turn a profiled table into numbers, with statistics fitted on training rows only.

One scikit-learn ``ColumnTransformer`` per split or fold: numbers get the training
median for gaps and are standardized, yes/no columns become 1/0 with the training mode
for gaps, text categories are one-hot encoded (rare ones, and any category first seen in
validation or test rows, share one "infrequent" column; the width per column is capped),
and every column that had gaps in training gets a missing-indicator column. The fitted
transformer is stored with the winner's weights, so weights plus preprocessing reproduce
its predictions on raw rows.

Why scikit-learn's ``ColumnTransformer`` and not skrub's ``TableVectorizer``: the Launch
page shows, before a run starts, exactly what happens to each column, so the detection
must be ours (``tuning.data.columns``) and the encoding must follow it column by column;
skrub would re-detect kinds with its own rules and pick encoders (GapEncoder, MinHash) we
would have to explain, and it is one more dependency, while scikit-learn is already
pinned for the metrics and the baselines.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tuning.data.columns import (
    MAX_CATEGORIES,
    MIN_CATEGORY_ROWS,
    TableProfile,
    Treatment,
    per_distinct,
    yes_no,
)

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.compose import ColumnTransformer


def prepare_frame(frame: pd.DataFrame, profile: TableProfile) -> pd.DataFrame:
    """The used feature columns in the dtypes the encoders expect; stateless, so it is
    the same for every row whichever part it lands in (and for a reproduction later)."""
    import pandas as pd

    treatments = {c.name: c.treatment for c in profile.columns}
    prepared = {name: prepare_column(frame[name], treatments[name]) for name in profile.features}
    return pd.DataFrame(prepared, index=frame.index)


def prepare_column(values: pd.Series, treatment: Treatment) -> pd.Series:
    """One column as its encoder expects it: numbers as floats (non-finite ones as gaps),
    yes/no as 1/0, text stripped. Prediction prepares new rows with this same function."""
    import pandas as pd

    if treatment is Treatment.NUMBER:
        numbers = pd.to_numeric(values, errors="coerce").astype(np.float64)
        return numbers.where(np.isfinite(numbers))
    if treatment is Treatment.YES_NO:
        return yes_no(values)
    return per_distinct(values, lambda v: str(v).strip())


def build_transformer(profile: TableProfile) -> ColumnTransformer:
    """An unfitted transformer for ``profile``'s used columns."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import MissingIndicator, SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    one_hot = OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        min_frequency=MIN_CATEGORY_ROWS,
        max_categories=MAX_CATEGORIES,
        sparse_output=False,
        dtype=np.float64,
    )
    return ColumnTransformer(
        [
            (
                "number",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                profile.used(Treatment.NUMBER),
            ),
            ("yes_no", SimpleImputer(strategy="most_frequent"), profile.used(Treatment.YES_NO)),
            (
                "one_hot",
                make_pipeline(SimpleImputer(strategy="most_frequent"), one_hot),
                profile.used(Treatment.ONE_HOT),
            ),
            ("missing", MissingIndicator(features="missing-only", error_on_new=False), profile.features),
        ],  # fmt: skip
        remainder="drop",
        verbose_feature_names_out=True,
    )


@dataclass(frozen=True)
class Encoder:
    """A transformer fitted on one split's training rows (None for an all-number dataset
    whose columns go to the network as they are); ``width``, when set, pads its output
    with zero columns to that many inputs (every fold of a run feeds one network shape)."""

    transformer: ColumnTransformer | None
    width: int | None = None

    @classmethod
    def fit(cls, prepared: pd.DataFrame | None, profile: TableProfile | None, train: np.ndarray) -> Encoder:
        if prepared is None or profile is None:
            return cls(None)
        transformer = build_transformer(profile)
        transformer.fit(prepared.iloc[train])
        return cls(transformer)

    def encode(self, prepared: pd.DataFrame | None, features: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The network's input for ``rows``: encoded table columns, or the plain features."""
        if self.transformer is None or prepared is None:
            return self.pad(features[rows])
        return self.pad(np.asarray(self.transformer.transform(prepared.iloc[rows]), dtype=np.float64))

    def pad(self, encoded: np.ndarray) -> np.ndarray:
        """``encoded`` with zero columns appended up to ``width``; a padded input is always 0,
        so it changes no prediction."""
        missing = (self.width or 0) - encoded.shape[1]
        return np.pad(encoded, ((0, 0), (0, missing))) if missing > 0 else encoded

    def names(self, feature_names: tuple[str, ...]) -> list[str]:
        """The network's input columns by name (``one_hot__island_Dream``, ``missing__...``)."""
        names = (
            list(feature_names)
            if self.transformer is None
            else list(self.transformer.get_feature_names_out())
        )
        return [str(n) for n in names] + [f"padding_{i}" for i in range(len(names), self.width or 0)]

    def to_bytes(self) -> bytes | None:
        """The fitted transformer as a pickle, stored with the winner's weights. Only the
        run's own worker writes it; load it only from a run you trust, like any pickle."""
        return None if self.transformer is None else pickle.dumps(self.transformer)
