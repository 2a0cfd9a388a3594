"""What each column of a table is, and what training will do with it.

A profile is computed from the whole table before anything is stored, so the Launch page
can show it and a bad target is refused up front; it looks only at kinds, gaps and
distinct counts (no statistic learned from it reaches the model: those are fitted on
each split's training rows by ``tuning.data.preprocess``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from tuning.data.task import Task
from tuning.errors import FieldError

if TYPE_CHECKING:
    import pandas as pd

#: Cells read as missing, besides pandas' defaults ("", NA, NaN, null, None, N/A, ...).
EXTRA_MISSING = ("?",)
#: Names of a leading row-number column (besides an empty one).
INDEX_NAMES = frozenset({"id", "index", "row", "rownames", "row_id", "row.names"})
TRUE_WORDS = frozenset({"yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"no", "n", "false", "f"})
#: A text column is an identifier (names, IDs) when this share of its values is distinct.
ID_DISTINCT_SHARE = 0.9
#: ... and it has at least this many distinct values (a short table's categories are not IDs).
ID_MIN_DISTINCT = 8
#: An integer target with at most this many distinct codes (each seen twice on average)
#: is read as class labels.
MAX_CLASS_CODES = 10
#: One-hot width per text column; rarer categories share one "other" column.
MAX_CATEGORIES = 20
#: A category seen in fewer training rows than this is grouped with the other rare ones.
MIN_CATEGORY_ROWS = 5


class ColumnKind(StrEnum):
    """What a column's values look like."""

    NUMBER = "number"
    YES_NO = "yes/no"
    TEXT = "text"
    EMPTY = "empty"


class Treatment(StrEnum):
    """What training does with a column."""

    NUMBER = "number"
    YES_NO = "yes/no as 1/0"
    ONE_HOT = "one-hot"
    DROPPED = "dropped"
    TARGET = "target"


@dataclass(frozen=True)
class ColumnProfile:
    """One column: its kind, its gaps, and its fate (with the reason when dropped)."""

    name: str
    kind: ColumnKind
    missing: float
    distinct: int
    treatment: Treatment
    reason: str = ""
    frequent: int = 0  # a text column's categories in at least MIN_CATEGORY_ROWS rows

    @property
    def used(self) -> bool:
        return self.treatment in (Treatment.NUMBER, Treatment.YES_NO, Treatment.ONE_HOT)

    def what_happens(self) -> str:
        """The plan for this column in a few words, as the Launch table shows it."""
        if self.treatment is Treatment.ONE_HOT:
            text = self._one_hot()
        elif self.treatment is Treatment.DROPPED:
            return f"dropped: {self.reason}"
        else:
            text = self.treatment.value
        if self.missing and self.treatment is not Treatment.TARGET:
            text += "; gaps filled from training rows, plus a missing flag"
        if self.missing and self.treatment is Treatment.TARGET:
            text += "; rows without a target are left out"
        return text

    def _one_hot(self) -> str:
        """The encoder's columns, as ``preprocess`` fits it: a column per category in at least
        MIN_CATEGORY_ROWS rows, at most MAX_CATEGORIES in all, the rarer ones sharing one.
        Counted in the whole file; the encoder counts training rows, a share of them."""
        if not self.frequent:
            few = f"fewer than {MIN_CATEGORY_ROWS} rows"
            return f"one column: each of its {self.distinct} categories is in {few}"
        if self.frequent == self.distinct <= MAX_CATEGORIES:
            return f"one-hot, {self.distinct} categor{'y' if self.distinct == 1 else 'ies'}"
        kept = min(self.frequent, MAX_CATEGORIES - 1)
        rarer = self.distinct - kept
        shared = "1 rarer one shares" if rarer == 1 else f"{rarer} rarer ones share"
        return f"one-hot, {kept} categor{'y' if kept == 1 else 'ies'}; {shared} one column"


