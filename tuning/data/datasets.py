"""The datasets a run can train on, each one entry of ``DATASETS``, and the loader.

Every loader returns raw (unstandardized) values; splitting and scaling live in
``tuning.data.splits`` so every dataset gets the same honest treatment. The spec, the
Launch form, the forecast and the demo caps read ``DATASETS``, so adding a dataset is
one loader and one entry here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tuning.data.csv_data import CsvLimits, CsvTable, parse_csv
from tuning.data.dataset import Dataset, DatasetInfo, DatasetOption
from tuning.data.splits import check_classes
from tuning.data.task import Task
from tuning.errors import FieldError
from tuning.registry import Registry

if TYPE_CHECKING:
    from tuning.data.dataset_spec import DatasetSpec

__all__ = ["DATASETS", "Dataset", "load_dataset", "target_unit"]

#: The article's four houses: size in square feet and bedrooms, price in $1000s.
ARTICLE_FEATURES = np.array([[1400, 3], [1600, 3], [1700, 4], [1875, 4]], dtype=np.float64)
ARTICLE_PRICES = np.array([245.0, 312.0, 279.0, 308.0])


def article(spec: DatasetSpec, csv_text: str | None = None, task: Task | None = None) -> Dataset:
    return Dataset(ARTICLE_FEATURES, ARTICLE_PRICES, ("size_sqft", "bedrooms"), "price", "$1000s")


def synthetic_houses(spec: DatasetSpec, csv_text: str | None = None, task: Task | None = None) -> Dataset:
    """Houses whose price depends non-linearly on size, bedrooms, age and distance.

    Prices are in $1000s with a noise of about 15; a good model beats the mean by far,
    a linear one does not reach the noise floor because of the distance decay.
    """
    rows = spec.rows
    rng = np.random.default_rng(spec.seed)
    size = np.clip(rng.normal(120, 40, rows), 30, 400)
    bedrooms = np.clip(np.round(size / 35 + rng.normal(0, 0.7, rows)), 1, 7)
    age = rng.uniform(0, 80, rows)
    distance = rng.gamma(2.0, 5.0, rows)
    value = (60 + 2.4 * size + 12 * bedrooms) * np.exp(-distance / 25) - 0.9 * age
    price = value + 0.01 * (size - 120) ** 2 + rng.normal(0, 15, rows)
    features = np.column_stack([size, bedrooms, age, distance])
    names = ("size_m2", "bedrooms", "age_years", "distance_km")
    return Dataset(features, price, names, "price", "$1000s")


def diabetes(spec: DatasetSpec, csv_text: str | None = None, task: Task | None = None) -> Dataset:
    """scikit-learn's bundled diabetes data (no download): disease progression after a year."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    return Dataset(
        np.asarray(bunch.data, dtype=np.float64),
        np.asarray(bunch.target, dtype=np.float64),
        tuple(bunch.feature_names),
        "progression",
        "score",
    )


def from_table(table: CsvTable, unit: str) -> Dataset:
    """A profiled table as a dataset: its columns are encoded per split, not here."""
    return Dataset(
        np.empty((len(table.target), 0)), table.target, table.feature_names, table.target_name, unit,
        table.profile.task, table.classes, table.frame, table.profile,
    )  # fmt: skip


def penguins(spec: DatasetSpec, csv_text: str | None = None, task: Task | None = None) -> Dataset:
    """Palmer penguins (344 birds, 3 species), shipped as a CSV inside the ``palmerpenguins``
    package (no download): text categories and NA cells, read like any uploaded table."""
    from importlib.resources import files

    data = (files("palmerpenguins") / "data" / "penguins.csv").read_bytes()
    return from_table(parse_csv(data, "species", task=task), "species")


def uploaded_csv(spec: DatasetSpec, csv_text: str | None, task: Task | None = None) -> Dataset:
    """An uploaded CSV, from the text stored with the run; ``task`` overrides the inferred one."""
    if csv_text is None:
        raise ValueError("a CSV dataset needs its text; it is stored with the run")
    table = parse_csv(csv_text.encode("utf-8"), spec.target or "", task=task, exclude=spec.exclude)
    return from_table(table, target_unit(spec))


def from_code(spec: DatasetSpec, csv_text: str | None = None, task: Task | None = None) -> Dataset:
    """The ``code`` entry's data is the model file's ``data()``, or an objective's own: only a
    worker that imports the code loads it (``training/code_data.py``), never the engine."""
    raise ValueError("the 'code' dataset comes from the model file's data(); only its workers load it")


DATASETS: Registry[str, DatasetInfo] = Registry(
    "dataset",
    {
        "article": DatasetInfo(
            "The article's 4 houses (size, bedrooms → price)", article, unit="$1000s", rows=4, features=2
        ),
        "synthetic-houses": DatasetInfo(
            "Synthetic houses (4 features, non-linear price)",
            synthetic_houses,
            (DatasetOption.ROWS, DatasetOption.SEED),
            unit="$1000s",
            features=4,
        ),
        "diabetes": DatasetInfo(
            "Diabetes progression (scikit-learn, 442 rows)", diabetes, unit="score", rows=442, features=10
        ),
        "penguins": DatasetInfo(
            "Palmer penguins species (344 birds, text categories and gaps, 3 classes)",
            penguins,
            unit="species",
            rows=344,
            features=15,  # after one-hot encoding and missing flags
            task=Task.CLASSIFICATION,
        ),
        "csv": DatasetInfo(
            "Upload a CSV file",
            uploaded_csv,
            (DatasetOption.TARGET, DatasetOption.FILENAME, DatasetOption.EXCLUDE),
        ),
        "code": DatasetInfo(
            "Your code's own data: the model file's data(), or what an Optuna objective loads",
            from_code,
            unit="target units",
            from_code=True,
        ),
    },
)


def target_unit(spec: DatasetSpec) -> str:
    """The target's unit, known without loading the data (charts need it for axis titles)."""
    return DATASETS[spec.name].target_unit(spec)


def load_dataset(spec: DatasetSpec, csv_text: str | None = None, task: Task | None = None) -> Dataset:
    """The arrays for ``spec``; a CSV dataset needs the file's text stored with the run.
    ``task`` overrides the task a table's target suggests (built-in data has its own)."""
    return DATASETS[spec.name].load(spec, csv_text, task)


def check_data(
    spec: DatasetSpec, csv_text: str | None, task: Task | None, cv_folds: int, limits: CsvLimits
) -> Task:
    """Load the data as a launch would and return its task; refuses (FieldError) a file or
    target that cannot be trained on, before anything is stored."""
    if DATASETS[spec.name].uploaded:
        if csv_text is None:
            raise FieldError("dataset.csv", "a CSV dataset needs the file's contents")
        table = parse_csv(csv_text.encode("utf-8"), spec.target or "", limits, task, spec.exclude, cv_folds)
        return table.profile.task
    data = load_dataset(spec, None, task)
    if data.classes:
        check_classes({c: int((data.target == i).sum()) for i, c in enumerate(data.classes)}, cv_folds)
    return data.task
