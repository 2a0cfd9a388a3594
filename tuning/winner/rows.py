"""New rows checked against the columns a model was trained on, before anything runs.

A missing column is refused by name; extra columns are ignored and listed; a category not
seen in training is encoded as training encoded one (``tuning.winner.preprocessing``);
text in a numeric column is refused with the column and the first row that holds it. Rows
are read as training read them: the same missing cells, the same preparation per column.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tuning.data.columns import EXTRA_MISSING, FALSE_WORDS, TRUE_WORDS, Treatment, class_labels, words_of
from tuning.data.csv_data import (
    OTHER_SEPARATORS,
    CsvLimits,
    check_header,
    check_numbers,
    decode_csv,
    header_row,
    one_column_reason,
)
from tuning.data.preprocess import prepare_column
from tuning.definition.metrics import Task
from tuning.errors import FieldError
from tuning.winner.preprocessing import PLAIN

if TYPE_CHECKING:
    import pandas as pd

#: What refusals call the rows to predict: not the dataset (``dataset.csv``) a run trained on.
FIELD = "new rows"


def read_rows(data: bytes, limits: CsvLimits | None = None) -> pd.DataFrame:
    """A CSV of rows to predict, read as an uploaded table is (same gaps, same limits on
    size); one row is enough."""
    import pandas as pd

    text = decode_csv(data, limits or CsvLimits(), FIELD)
    try:
        frame = pd.read_csv(io.StringIO(text), na_values=list(EXTRA_MISSING), skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise FieldError(FIELD, f"the file could not be read as CSV ({error})") from None
    check_header(header_row(text, FIELD), frame, FIELD)
    if frame.empty:
        raise FieldError(FIELD, "the file has a header but no rows to predict")
    check_numbers(frame, FIELD)
    return frame


@dataclass(frozen=True)
class CheckedRows:
    """Rows ready to encode: the used columns prepared, the columns ignored, and the target
    (amounts, or class codes; NaN where absent or a class the model does not know) when
    the rows carry it."""

    prepared: pd.DataFrame
    ignored: tuple[str, ...]
    truth: np.ndarray | None
    unknown_labels: tuple[str, ...] = ()


def check_rows(
    frame: pd.DataFrame, columns: dict[str, str], target: str, task: Task, classes: tuple[str, ...]
) -> CheckedRows:
    """``frame`` checked against the training ``columns`` (name → what was done with it)."""
    import pandas as pd

    frame = frame.rename(columns=str)
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        (first, *others) = frame.columns
        separated = not others and any(separator in first for separator in OTHER_SEPARATORS)
        raise FieldError(
            FIELD,
            f"the column(s) {', '.join(missing)} are missing; the model was trained on "
            f"{', '.join(columns)} (other columns are ignored)"
            + (f"; {one_column_reason(first)}" if separated else ""),
        )
    prepared = {name: _prepared(frame[name], name, kind) for name, kind in columns.items()}
    ignored = tuple(c for c in frame.columns if c not in columns and c != target)
    truth, unknown = _truth(frame[target], target, task, classes) if target in frame.columns else (None, ())
    return CheckedRows(pd.DataFrame(prepared, index=frame.index), ignored, truth, unknown)


def _prepared(values: pd.Series, name: str, kind: str) -> pd.Series:
    """One column prepared as in training, refusing what training never saw the like of."""
    if kind in (PLAIN, Treatment.NUMBER.value):
        _only_numbers(values, name)
        if kind == PLAIN and values.isna().any():
            row = int(values.isna().to_numpy().argmax()) + 1
            raise FieldError(
                FIELD,
                f"column {name!r} has an empty cell in row {row}; this model trained on data without gaps",
            )
        return prepare_column(values, Treatment.NUMBER)
    if kind == Treatment.YES_NO.value:
        words = words_of(values)
        _refuse_first(
            values, values.notna() & ~words.isin(TRUE_WORDS | FALSE_WORDS), name,
            "not yes/no; it was a yes/no column in training (yes/no, y/n, true/false, t/f)",
        )  # fmt: skip
        return prepare_column(values, Treatment.YES_NO)
    return prepare_column(values, Treatment.ONE_HOT)


def _only_numbers(values: pd.Series, name: str) -> None:
    import pandas as pd

    bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
    _refuse_first(values, bad, name, "text in a column that was a number in training: fix or empty that cell")


def _refuse_first(values: pd.Series, bad: pd.Series, name: str, why: str) -> None:
    """Refuse the first flagged cell, naming the column and its row (counted from 1, as a
    spreadsheet counts data rows)."""
    if bad.any():
        first = int(bad.to_numpy().argmax())
        raise FieldError(FIELD, f"column {name!r} holds {values.iloc[first]!r} in row {first + 1}: {why}")


def _truth(
    values: pd.Series, target: str, task: Task, classes: tuple[str, ...]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The target of the rows, for scoring the predictions: amounts, or class codes; NaN
    where empty or (classes) a label the model never saw, which is also listed."""
    import pandas as pd

    if task is Task.REGRESSION:
        _only_numbers(values, target)
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64), ()
    labels = class_labels(values)
    codes = labels.map({c: float(i) for i, c in enumerate(classes)})
    unknown = sorted({str(v) for v in labels[codes.isna() & labels.notna()]})
    return codes.to_numpy(dtype=np.float64), tuple(unknown)
