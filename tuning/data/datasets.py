"""Built-in datasets and the loader that turns a DatasetSpec into arrays.

Every loader returns raw (unstandardized) values; splitting and scaling live in
``tuning.data.splits`` so every dataset gets the same honest treatment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tuning.data.columns import TableProfile
from tuning.data.csv_data import CsvLimits, CsvTable, parse_csv
from tuning.data.splits import check_classes
from tuning.definition.metrics import Task
from tuning.definition.spec import DatasetSpec
from tuning.errors import FieldError

if TYPE_CHECKING:
    import pandas as pd

#: What each built-in dataset's target is measured in; a CSV's is its target column's own.
TARGET_UNITS = {"article": "$1000s", "synthetic-houses": "$1000s", "diabetes": "score", "penguins": "species"}


def target_unit(spec: DatasetSpec) -> str:
    """The target's unit, known without loading the data (charts need it for axis titles)."""
    return TARGET_UNITS.get(spec.name, f"{spec.target or 'target'} units")


@dataclass(frozen=True)
class Dataset:
    """Features and target as float arrays, with names for charts and exports.

    A table (an uploaded or built-in CSV) keeps its columns in ``table`` instead, profiled
    in ``profile``: they are encoded per split from training rows, so ``features`` is
    empty. A classification target holds class codes indexing ``classes``.
    """

    features: np.ndarray  # shape (rows, columns)
    target: np.ndarray  # shape (rows,)
    feature_names: tuple[str, ...]
    target_name: str
    target_unit: str
    task: Task = Task.REGRESSION
    classes: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    profile: TableProfile | None = None

    @property
    def rows(self) -> int:
        return int(self.target.shape[0])


#: The article's four houses: size in square feet and bedrooms, price in $1000s.
ARTICLE_FEATURES = np.array([[1400, 3], [1600, 3], [1700, 4], [1875, 4]], dtype=np.float64)
ARTICLE_PRICES = np.array([245.0, 312.0, 279.0, 308.0])


def article() -> Dataset:
    return Dataset(
        ARTICLE_FEATURES, ARTICLE_PRICES, ("size_sqft", "bedrooms"), "price", TARGET_UNITS["article"]
    )


def synthetic_houses(rows: int, seed: int) -> Dataset:
    """Houses whose price depends non-linearly on size, bedrooms, age and distance.

    Prices are in $1000s with a noise of about 15; a good model beats the mean by far,
    a linear one does not reach the noise floor because of the distance decay.
    """
    rng = np.random.default_rng(seed)
    size = np.clip(rng.normal(120, 40, rows), 30, 400)
    bedrooms = np.clip(np.round(size / 35 + rng.normal(0, 0.7, rows)), 1, 7)
    age = rng.uniform(0, 80, rows)
    distance = rng.gamma(2.0, 5.0, rows)
    value = (60 + 2.4 * size + 12 * bedrooms) * np.exp(-distance / 25) - 0.9 * age
    price = value + 0.01 * (size - 120) ** 2 + rng.normal(0, 15, rows)
    features = np.column_stack([size, bedrooms, age, distance])
    names = ("size_m2", "bedrooms", "age_years", "distance_km")
    return Dataset(features, price, names, "price", TARGET_UNITS["synthetic-houses"])


def diabetes() -> Dataset:
    """scikit-learn's bundled diabetes data (no download): disease progression after a year."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    return Dataset(
        np.asarray(bunch.data, dtype=np.float64),
        np.asarray(bunch.target, dtype=np.float64),
        tuple(bunch.feature_names),
        "progression",
        TARGET_UNITS["diabetes"],
    )


def from_table(table: CsvTable, unit: str) -> Dataset:
    """A profiled table as a dataset: its columns are encoded per split, not here."""
    return Dataset(
        np.empty((len(table.target), 0)), table.target, table.feature_names, table.target_name, unit,
        table.profile.task, table.classes, table.frame, table.profile,
    )  # fmt: skip


def penguins(task: Task | None = None) -> Dataset:
    """Palmer penguins (344 birds, 3 species), shipped as a CSV inside the ``palmerpenguins``
    package (no download): text categories and NA cells, read like any uploaded table."""
    from importlib.resources import files

    data = (files("palmerpenguins") / "data" / "penguins.csv").read_bytes()
    return from_table(parse_csv(data, "species", task=task), TARGET_UNITS["penguins"])


def load_dataset(spec: DatasetSpec, csv_text: str | None = None, task: Task | None = None) -> Dataset:
    """The arrays for ``spec``; a CSV dataset needs the file's text stored with the run.

    ``task`` overrides the task a table's target suggests (built-in data has its own)."""
    if spec.name == "article":
        return article()
    if spec.name == "synthetic-houses":
        return synthetic_houses(spec.rows, spec.seed)
    if spec.name == "diabetes":
        return diabetes()
    if spec.name == "penguins":
        return penguins(task)
    if csv_text is None:
        raise ValueError("a CSV dataset needs its text; it is stored with the run")
    table = parse_csv(csv_text.encode("utf-8"), spec.target or "", task=task, exclude=spec.exclude)
    return from_table(table, target_unit(spec))


def check_data(
    spec: DatasetSpec, csv_text: str | None, task: Task | None, cv_folds: int, limits: CsvLimits
) -> Task:
    """Load the data as a launch would and return its task; refuses (FieldError) a file or
    target that cannot be trained on, before anything is stored."""
    if spec.name == "csv":
        if csv_text is None:
            raise FieldError("dataset.csv", "a CSV dataset needs the file's contents")
        table = parse_csv(csv_text.encode("utf-8"), spec.target or "", limits, task, spec.exclude, cv_folds)
        return table.profile.task
    data = load_dataset(spec, None, task)
    if data.classes:
        check_classes({c: int((data.target == i).sum()) for i, c in enumerate(data.classes)}, cv_folds)
    return data.task
