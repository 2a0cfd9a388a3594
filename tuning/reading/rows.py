"""A run's finished trials as table rows and learning curves, each made once.

A finished trial never changes in any Optuna storage (each refuses updates to it), so its
row (``records.records_frame``: state, score, parameters, timings, worker, origin,
error, metrics, last epoch's score) and its learning curve are made once, when the trial
is first read as finished, and kept as columns. A read of a 100,000-trial run then costs
what changed since the last, not a Python object per trial. Rows and curves round-trip
through Arrow, which is how the journal's replica saves them (``replica_cache``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from optuna.trial import FrozenTrial

from tuning.reading.records import joined_rows, learning_curve, records_frame

CURVE_COLUMN = "curves"  # the Arrow column of learning curves (not a column of the rows)
JSON_COLUMNS = b"sweetspot:json_columns"  # schema metadata: columns stored as JSON text


class FinishedRows:
    """The rows and learning curves of a run's finished trials, in the order they were added.

    ``add`` takes finished trials (a trial number seen before is skipped, so a reader may
    hand over every finished trial it sees); ``frame`` and ``curves`` read them.
    """

    def __init__(self, frame: pd.DataFrame | None = None, curves: pa.ListArray | None = None) -> None:
        self._frame = frame if frame is not None else records_frame([])
        self._curves = curves if curves is not None else pa.array([], pa.list_(pa.float64()))
        self._curve_numbers = self._frame["number"].tolist()  # the curves' order: that of their adding
        self._numbers = set(self._curve_numbers)
        self._pending: list[FrozenTrial] = []
        self._positions: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self._numbers)

    def add(self, trials: Iterable[FrozenTrial]) -> None:
        """Keep the rows of ``trials`` (all finished) not kept yet; made on the next read."""
        for trial in trials:
            if trial.number not in self._numbers:
                self._numbers.add(trial.number)
                self._pending.append(trial)

    def frame(self) -> pd.DataFrame:
        """One row per finished trial, as ``records_frame`` makes them, in trial number order."""
        self._flush()
        return self._frame

    def curves(self, numbers: Sequence[int]) -> dict[int, list[float]]:
        """The learning curves of the finished trials ``numbers`` (others are left out)."""
        self._flush()
        if self._positions is None:
            self._positions = {n: i for i, n in enumerate(self._curve_numbers)}
        found = [(n, self._positions[n]) for n in numbers if n in self._positions]
        if not found:
            return {}
        taken = self._curves.take(pa.array([position for _, position in found])).to_pylist()
        return {number: curve for (number, _), curve in zip(found, taken, strict=True)}

    def _flush(self) -> None:
        if not self._pending:
            return
        trials, self._pending = self._pending, []
        self._frame = _merged(self._frame, records_frame(trials))
        self._curves = pa.concat_arrays([self._curves, _curve_array(trials)])
        self._curve_numbers += [t.number for t in trials]
        self._positions = None

    def to_arrow(self) -> pa.Table:
        """The rows and their curves as one Arrow table (nested values as JSON text)."""
        return self.kept()()

    def kept(self) -> Callable[[], pa.Table]:
        """``to_arrow`` in two steps: what is kept now (quick; hold the reader's lock), and a
        function that encodes it (slow; call it without the lock, readers go on meanwhile)."""
        self._flush()
        frame, curves, numbers = self._frame, self._curves, list(self._curve_numbers)

        def encoded() -> pa.Table:
            positions = {n: i for i, n in enumerate(numbers)}
            order = pa.array([positions[n] for n in frame["number"].tolist()], pa.int64())
            return _encode(frame).append_column(CURVE_COLUMN, curves.take(order))

        return encoded

    @classmethod
    def from_arrow(cls, table: pa.Table) -> FinishedRows:
        """What ``to_arrow`` wrote."""
        curves = table.column(CURVE_COLUMN).combine_chunks()
        return cls(_decode(table.drop_columns([CURVE_COLUMN])), curves)


def _merged(kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``kept`` (in number order) with ``new`` rows, in number order; only the rows after the
    first new number are sorted again (trials finish roughly in number order)."""
    if new.empty:
        return kept
    new = new.sort_values("number")
    split = int(kept["number"].searchsorted(new["number"].iloc[0])) if not kept.empty else 0
    if split == len(kept):
        return joined_rows(kept, new)
    tail = joined_rows(kept.iloc[split:], new).sort_values("number")
    return joined_rows(kept.iloc[:split], tail)


def _curve_array(trials: Sequence[FrozenTrial]) -> pa.ListArray:
    """Each trial's learning curve as floats; a curve that is not a list of numbers as none."""
    curves = []
    for trial in trials:
        try:
            curves.append([float(loss) for loss in learning_curve(trial)])
        except (TypeError, ValueError):  # not a Sweetspot curve: nothing to draw
            curves.append([])
    return pa.array(curves, pa.list_(pa.float64()))


def _encode(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as Arrow; object columns Arrow cannot hold as plain values become JSON text."""
    columns, as_json = {}, []
    for name in frame.columns:
        values = frame[name]
        if values.dtype == object and not _plain(values):
            as_json.append(name)
            values = pd.Series([None if v is None else json.dumps(v) for v in values], dtype=object)
        columns[name] = values
    table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
    return table.replace_schema_metadata({**(table.schema.metadata or {}), JSON_COLUMNS: json.dumps(as_json)})


def _plain(values: pd.Series) -> bool:
    """True when every value is a string or missing: Arrow keeps them as they are."""
    return all(v is None or isinstance(v, str) for v in values)


def _decode(table: pa.Table) -> pd.DataFrame:
    """What ``_encode`` made, back as the frame it came from; each distinct JSON text parsed once."""
    as_json = json.loads((table.schema.metadata or {}).get(JSON_COLUMNS, b"[]"))
    frame = table.to_pandas()
    for name in as_json:
        frame[name] = _parsed(table.column(name).combine_chunks())
    return frame


def _parsed(texts: pa.Array) -> np.ndarray[Any, Any]:
    encoded = texts.dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    values = np.empty(len(distinct) + 1, dtype=object)  # filled one by one: a list stays one value
    for index, text in enumerate(distinct, start=1):
        values[index] = json.loads(text)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False) + 1
    return values[codes]
