"""A member's fitted preprocessing as plain JSON, and new rows encoded from it with numpy.

The winner used to carry each member's fitted scikit-learn ``ColumnTransformer`` as a
pickle: loading it runs whatever the file says, and needs the same scikit-learn version.
What the transformer learned is a handful of numbers and words (the gap fillers, the
standardization, each category's one-hot column, which columns get a missing flag), so
it is written out as exactly that (``describe``), and ``Preprocessing.encode`` applies it
to prepared rows with the same arithmetic: equal to ``Encoder.encode`` (a test holds them
equal on tables with gaps and unseen categories), without scikit-learn and without pickle.

A member's JSON: ``columns`` (the used columns, in the table's order), then ``plain`` (an
all-number dataset's columns, as they are) or the blocks in the transformer's output
order — ``numbers`` (fill, mean, scale), ``yes_no`` (fill), ``one_hot`` (fill, width,
category → column, the column of unseen categories), then ``missing`` (columns flagged
when empty) — ``width`` (inputs after padding), ``inputs`` (their names) and ``scaler``
(the feature mean and spread, the target's for regression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tuning.data.columns import Treatment

if TYPE_CHECKING:
    import pandas as pd

    from tuning.data.preprocess import Encoder
    from tuning.data.splits import Scaler

#: What a column is to the network, as model.json lists it: a table's treatment, or
#: "plain" for an all-number dataset's column (no gaps, no standardization before the scaler).
PLAIN = "plain"


def describe(encoder: Encoder, scaler: Scaler, feature_names: tuple[str, ...]) -> dict[str, Any]:
    """The fitted ``encoder`` and ``scaler`` of one member as JSON-ready data."""
    blocks: dict[str, Any] = {"plain": list(feature_names)} if encoder.transformer is None else {}
    if encoder.transformer is not None:
        blocks = _transformer_blocks(encoder.transformer)
    names = encoder.names(feature_names)
    return {
        "columns": list(feature_names),
        **blocks,
        "width": len(names),
        "inputs": names,
        "scaler": scaler.to_dict(),
    }


def _transformer_blocks(transformer: Any) -> dict[str, Any]:
    """The learned numbers of a fitted ``ColumnTransformer`` (``tuning.data.preprocess``)."""
    fitted = {name: (step, list(columns)) for name, step, columns in transformer.transformers_}
    present = {name for name, cut in transformer.output_indices_.items() if cut.stop > cut.start}
    blocks: dict[str, Any] = {"numbers": [], "yes_no": [], "one_hot": [], "missing": []}
    if "number" in present:
        step, columns = fitted["number"]
        imputer, scaler = step[0], step[1]
        blocks["numbers"] = [
            {"column": c, "fill": float(f), "mean": float(m), "scale": float(s)}
            for c, f, m, s in zip(columns, imputer.statistics_, scaler.mean_, scaler.scale_, strict=True)
        ]
    if "yes_no" in present:
        step, columns = fitted["yes_no"]
        blocks["yes_no"] = [
            {"column": c, "fill": float(f)} for c, f in zip(columns, step.statistics_, strict=True)
        ]
    if "one_hot" in present:
        step, columns = fitted["one_hot"]
        blocks["one_hot"] = [_one_hot(step[0], step[1], i, c) for i, c in enumerate(columns)]
    if "missing" in present:
        step, columns = fitted["missing"]
        blocks["missing"] = [columns[int(i)] for i in step.features_]
    return blocks


def _one_hot(imputer: Any, encoder: Any, position: int, column: str) -> dict[str, Any]:
    """One text column: each training category's output column, and where an unseen one goes.

    The columns come from transforming the categories themselves, so rare categories land
    in the shared "infrequent" column exactly as scikit-learn puts them.
    """
    categories = [str(c) for c in encoder.categories_[position]]
    starts = np.cumsum([0, *(len(_outputs(encoder, i)) for i in range(len(encoder.categories_)))])
    own = slice(int(starts[position]), int(starts[position + 1]))
    probe = np.full((len(categories), len(encoder.categories_)), None, dtype=object)
    for i, known in enumerate(encoder.categories_):
        probe[:, i] = known[0]
    probe[:, position] = categories
    hot = np.asarray(encoder.transform(probe))[:, own]
    names = _outputs(encoder, position)
    infrequent = [i for i, name in enumerate(names) if str(name).endswith("_infrequent_sklearn")]
    return {
        "column": column,
        "fill": str(imputer.statistics_[position]),
        "width": len(names),
        "index": {c: int(row.argmax()) for c, row in zip(categories, hot, strict=True)},
        "unknown": infrequent[0] if infrequent else None,
    }


def _outputs(encoder: Any, position: int) -> list[str]:
    """The output names of one input column of a fitted ``OneHotEncoder``."""
    prefix = f"x{position}_"
    return [str(n) for n in encoder.get_feature_names_out() if str(n).startswith(prefix)]


@dataclass(frozen=True)
class Preprocessing:
    """One member's preprocessing, read back from its JSON (``describe``)."""

    raw: dict[str, Any]

    @property
    def width(self) -> int:
        return int(self.raw["width"])

    def treatments(self) -> dict[str, str]:
        """Each input column of the table and what is done with it, in training order."""
        if "plain" in self.raw:
            return dict.fromkeys(self.raw["plain"], PLAIN)
        kinds = {
            **{n["column"]: Treatment.NUMBER.value for n in self.raw["numbers"]},
            **{n["column"]: Treatment.YES_NO.value for n in self.raw["yes_no"]},
            **{n["column"]: Treatment.ONE_HOT.value for n in self.raw["one_hot"]},
        }
        return {name: kinds[name] for name in self.raw["columns"]}

    def categories(self) -> dict[str, list[str]]:
        """The categories each text column had in this member's training rows."""
        return {n["column"]: sorted(n["index"]) for n in self.raw.get("one_hot", [])}

    def encode(self, rows: RowArrays | pd.DataFrame, part: slice = slice(None)) -> np.ndarray:
        """The network's input for prepared rows (``tuning.data.preprocess.prepare_column``),
        standardized with the member's scaler; ``part`` picks a range of the rows."""
        rows = rows if isinstance(rows, RowArrays) else RowArrays(rows)
        length = len(range(*part.indices(rows.length)))
        out = np.zeros((length, self.width), dtype=np.float64, order="F")  # filled column by column
        column = 0
        for name in self.raw.get("plain", []):
            out[:, column] = rows.values(name)[part]
            column += 1
        for number in self.raw.get("numbers", []):
            out[:, column] = (_filled(rows, number, part) - number["mean"]) / number["scale"]
            column += 1
        for flag in self.raw.get("yes_no", []):
            out[:, column] = _filled(rows, flag, part)
            column += 1
        for category in self.raw.get("one_hot", []):
            codes = rows.codes(category["column"], category)[part]
            hot = np.flatnonzero(codes >= 0)
            out[hot, column + codes[hot]] = 1.0
            column += int(category["width"])
        for name in self.raw.get("missing", []):
            out[:, column] = rows.missing(name)[part]
            column += 1
        scaler = self.raw["scaler"]
        out -= np.asarray(scaler["feature_mean"])  # in place: 100,000 rows are 70 MB a copy
        out /= np.asarray(scaler["feature_std"])
        return out


