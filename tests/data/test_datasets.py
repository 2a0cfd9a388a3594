"""Built-in datasets load offline, with the shapes and names the UI shows."""

from __future__ import annotations

import numpy as np
import pytest

from tuning import UnknownName
from tuning.data.dataset_spec import DatasetSpec
from tuning.data.datasets import DATASETS, load_dataset, target_unit


def test_article_has_its_four_houses() -> None:
    data = load_dataset(DatasetSpec("article"))
    assert data.features.shape == (4, 2) and data.target_unit == "$1000s"


def test_synthetic_houses_are_seeded_and_sized() -> None:
    first = load_dataset(DatasetSpec("synthetic-houses", rows=300, seed=1))
    again = load_dataset(DatasetSpec("synthetic-houses", rows=300, seed=1))
    other = load_dataset(DatasetSpec("synthetic-houses", rows=300, seed=2))
    assert first.features.shape == (300, 4)
    assert np.array_equal(first.target, again.target)
    assert not np.array_equal(first.target, other.target)
    assert first.feature_names == ("size_m2", "bedrooms", "age_years", "distance_km")


def test_diabetes_is_bundled_with_scikit_learn() -> None:
    data = load_dataset(DatasetSpec("diabetes"))
    assert data.features.shape == (442, 10)


def test_csv_comes_from_the_text_stored_with_the_run() -> None:
    text = "x,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(10))
    data = load_dataset(DatasetSpec("csv", target="y"), text)
    assert data.feature_names == ("x",) and data.target[3] == 7


@pytest.mark.parametrize(
    "name", [name for name, info in DATASETS.items() if not info.uploaded and not info.from_code]
)
def test_units_are_known_without_loading_the_data(name: str) -> None:
    spec = DatasetSpec(name, rows=50)
    assert target_unit(spec) == load_dataset(spec).target_unit


@pytest.mark.parametrize(
    ("spec", "stored"),
    [
        (DatasetSpec("article", rows=50), {"name": "article"}),
        (
            DatasetSpec("synthetic-houses", rows=50, seed=3),
            {"name": "synthetic-houses", "rows": 50, "seed": 3},
        ),
        (
            DatasetSpec("csv", target="y", filename="f.csv"),
            {"name": "csv", "target": "y", "filename": "f.csv"},
        ),
    ],
)
def test_a_spec_stores_only_the_options_its_dataset_takes(spec: DatasetSpec, stored: dict) -> None:
    assert spec.to_dict() == stored


def test_an_unregistered_dataset_is_an_error_not_a_csv() -> None:
    with pytest.raises(UnknownName, match=r"unknown dataset 'nope'; known ones are \['article'"):
        load_dataset(DatasetSpec("nope"), "x,y\n1,2\n")
    assert target_unit(DatasetSpec("csv", target="price")) == "price units"


def test_the_code_entry_is_loaded_by_workers_only() -> None:
    """A model file's data() runs in its workers (tuning/training/code_members.py), never here."""
    with pytest.raises(ValueError, match="only its workers load it"):
        load_dataset(DatasetSpec("code"))
    assert target_unit(DatasetSpec("code")) == "target units"
