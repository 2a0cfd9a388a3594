"""Filters on the trials table, applied here on the DataFrame, so a 10,000-row run stays fast.

The browser gets only the rows that pass. A filter names columns as the table shows them
(``loss``, ``lr``), and its fields come from the run's spec, not from the trials: a
hyperparameter's bounds are fixed for the whole run, so a filter widget built from them
keeps its value while a live run adds trials (a widget whose bounds move is reset by
Streamlit). The loss has no such bounds: it is filtered by optional numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import pandas as pd

from tuning.definition.space import Choice, Param, Range
from tuning.errors import FieldError

TABLE_ROWS = 1_000  # rows sent to the browser; 10,000 rows kept its main thread busy for seconds
TRIAL_STATES = ("complete", "running", "pruned", "failed")


class FieldKind(Enum):
    """How a filter field is set: a range of numbers (on a log scale or not), or options."""

    RANGE = "range"
    LOG_RANGE = "log range"
    CHOICE = "choice"


@dataclass(frozen=True)
class FilterField:
    """One hyperparameter a reader can filter on, with the bounds or options its spec allows."""

    name: str
    kind: FieldKind
    low: float = 0.0
    high: float = 0.0
    integer: bool = False
    options: tuple[object, ...] = ()


def filter_fields(space: Mapping[str, Param]) -> list[FilterField]:
    """The searched hyperparameters of a run's space as filter fields, in name order."""
    fields = []
    for name in sorted(space):
        param = space[name]
        if isinstance(param, Choice) and len(param.options) > 1:
            fields.append(FilterField(name, FieldKind.CHOICE, options=tuple(param.options)))
        elif isinstance(param, Range) and param.low < param.high:
            kind = FieldKind.LOG_RANGE if param.log else FieldKind.RANGE
            fields.append(FilterField(name, kind, float(param.low), float(param.high), param.kind is int))
    return fields


@dataclass(frozen=True)
class TrialFilter:
    """Which trials the table shows: states, inclusive ranges of numbers, allowed options.

    ``states`` None keeps every state; ``ranges`` maps a column (``loss`` or a numeric
    hyperparameter) to (low, high), either side None for no bound; ``options`` maps a
    categorical hyperparameter to the values kept. Refused when a range is upside down
    or a state is unknown, naming the field.
    """

    states: frozenset[str] | None = None
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    options: Mapping[str, frozenset[object]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.states or ()) - set(TRIAL_STATES))
        if unknown:
            raise FieldError("state", f"unknown state(s) {unknown}; the states are {list(TRIAL_STATES)}")
        for column, (low, high) in self.ranges.items():
            if low is not None and high is not None and low > high:
                raise FieldError(column, f"the low end must not exceed the high end, got {low=}, {high=}")

    def apply(self, table: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``table`` (``chart_data.trial_table``) that pass every part of the filter."""
        keep = np.ones(len(table), dtype=bool)
        if self.states is not None:
            keep &= table["state"].isin(self.states).to_numpy()
        for column, (low, high) in self.ranges.items():
            values = pd.to_numeric(_column(table, column), errors="coerce").to_numpy(dtype=float)
            if low is not None:
                keep &= values >= low
            if high is not None:
                keep &= values <= high
        for column, allowed in self.options.items():
            keep &= _column(table, column).isin(list(allowed)).to_numpy()
        return table[keep]


def _column(table: pd.DataFrame, column: str) -> pd.Series:
    if column not in table.columns:
        raise FieldError(column, f"the trials have no column {column!r}; they have {list(table.columns)}")
    return table[column]


def shown_rows(table: pd.DataFrame, limit: int = TABLE_ROWS, maximize: bool = False) -> pd.DataFrame:
    """At most ``limit`` rows of ``table``: the best scores (the lowest, or the highest when
    ``maximize``; trials without one last), in trial order. Measured in Chromium, a
    10,000-row table was the Monitor's heaviest element to decode and lay out; filters reach
    any other row, and the CSV holds every row that passes.
    """
    if len(table) <= limit:
        return table
    best = table.sort_values("loss", ascending=not maximize, na_position="last", kind="stable")
    return best.head(limit).sort_values("number")
