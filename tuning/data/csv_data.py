"""A user's CSV file, checked before anything is stored: a header, rows, and a usable target.

Uploaded bytes are only ever parsed as text by pandas; nothing is unpickled or executed.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tuning.data.columns import (
    EXTRA_MISSING,
    TableProfile,
    Treatment,
    class_labels,
    is_row_index,
    profile_table,
)
from tuning.data.preprocess import Encoder, prepare_frame
from tuning.data.splits import check_classes
from tuning.data.task import Task
from tuning.errors import FieldError

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

FIELD = "dataset.csv"
#: The largest number a table may hold: squares of larger ones (a variance, a squared error
#: summed over 200,000 rows) overflow float64, and training ran on with overflow warnings.
MAX_MAGNITUDE = 1e100


@dataclass(frozen=True)
class CsvLimits:
    """What a CSV may be at most; demo mode lowers these. ``max_columns`` caps both the
    file's columns and the network's inputs after one-hot encoding."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 200
    min_rows: int = 8


@dataclass(frozen=True)
class CsvTable:
    """A checked table: the used feature columns ready for encoding, and the target as
    numbers (amounts, or class codes 0..k-1 indexing ``classes``)."""

    frame: pd.DataFrame
    target: np.ndarray
    profile: TableProfile
    classes: tuple[str, ...]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.profile.features)

    @property
    def target_name(self) -> str:
        return self.profile.target


def decode_csv(data: bytes, limits: CsvLimits = CsvLimits(), field: str = FIELD) -> str:
    """The text of an uploaded file, refusing an empty, oversized, binary or non-UTF-8 one.

    Every way in (the Launch page, ``python -m tuning launch --csv``) reads bytes, so
    every one gives the same message for the same bad file; ``field`` names the file in
    it (rows to predict are not the dataset).
    """
    if not data.strip():
        raise FieldError(field, "the file is empty; upload a CSV with a header row and data rows")
    _check_size(len(data), limits, field)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        raise FieldError(field, "the file is UTF-16 text; save it as UTF-8 CSV")
    if b"\x00" in data[:65536]:
        raise FieldError(field, "the file is binary, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FieldError(
            field, f"the file is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV"
        ) from None


def read_csv_file(path: Path, limits: CsvLimits = CsvLimits()) -> str:
    """The text of a CSV file on disk, refused by its size before a byte of it is read
    (a 200 MB file used to be read whole, 452 MB resident, and refused after)."""
    _check_size(path.stat().st_size, limits)
    with path.open("rb") as file:
        return decode_csv(file.read(limits.max_bytes + 1), limits)  # it may have grown since


def _check_size(size: int, limits: CsvLimits, field: str = FIELD) -> None:
    if size > limits.max_bytes:
        raise FieldError(
            field,
            f"the file is {size / 1e6:.1f} MB, over the limit of {limits.max_bytes / 1e6:.1f} MB; "
            "upload fewer rows",
        )


