"""The data a model file's ``data()`` brings, read into arrays the engine can split and describe.

``data()`` returns ``(x, y)`` (Sweetspot splits the rows as the spec says, stratified for
classes) or ``(x_train, y_train, x_val, y_val, x_test, y_test)`` (used as given). Arrays may
be numpy arrays or torch tensors of any input shape (images, sequences); the target is a
vector: whole numbers from 0 are class codes (classification), anything else amounts
(regression; a spec's ``task`` overrides). The probe describes it for the Launch page and
the launch (rows, input shape, task, classes); workers train on it. No torch here: a
tensor is read through its own ``.numpy()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SHAPES = "(x, y) or (x_train, y_train, x_val, y_val, x_test, y_test)"


@dataclass(frozen=True)
class CodeData:
    """Every row of a ``data()`` result, and where its ready-made parts are (None: split by Sweetspot)."""

    x: np.ndarray
    y: np.ndarray
    parts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # train, validation, test rows

    @property
    def rows(self) -> int:
        return int(self.y.shape[0])

    @property
    def task(self) -> str:
        """``classification`` for whole-number codes from 0 (or booleans), else ``regression``."""
        codes = self.y.dtype.kind in "iub" and (self.y.size == 0 or int(self.y.min()) >= 0)
        return "classification" if codes else "regression"

    @property
    def classes(self) -> int:
        return int(self.y.max()) + 1 if self.task == "classification" and self.y.size else 0

    def info(self) -> dict[str, Any]:
        """What the Launch page, the launch's checks, the forecast and ``build``'s
        ``data_info`` need, as JSON."""
        counts: list[int] = (
            np.bincount(self.y.astype(int), minlength=self.classes).tolist() if self.classes else []
        )
        return {
            "rows": self.rows,
            "input_shape": list(self.x.shape[1:]),
            "task": self.task,
            "classes": self.classes,
            "class_counts": [int(count) for count in counts],
            "ready": self.parts is not None,
        }


def as_array(value: Any) -> np.ndarray:
    """A numpy array from a numpy array, a torch tensor (on any device) or a list."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def read_code_data(result: Any) -> CodeData:
    """Check and read what ``data()`` returned; ValueError says what was expected."""
    if not isinstance(result, Sequence) or len(result) not in (2, 6):
        kind = type(result).__name__ + (f" of {len(result)}" if isinstance(result, Sequence) else "")
        raise ValueError(f"data() must return {SHAPES}; got a {kind}")
    arrays = [as_array(value) for value in result]
    pairs = [(arrays[i], arrays[i + 1]) for i in range(0, len(arrays), 2)]
    for index, (x, y) in enumerate(pairs):
        y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
        if x.ndim < 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"data() part {index + 1}: x must have one row per target value and y must be a "
                f"vector, got x of shape {x.shape} and y of shape {y.shape}"
            )
        pairs[index] = (x, y)
    x = np.concatenate([x for x, _ in pairs])
    y = np.concatenate([y for _, y in pairs])
    if len(y) < 3:
        raise ValueError(f"data() gave {len(y)} row(s); at least 3 are needed to train, validate and test")
    if len(pairs) == 1:
        return CodeData(x, y)
    bounds = np.cumsum([0, *(len(y) for _, y in pairs)])
    parts = tuple(np.arange(bounds[i], bounds[i + 1]) for i in range(3))
    if any(len(part) == 0 for part in parts):
        raise ValueError("data()'s train, validation and test parts each need at least one row")
    return CodeData(x, y, parts)  # type: ignore[arg-type]
