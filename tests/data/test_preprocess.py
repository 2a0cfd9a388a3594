"""Preprocessing: fitted on training rows only, gaps flagged, unseen categories handled."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np

from tests.table_cases import mixed_table
from tuning.data.csv_data import parse_csv
from tuning.data.preprocess import Encoder


def test_statistics_come_from_the_training_rows_only() -> None:
    table = parse_csv(mixed_table().encode(), "label")
    train = np.arange(30)
    encoder = Encoder.fit(table.frame, table.profile, train)
    names = encoder.names(())
    size = names.index("number__size")
    encoded = encoder.encode(table.frame, np.empty(0), train)
    assert abs(encoded[:, size].mean()) < 1e-9  # standardized with these rows' own mean
    median = np.nanmedian(table.frame["size"].to_numpy()[train])
    gap = int(np.flatnonzero(table.frame["size"].isna().to_numpy())[-1])  # a gap outside the training rows
    assert gap >= 30
    scaler = encoder.transformer.named_transformers_["number"][-1]  # type: ignore[union-attr]
    assert (
        encoder.encode(table.frame, np.empty(0), np.array([gap]))[0, size]
        == (median - scaler.mean_[0]) / scaler.scale_[0]
    )


def test_gaps_get_a_missing_flag_and_every_cell_is_finite() -> None:
    table = parse_csv(mixed_table().encode(), "label")
    encoder = Encoder.fit(table.frame, table.profile, np.arange(60))
    names = encoder.names(())
    assert {"missing__missingindicator_size", "missing__missingindicator_colour"} <= set(names)
    assert not any("garden" in n and n.startswith("missing") for n in names)  # no gaps, no flag
    encoded = encoder.encode(table.frame, np.empty(0), np.arange(60))
    assert np.isfinite(encoded).all()
    flag = encoded[:, names.index("missing__missingindicator_size")]
    assert flag.sum() == table.frame["size"].isna().sum()


def test_a_category_unseen_in_training_is_encoded_without_error() -> None:
    table = parse_csv(mixed_table().encode(), "label")
    encoder = Encoder.fit(table.frame, table.profile, np.arange(40))
    unseen = table.frame.iloc[[0]].copy()
    unseen["colour"] = "purple"
    names = encoder.names(())
    row = np.asarray(encoder.transformer.transform(unseen))[0]  # type: ignore[union-attr]
    one_hot = [i for i, n in enumerate(names) if n.startswith("one_hot__colour")]
    assert row[one_hot].tolist() == [0.0] * len(one_hot)  # no training category claims it


def test_the_stored_transformer_reproduces_the_encoding() -> None:
    table = parse_csv(mixed_table().encode(), "label")
    encoder = Encoder.fit(table.frame, table.profile, np.arange(40))
    restored = pickle.loads(encoder.to_bytes() or b"")
    rows = np.arange(40, 60)
    assert np.array_equal(
        restored.transform(table.frame.iloc[rows]), encoder.encode(table.frame, np.empty(0), rows)
    )


def test_plain_arrays_pass_through() -> None:
    features = np.arange(6.0).reshape(3, 2)
    encoder = Encoder.fit(None, None, np.arange(3))
    assert np.array_equal(encoder.encode(None, features, np.array([2])), features[[2]])
    assert encoder.names(("a", "b")) == ["a", "b"] and encoder.to_bytes() is None


def test_padding_gives_every_fold_one_width_with_inert_zero_columns() -> None:
    table = parse_csv(mixed_table().encode(), "label")
    encoder = replace(Encoder.fit(table.frame, table.profile, np.arange(40)), width=20)
    encoded = encoder.encode(table.frame, np.empty(0), np.arange(40, 60))
    natural = len(Encoder.fit(table.frame, table.profile, np.arange(40)).names(()))
    assert encoded.shape == (20, 20) and not encoded[:, natural:].any()
    assert encoder.names(())[natural:] == [f"padding_{i}" for i in range(natural, 20)]