def read_csv_frame(data: bytes, limits: CsvLimits = CsvLimits()) -> pd.DataFrame:
    """Parse the bytes into a DataFrame, refusing what is not a usable CSV."""
    import pandas as pd  # here, not at the top: workers of built-in datasets skip its import

    text = decode_csv(data, limits)
    try:
        frame = pd.read_csv(io.StringIO(text), na_values=list(EXTRA_MISSING), skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise FieldError(FIELD, f"the file could not be read as CSV ({error})") from None
    check_header(header_row(text), frame)
    if frame.shape[1] > limits.max_columns:
        raise FieldError(
            FIELD, f"the file has {frame.shape[1]:,} columns, over the limit of {limits.max_columns}"
        )
    if len(frame) == 0:
        raise FieldError(FIELD, "the file has a header but no data rows")
    if len(frame) < limits.min_rows:
        raise FieldError(
            FIELD,
            f"the file has {len(frame)} data row(s); at least {limits.min_rows} are needed "
            "to train, validate and test",
        )
    if len(frame) > limits.max_rows:
        raise FieldError(FIELD, f"the file has {len(frame):,} rows, over the limit of {limits.max_rows:,}")
    if frame.shape[1] < 2:
        raise FieldError(FIELD, one_column_reason(str(frame.columns[0])))
    check_numbers(frame)
    return frame


#: Separators other than the comma that files come with, and how a message names them.
OTHER_SEPARATORS = {";": "';'", "\t": "tabs", "|": "'|'"}


def one_column_reason(header: str) -> str:
    """Why a file read as one column is refused: most often it separates its columns with
    something else (a spreadsheet in a decimal-comma locale writes semicolons)."""
    for separator, name in OTHER_SEPARATORS.items():
        if separator in header:
            fix = "save the file with commas between columns"
            return f"the file has one column only, and its header holds {name}: {fix}"
    return "the file needs at least two columns: features and a target"


def header_row(text: str, field: str = FIELD) -> list[str]:
    """The header row's names as pandas reads them: spaces after a comma skipped, any line
    ending (``\\n``, ``\\r\\n``, or an old Mac's ``\\r`` alone), blank lines before it skipped."""
    rows = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        return next((row for row in rows if row), [])
    except csv.Error as error:
        raise FieldError(field, f"the header row could not be read ({error})") from None


def check_header(header: list[str], frame: pd.DataFrame, field: str = FIELD) -> None:
    """Refuse names pandas would change: a repeated ``a`` becomes ``a.1``, an empty name
    ``Unnamed: 1``; the user would then see, and pick as a target, columns not in their file.

    A leading column of row numbers may be unnamed (R's ``write.csv``, pandas' ``to_csv``):
    training drops it.
    """
    counts = Counter(name for name in header if name)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise FieldError(field, f"column names repeat: {repeated}; give every column its own name")
    unnamed = [
        position + 1
        for position, name in enumerate(header)
        if not name.strip()
        and not (position < frame.shape[1] and is_row_index("", frame.iloc[:, position], position))
    ]
    if unnamed:
        which = f"column {unnamed[0]} has" if len(unnamed) == 1 else f"columns {_and(unnamed)} have"
        raise FieldError(
            field,
            f"{which} no name in the header row; name every column (only a leading column of "
            "row numbers may be unnamed)",
        )


def check_numbers(frame: pd.DataFrame, field: str = FIELD) -> None:
    """Refuse an infinite number, or one so large that training's squares overflow (a
    1e308 target trained with overflow warnings; an ``inf`` feature was silently imputed),
    naming each column, its first such row (counting data rows from 1) and the value."""
    import pandas as pd

    problems = []
    for name in frame.columns:
        values = frame[name]
        if not pd.api.types.is_float_dtype(values.dtype):
            continue  # integers are finite and bounded by int64; text holds no number
        bad = ~(values.abs() <= MAX_MAGNITUDE) & values.notna()
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            more = f" (and {len(rows) - 1} more row(s))" if len(rows) > 1 else ""
            problems.append(f"column {name!r} holds {values.iloc[rows[0]]:g} at data row {rows[0] + 1}{more}")
    if problems:
        raise FieldError(
            field,
            f"{'; '.join(problems)}; numbers must be finite and within ±{MAX_MAGNITUDE:g}: "
            "fix or remove those cells",
        )


def _and(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def parse_csv(
    data: bytes,
    target: str,
    limits: CsvLimits = CsvLimits(),
    task: Task | None = None,
    exclude: tuple[str, ...] = (),
    cv_folds: int = 0,
) -> CsvTable:
    """A table ready to train on, or a FieldError naming what is wrong and what to do.

    Rows without a target value are left out; the features keep their gaps (they are
    filled per split from training rows). ``task`` overrides the inferred one;
    ``cv_folds`` sets how many rows a class needs to reach every part of the split.
    """
    frame = read_csv_frame(data, limits)
    profile = profile_table(frame, target, task, exclude)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    if len(frame) < limits.min_rows:
        raise FieldError(
            "dataset.target",
            f"only {len(frame)} row(s) have a {target!r} value; at least {limits.min_rows} are needed",
        )
    if not profile.features:
        dropped = "; ".join(
            f"{c.name}: {c.reason}" for c in profile.columns if c.treatment is Treatment.DROPPED
        )
        raise FieldError(
            FIELD, f"no column is left to learn from ({dropped or 'the target is the only column'})"
        )
    classes: tuple[str, ...] = ()
    if profile.task is Task.CLASSIFICATION:
        check_classes(profile.class_counts, cv_folds)
        labels = class_labels(frame[target])
        classes = tuple(sorted(profile.class_counts))
        values = labels.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.float64)
    else:
        values = frame[target].to_numpy(dtype=np.float64)
        if values.std() == 0:
            raise FieldError(
                "dataset.target", f"the target {target!r} holds one value only; nothing to predict"
            )
    table = CsvTable(prepare_frame(frame, profile), values, profile, classes)
    _check_width(table, limits)
    return table


def _check_width(table: CsvTable, limits: CsvLimits) -> None:
    """Refuse a table whose one-hot encoding would be wider than the column cap."""
    width = len(Encoder.fit(table.frame, table.profile, np.arange(len(table.frame))).names(()))
    if width > limits.max_columns:
        raise FieldError(
            FIELD,
            f"after one-hot encoding the table has {width} input columns, over the limit of "
            f"{limits.max_columns}; exclude some text columns",
        )
