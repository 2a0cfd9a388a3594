"""What a dataset is to the engine: its arrays (``Dataset``) and its registry entry (``DatasetInfo``).

Entries themselves live in ``tuning.data.datasets``; this module holds only the types so
that the spec (which validates dataset names and options) can read them without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from tuning.data.task import Task

if TYPE_CHECKING:
    import pandas as pd

    from tuning.data.columns import TableProfile
    from tuning.data.dataset_spec import DatasetSpec


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

    @property
    def tabular(self) -> bool:
        """True for rows of columns, which the baselines take: every built-in dataset and
        uploaded table. Data of another shape (a model's own images) gets no baselines."""
        return self.table is not None or self.features.ndim == 2

    @property
    def width(self) -> int:
        """Network inputs: the feature columns, or a table's columns after encoding (on all
        rows: a split's own training rows may give a column or two fewer missing flags)."""
        if self.table is None or self.profile is None:
            return int(self.features.shape[1])
        from tuning.data.preprocess import Encoder

        return len(Encoder.fit(self.table, self.profile, np.arange(self.rows)).names(()))


class DatasetOption(StrEnum):
    """The fields of a dataset spec beside its name; each dataset takes the ones it lists."""

    ROWS = "rows"  # generated data: how many rows to draw
    SEED = "seed"  # generated data: the generator's seed
    TARGET = "target"  # an uploaded CSV: the column to predict
    FILENAME = "filename"  # an uploaded CSV: the file's name, for the reproduce command
    EXCLUDE = "exclude"  # an uploaded CSV: columns the user left out of the features


#: Loads the arrays of a spec; an uploaded CSV's text is stored with the run and passed in,
#: with the spec's task when it overrides the one a table's target suggests.
Loader = Callable[["DatasetSpec", "str | None", "Task | None"], Dataset]


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: its loader, the Launch page's label, and what is known without loading it.

    ``unit``: what the target is measured in (None: an uploaded file's target column's own).
    ``rows`` and ``features``: the shape, for the run-time forecast; a generated dataset
    takes its rows from the spec, an uploaded one its whole shape from the file.
    ``task``: what built-in data predicts (an uploaded table's is inferred from its target).
    ``from_code``: the data is the run's code's own (a model file's ``data()``, an
    objective's), described by its probe (``tuning/models/source.py``), not loaded here.
    """

    label: str
    load: Loader
    options: tuple[DatasetOption, ...] = ()
    unit: str | None = None
    rows: int | None = None
    features: int | None = None
    task: Task = Task.REGRESSION
    from_code: bool = False

    @property
    def uploaded(self) -> bool:
        """True when the data is a file the user uploads, stored with the run."""
        return DatasetOption.TARGET in self.options

    def target_unit(self, spec: DatasetSpec) -> str:
        return self.unit or f"{spec.target or 'target'} units"

    def shape(self, spec: DatasetSpec, csv_shape: tuple[int, int] | None = None) -> tuple[int, int]:
        """(rows, feature columns) without loading; an uploaded file's comes from ``csv_shape``."""
        if self.uploaded:
            if csv_shape is None:
                raise ValueError("a CSV dataset's shape comes from its file")
            return csv_shape[0], csv_shape[1] - 1
        rows = spec.rows if DatasetOption.ROWS in self.options else self.rows
        if rows is None or self.features is None:
            raise ValueError(f"the {self.label!r} dataset does not say its rows and features")
        return rows, self.features