def _filled(rows: RowArrays, step: dict[str, Any], part: slice) -> np.ndarray:
    values = rows.values(step["column"])[part]
    return np.where(np.isnan(values), step["fill"], values)


class RowArrays:
    """Prepared rows as numpy arrays, each column converted once for every member that
    reads it (five members of a 5-fold run read the same columns): numbers with NaN for
    gaps, missing masks, and text columns factorized, so each member maps only the few
    distinct words to its one-hot columns."""

    def __init__(self, prepared: pd.DataFrame) -> None:
        self.prepared = prepared
        self.length = len(prepared)
        self._values: dict[str, np.ndarray] = {}
        self._missing: dict[str, np.ndarray] = {}
        self._factors: dict[str, tuple[np.ndarray, list[str]]] = {}

    def values(self, name: str) -> np.ndarray:
        if name not in self._values:
            self._values[name] = self.prepared[name].to_numpy(dtype=np.float64, na_value=np.nan)
        return self._values[name]

    def missing(self, name: str) -> np.ndarray:
        if name not in self._missing:
            self._missing[name] = self.prepared[name].isna().to_numpy()
        return self._missing[name]

    def codes(self, name: str, category: dict[str, Any]) -> np.ndarray:
        """Each row's one-hot column for this member (-1: none): a gap takes the training
        fill, a word training never saw goes where scikit-learn sends it (the shared
        infrequent column, or none)."""
        import pandas as pd

        if name not in self._factors:
            codes, uniques = pd.factorize(self.prepared[name])
            self._factors[name] = (codes, [str(u) for u in uniques])
        codes, uniques = self._factors[name]
        index, unknown = category["index"], -1 if category["unknown"] is None else int(category["unknown"])
        lookup = np.array([index.get(word, unknown) for word in [*uniques, category["fill"]]], dtype=np.int64)
        return lookup[codes]  # a gap's code -1 picks the last entry: the fill
