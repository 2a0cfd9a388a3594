"""A run's winner, loaded from its model folder, predicting raw rows: ``load_model(...).predict``.

Loading reads JSON and safetensors only (no pickle, no torch, no scikit-learn), so the
dashboard predicts in its own process and a model folder loads anywhere numpy and pandas
do. The members (one per fold × repeat) average their predictions, as the run's test
evaluation did: probabilities per class, or amounts in the target's units.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors.numpy import load

from tuning.definition.metrics import Task, score_all
from tuning.winner.folder import PREPROCESSING, WEIGHTS, ModelFolder, Source
from tuning.winner.network import Network, head_predictions
from tuning.winner.preprocessing import Preprocessing, RowArrays
from tuning.winner.rows import CheckedRows, check_rows

if TYPE_CHECKING:
    import pandas as pd

#: Rows encoded and predicted at once: a chunk's arrays stay small (100,000 rows at once
#: held 470 MiB and spent a quarter of the process's time in the kernel, paging memory in).
CHUNK_ROWS = 32_768


@dataclass(frozen=True)
class Prediction:
    """Predictions for some rows and, when the rows carry the target, the model's metrics
    on them (``scored`` rows had a usable target; ``unknown_labels`` were left out)."""

    frame: pd.DataFrame
    ignored: tuple[str, ...]
    metrics: dict[str, float | None] | None
    scored: int
    unknown_labels: tuple[str, ...]
    model: str


@dataclass(frozen=True)
class WinnerModel:
    """A loaded model folder (``tuning.winner.folder``)."""

    folder: ModelFolder

    @cached_property
    def card(self) -> dict[str, Any]:
        return self.folder.card

    @property
    def task(self) -> Task:
        return Task(self.card["task"])

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.card["target"]["classes"])

    @property
    def target(self) -> str:
        return str(self.card["target"]["name"])

    @property
    def source(self) -> Source:
        return Source(self.card["source"])

    @cached_property
    def columns(self) -> dict[str, str]:
        """The training columns, each with what training did with it (model.json's list)."""
        return {c["name"]: c["treatment"] for c in self.card["columns"]}

    @cached_property
    def members(self) -> list[tuple[Preprocessing, Network]]:
        """Each member's preprocessing and network, read from the folder's JSON and
        safetensors files (nothing else is opened)."""
        state = load(self.folder.files[WEIGHTS])
        preprocessing = json.loads(self.folder.files[PREPROCESSING])["members"]
        activation = str(self.card["params"]["activation"])
        return [
            (Preprocessing(raw), Network.from_state(state, f"members.{i}.", activation))
            for i, raw in enumerate(preprocessing)
        ]

    def describe(self) -> str:
        """Which model this is, in a few words: predictions say where they come from."""
        card = self.card
        trial = f"trial #{card['trial']}" if card.get("trial") is not None else "the winner"
        if self.source is Source.REFIT:
            refit = card.get("refit", {})
            return (
                f"the refit model of run {card['run']} ({trial}'s configuration trained on "
                f"{refit.get('rows', '?')} training + validation rows for {refit.get('epochs', '?')} epochs)"
            )
        return f"the selected model of run {card['run']} ({trial}, chosen on validation)"

    def check(self, frame: pd.DataFrame) -> CheckedRows:
        """``frame`` checked against the training columns (FieldError naming what is wrong)."""
        return check_rows(frame, self.columns, self.target, self.task, self.classes)

    def predict_scores(self, prepared: pd.DataFrame) -> np.ndarray:
        """The members' averaged predictions in scoring units for prepared rows, computed
        ``CHUNK_ROWS`` rows at a time."""
        rows = RowArrays(prepared)
        chunks = [
            self._chunk_scores(rows, slice(start, start + CHUNK_ROWS))
            for start in range(0, max(rows.length, 1), CHUNK_ROWS)
        ]
        return np.concatenate(chunks)

    def _chunk_scores(self, rows: RowArrays, part: slice) -> np.ndarray:
        mean, std = self._target_scale()
        outputs = [
            head_predictions(self.task, network.outputs(pre.encode(rows, part)), mean[i], std[i])
            for i, (pre, network) in enumerate(self.members)
        ]
        return np.mean(outputs, axis=0)

    def _target_scale(self) -> tuple[list[float], list[float]]:
        scalers = [pre.raw["scaler"] for pre, _ in self.members]
        return [float(s["target_mean"]) for s in scalers], [float(s["target_std"]) for s in scalers]

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Predictions for raw rows (columns as in the training table): the predicted class and
        each class's probability, or the predicted amount; indexed like ``frame``."""
        return self.predict_rows(frame).frame

    def predict_rows(self, frame: pd.DataFrame) -> Prediction:
        """``predict`` with what a reader should know beside it: ignored columns, and the
        metrics on the rows when they carry the target."""
        rows = self.check(frame)
        scores = self.predict_scores(rows.prepared)
        metrics, scored = None, 0
        if rows.truth is not None:
            known = ~np.isnan(rows.truth)
            scored = int(known.sum())
            if scored:
                metrics = score_all(self.task, rows.truth[known], scores[known])
        return Prediction(
            self._frame(scores, rows.prepared.index), rows.ignored, metrics, scored,
            rows.unknown_labels, self.describe(),
        )  # fmt: skip

    def _frame(self, scores: np.ndarray, index: pd.Index) -> pd.DataFrame:
        import pandas as pd

        column = f"predicted_{self.target}"
        if self.task is Task.REGRESSION:
            return pd.DataFrame({column: scores}, index=index)
        classes = np.asarray(self.classes, dtype=object)
        frame = pd.DataFrame({column: classes[scores.argmax(axis=1)]}, index=index)
        for i, name in enumerate(self.classes):
            frame[f"probability_{name}"] = scores[:, i]
        return frame
