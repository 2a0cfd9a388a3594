"""A user's CSV file, checked before anything is stored: numeric columns and a target.

Uploaded bytes are only ever parsed as text by pandas; nothing is unpickled or executed.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tuning.errors import FieldError

if TYPE_CHECKING:
    import pandas as pd

FIELD = "dataset.csv"


@dataclass(frozen=True)
class CsvLimits:
    """What a CSV may be at most; demo mode lowers these."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 200
    min_rows: int = 8


@dataclass(frozen=True)
class CsvTable:
    features: np.ndarray
    target: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str


def decode_csv(data: bytes, limits: CsvLimits = CsvLimits()) -> str:
    """The text of an uploaded file, refusing an empty, oversized, binary or non-UTF-8 one.

    Every way in (the Launch page, ``python -m tuning launch --csv``) reads bytes, so
    every one gives the same message for the same bad file.
    """
    if not data.strip():
        raise FieldError(FIELD, "the file is empty; upload a CSV with a header row and data rows")
    if len(data) > limits.max_bytes:
        raise FieldError(
            FIELD,
            f"the file is {len(data) / 1e6:.1f} MB, over the limit of "
            f"{limits.max_bytes / 1e6:.1f} MB; upload fewer rows",
        )
    if b"\x00" in data[:65536]:
        raise FieldError(FIELD, "the file is binary, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FieldError(
            FIELD, f"the file is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV"
        ) from None


def read_csv_frame(data: bytes, limits: CsvLimits = CsvLimits()) -> pd.DataFrame:
    """Parse the bytes into a DataFrame, refusing what is not a usable CSV."""
    import pandas as pd  # here, not at the top: workers of built-in datasets skip its import

    text = decode_csv(data, limits)
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise FieldError(FIELD, f"the file could not be read as CSV ({error})") from None
    repeated = repeated_names(text)
    if repeated:
        raise FieldError(FIELD, f"column names repeat: {repeated}; give every column its own name")
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
        raise FieldError(FIELD, "the file needs at least two columns: features and a target")
    return frame


def repeated_names(text: str) -> list[str]:
    """Header names that occur more than once, read from the header row itself.

    pandas renames a repeated ``a`` to ``a.1``; the user would then see, and pick as a
    target, columns that are not in their file.
    """
    header = next((row for row in csv.reader(io.StringIO(text)) if row), [])  # pandas skips blank lines
    counts = Counter(name for name in header if name)
    return sorted(name for name, count in counts.items() if count > 1)


def parse_csv(data: bytes, target: str, limits: CsvLimits = CsvLimits()) -> CsvTable:
    """Features and target from CSV bytes; every column must be numeric, finite, varying."""
    import pandas as pd

    frame = read_csv_frame(data, limits)
    if target not in frame.columns:
        raise FieldError(
            "dataset.target", f"there is no column {target!r}; the columns are {list(frame.columns)}"
        )
    non_numeric = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        which = "the target" if target in non_numeric else "columns"
        raise FieldError(
            FIELD,
            f"{which} {non_numeric} are not numeric; keep only numeric columns "
            "(encode categories as numbers first)",
        )
    values = frame.to_numpy(dtype=np.float64)
    bad = [str(c) for c, ok in zip(frame.columns, np.isfinite(values).all(axis=0), strict=False) if not ok]
    if bad:
        raise FieldError(FIELD, f"columns {bad} have missing, NaN or infinite values; fill or drop them")
    constant = [str(c) for c, s in zip(frame.columns, values.std(axis=0), strict=False) if s == 0]
    if constant:
        raise FieldError(FIELD, f"columns {constant} hold one value only; drop them")
    features = frame.drop(columns=[target])
    return CsvTable(
        features.to_numpy(dtype=np.float64),
        frame[target].to_numpy(dtype=np.float64),
        tuple(str(c) for c in features.columns),
        target,
    )
