"""A member's preprocessing as JSON encodes rows exactly as its fitted scikit-learn
transformer (and the scaler) did: gaps, yes/no, rare and unseen categories, padding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.table_cases import mixed_table
from tuning.data.csv_data import parse_csv
from tuning.data.preprocess import Encoder
from tuning.data.splits import Scaler
from tuning.winner.preprocessing import Preprocessing, describe


def many_categories(rows: int = 300) -> str:
    """A text column with 30 categories, some rare (grouped as infrequent), and a number."""
    rng = np.random.default_rng(1)
    lines = ["city,size,label"]
    for i in range(rows):
        city = f"city{int(rng.integers(0, 30)) if i % 4 else int(rng.integers(0, 3))}"
        lines.append(f"{city},{rng.normal():.3f},{'ab'[i % 2]}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "target"), [(mixed_table(rows=150), "label"), (many_categories(), "label")])
@pytest.mark.parametrize("train", [np.arange(20, 150), np.arange(0, 40)])
def test_the_json_encodes_rows_as_the_fitted_transformer_did(
    text: str, target: str, train: np.ndarray
) -> None:
    table = parse_csv(text.encode(), target)
    fitted = Encoder.fit(table.frame, table.profile, train)
    encoder = Encoder(fitted.transformer, width=len(fitted.names(())) + 2)  # padded like a fold
    every = np.arange(len(table.frame))
    expected = encoder.encode(table.frame, np.empty((len(every), 0)), every)
    scaler = Scaler.fit(expected[train], table.target[train], standardize_target=False)
    raw = json.loads(json.dumps(describe(encoder, scaler, table.feature_names)))  # through JSON text

    assert np.array_equal(Preprocessing(raw).encode(table.frame), scaler.features(expected))


def test_a_category_unseen_in_training_goes_where_scikit_learn_sends_it() -> None:
    table = parse_csv(many_categories().encode(), "label")
    encoder = Encoder.fit(table.frame, table.profile, np.arange(len(table.frame)))
    scaler = Scaler.fit(encoder.encode(table.frame, np.empty((0, 0)), np.arange(3)), table.target[:3], False)
    pre = Preprocessing(describe(encoder, scaler, table.feature_names))
    city = pre.raw["one_hot"][0]
    assert city["unknown"] is not None  # rare cities share the infrequent column, unseen ones too
    new = pd.DataFrame({"city": ["atlantis", None], "size": [0.0, np.nan]})
    expected = scaler.features(np.asarray(encoder.transformer.transform(new), dtype=np.float64))  # type: ignore[union-attr]
    assert np.array_equal(pre.encode(new), expected)


def test_all_number_data_goes_through_as_it_is() -> None:
    scaler = Scaler(np.array([1.0, 2.0]), np.array([2.0, 4.0]), 0.0, 1.0)
    pre = Preprocessing(describe(Encoder(None), scaler, ("a", "b")))
    assert pre.treatments() == {"a": "plain", "b": "plain"}
    assert pre.encode(pd.DataFrame({"a": [3.0], "b": [10.0]})).tolist() == [[1.0, 2.0]]