@dataclass(frozen=True)
class TableProfile:
    """Every column's profile, the target's task and, for classes, their row counts."""

    columns: tuple[ColumnProfile, ...]
    target: str
    task: Task
    inferred_task: Task
    class_counts: dict[str, int]

    def used(self, kind: Treatment) -> list[str]:
        return [c.name for c in self.columns if c.treatment is kind]

    @property
    def features(self) -> list[str]:
        return [c.name for c in self.columns if c.used]

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per column, for a table in the UI or ``--json`` output."""
        return [
            {
                "column": c.name,
                "kind": c.kind.value,
                "missing": round(c.missing, 4),
                "distinct": c.distinct,
                "what happens": c.what_happens(),
            }
            for c in self.columns
        ]


def per_distinct(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """``values.map(function, na_action="ignore")``, calling ``function`` once per distinct
    value: a column of 100,000 rows holds a handful of words (predicting 100,000 rows spent
    a third of its time mapping them one by one). Gaps stay NaN."""
    import pandas as pd

    codes, uniques = pd.factorize(values)
    mapped = np.array([*(function(u) for u in uniques), np.nan], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)  # a gap's code -1: NaN


def words_of(values: pd.Series) -> pd.Series:
    """Each value as a lower-case word without surrounding spaces (gaps stay NaN)."""
    return per_distinct(values, lambda v: str(v).strip().lower())


def yes_no(values: pd.Series) -> pd.Series:
    """Yes/no-like values (yes/no, y/n, true/false, t/f, any case) as 1.0/0.0, gaps as NaN."""
    return per_distinct(values, _yes).astype(np.float64)


def _yes(value: Any) -> float:
    return 1.0 if str(value).strip().lower() in TRUE_WORDS else 0.0


def column_kind(values: pd.Series) -> ColumnKind:
    """Number, yes/no or text, from the present values alone."""
    import pandas as pd

    present = values.dropna()
    if present.empty:
        return ColumnKind.EMPTY
    if pd.api.types.is_bool_dtype(present.dtype):
        return ColumnKind.YES_NO
    if pd.api.types.is_numeric_dtype(present.dtype):
        return ColumnKind.NUMBER
    words = {str(v).strip().lower() for v in present.unique()}
    if words <= TRUE_WORDS | FALSE_WORDS and len(words) <= 2 and _one_pair(words):
        return ColumnKind.YES_NO
    return ColumnKind.TEXT


def _one_pair(words: set[str]) -> bool:
    """True when the words come from one spelling (yes/no, y/n, true/false or t/f)."""
    pairs = ({"yes", "no"}, {"y", "n"}, {"true", "false"}, {"t", "f"})
    return any(words <= pair for pair in pairs)


def is_row_index(name: str, values: pd.Series, position: int) -> bool:
    """A leading column of distinct whole numbers that is unnamed (R's ``write.csv`` row
    names, pandas' ``to_csv`` index) or named as an index: row numbers, not a measurement.

    Only the first column, and only by name: a counting column elsewhere may be a real
    feature (a year, a floor number), so it stays a number.
    """
    import pandas as pd

    if position != 0 or not pd.api.types.is_integer_dtype(values.dtype) or not values.is_unique:
        return False
    return name.startswith("Unnamed: ") or not name.strip() or name.strip().lower() in INDEX_NAMES


def profile_column(name: str, values: pd.Series, position: int) -> ColumnProfile:
    """The profile of one feature column."""
    kind = column_kind(values)
    present = values.dropna()
    missing = float(values.isna().mean())
    distinct = int(present.nunique())

    def dropped(reason: str) -> ColumnProfile:
        return ColumnProfile(name, kind, missing, distinct, Treatment.DROPPED, reason)

    if kind is ColumnKind.EMPTY:
        return dropped("every cell is empty")
    if is_row_index(name, values, position):
        return dropped("row numbers (a leading index column), not a measurement")
    if distinct == 1:
        return dropped("holds one value only")
    if kind is ColumnKind.TEXT:
        if distinct >= ID_MIN_DISTINCT and distinct >= ID_DISTINCT_SHARE * len(present):
            return dropped(f"{distinct} distinct values in {len(present)} rows: an ID or name")
        frequent = int((present.value_counts() >= MIN_CATEGORY_ROWS).sum())
        return ColumnProfile(name, kind, missing, distinct, Treatment.ONE_HOT, frequent=frequent)
    treatment = Treatment.YES_NO if kind is ColumnKind.YES_NO else Treatment.NUMBER
    return ColumnProfile(name, kind, missing, distinct, treatment)


def infer_task(values: pd.Series) -> Task:
    """Text, yes/no, or a few whole-number codes are classes; other numbers are amounts."""
    import pandas as pd

    kind = column_kind(values)
    if kind in (ColumnKind.TEXT, ColumnKind.YES_NO):
        return Task.CLASSIFICATION
    present = values.dropna()
    whole = pd.api.types.is_integer_dtype(present.dtype) or bool((present == present.round()).all())
    # A few codes, each repeated: 10 distinct values in 10 rows are amounts, not classes.
    few = present.nunique() <= min(MAX_CLASS_CODES, len(present) // 2)
    return Task.CLASSIFICATION if whole and few else Task.REGRESSION


def class_labels(values: pd.Series) -> pd.Series:
    """Target values as class-label text ("3", not "3.0"), gaps kept as NaN."""
    import pandas as pd

    if pd.api.types.is_float_dtype(values.dtype) and bool((values.dropna() % 1 == 0).all()):
        values = values.astype("Int64")
    return values.map(lambda v: str(v).strip(), na_action="ignore").astype(object)


def profile_table(
    frame: pd.DataFrame, target: str, task: Task | None = None, exclude: tuple[str, ...] = ()
) -> TableProfile:
    """Profile every column of ``frame`` for predicting ``target``; ``task`` overrides the
    inferred one; ``exclude`` drops columns the user chose to leave out."""
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    if target not in columns:
        raise FieldError("dataset.target", f"there is no column {target!r}; the columns are {columns}")
    unknown = sorted(set(exclude) - set(columns))
    if unknown:
        raise FieldError("dataset.exclude", f"no such columns {unknown}; the columns are {columns}")
    if target in exclude:
        raise FieldError("dataset.exclude", f"the target {target!r} cannot be excluded")
    inferred = infer_task(frame[target])
    chosen = task or inferred
    profiles = []
    for position, name in enumerate(columns):
        values = frame[name]
        if name == target:
            kind, missing = column_kind(values), float(values.isna().mean())
            profiles.append(
                ColumnProfile(name, kind, missing, int(values.nunique()), Treatment.TARGET, chosen.value)
            )
        elif name in exclude:
            kind = column_kind(values)
            profiles.append(
                ColumnProfile(
                    name, kind, float(values.isna().mean()), int(values.nunique()),
                    Treatment.DROPPED, "excluded by you",
                )
            )  # fmt: skip
        else:
            profiles.append(profile_column(name, values, position))
    counts: dict[str, int] = {}
    if chosen is Task.CLASSIFICATION:
        counts = {str(k): int(v) for k, v in class_labels(frame[target]).value_counts().items()}
    elif not pd.api.types.is_numeric_dtype(frame[target].dropna().dtype):
        raise FieldError(
            "task",
            f"the target {target!r} holds text, so it can only be predicted as classes (classification)",
        )
    return TableProfile(tuple(profiles), target, chosen, inferred, counts)
