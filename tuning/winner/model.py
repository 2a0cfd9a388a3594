"""A run's winner, loaded from its model folder, predicting raw rows: ``load_model(...).predict``.

Loading reads JSON and safetensors only (no pickle, no torch, no scikit-learn), so the
dashboard predicts in its own process and a model folder loads anywhere numpy and pandas
do. The members (one per fold × repeat) average their predictions, as the run's test
evaluation did: probabilities per class, or amounts in the target's units.

A model file's winner (``network.kind`` ``module``) is the user's code: its rows are
checked and encoded here alike, and its network runs in a process of its own
(``module_process.py``). One trained on ``data()``'s arrays takes arrays, not rows: it is
refused here, saying what it takes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors.numpy import load

from tuning.definition.metrics import Task, score_all
from tuning.errors import FieldError
from tuning.winner.folder import PREPROCESSING, TORCHSCRIPT, WEIGHTS, ModelFolder, Source
from tuning.winner.module_process import module_outputs
from tuning.winner.network import Network, head_predictions
from tuning.winner.preprocessing import Preprocessing, RowArrays
from tuning.winner.rows import FIELD, CheckedRows, check_rows

if TYPE_CHECKING:
    import pandas as pd

#: Rows encoded and predicted at once: a chunk's arrays stay small (100,000 rows at once
#: held 470 MiB and spent a quarter of the process's time in the kernel, paging memory in).
CHUNK_ROWS = 32_768
#: A class's probability column is this and the class: ``probability_Adelie``.
PROBABILITY = "probability_"


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

    @property
    def probabilities(self) -> list[str]:
        """The frame's columns of class probabilities (none for a regression), for a view
        that rounds them: the frame keeps every digit."""
        return [str(c) for c in self.frame.columns if str(c).startswith(PROBABILITY)]


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

    @property
    def network(self) -> dict[str, Any]:
        """model.json's network: ``kind`` ``mlp`` (the built-in MLP), or ``module`` (a model
        file's, with its reference, sha256 and what it ``takes``: table rows or arrays)."""
        return dict(self.card["network"])

    @cached_property
    def preprocessing(self) -> list[Preprocessing]:
        """Each member's preprocessing, read from the folder's JSON."""
        return [Preprocessing(raw) for raw in json.loads(self.folder.files[PREPROCESSING])["members"]]

    @cached_property
    def members(self) -> list[tuple[Preprocessing, Network]]:
        """The built-in MLP's members: each one's preprocessing and network, read from the
        folder's JSON and safetensors files (nothing else is opened)."""
        state = load(self.folder.files[WEIGHTS])
        activation = str(self.card["params"]["activation"])
        return [
            (pre, Network.from_state(state, f"members.{i}.", activation))
            for i, pre in enumerate(self.preprocessing)
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
        if self.network.get("takes") == "arrays":
            raise FieldError(FIELD, self.arrays_only())
        return check_rows(frame, self.columns, self.target, self.task, self.classes)

    def arrays_only(self) -> str:
        """What a model trained on a model file's ``data()`` takes, instead of CSV rows."""
        model = self.network["model"]
        shape = ", ".join(map(str, self.network["data_info"]["input_shape"]))
        script = f" or {TORCHSCRIPT}" if TORCHSCRIPT in self.folder.files else ""
        return (
            f"this model trained on arrays from {model['reference']}'s data(), not on table rows: it "
            f"takes inputs shaped ({shape}) per row, as data() gives them, so it cannot predict a CSV; "
            f"rebuild it in Python (build() with the card's params, then weights.safetensors){script}"
        )

    def predict_scores(self, prepared: pd.DataFrame) -> np.ndarray:
        """The members' averaged predictions in scoring units for prepared rows, encoded
        ``CHUNK_ROWS`` rows at a time."""
        rows = RowArrays(prepared)
        parts = [slice(start, start + CHUNK_ROWS) for start in range(0, max(rows.length, 1), CHUNK_ROWS)]
        if self.network["kind"] == "module":  # the user's module: one process for every row
            inputs = [np.concatenate([pre.encode(rows, p) for p in parts]) for pre in self.preprocessing]
            return self._scores(module_outputs(self.folder, inputs))
        chunks = [
            self._scores([network.outputs(pre.encode(rows, part)) for pre, network in self.members])
            for part in parts
        ]
        return np.concatenate(chunks)

    def _scores(self, outputs: list[np.ndarray]) -> np.ndarray:
        """Each member's raw outputs in scoring units, averaged over the members."""
        scalers = [pre.raw["scaler"] for pre in self.preprocessing]
        return np.mean(
            [
                head_predictions(self.task, out, float(s["target_mean"]), float(s["target_std"]))
                for out, s in zip(outputs, scalers, strict=True)
            ],
            axis=0,
        )

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
            frame[f"{PROBABILITY}{name}"] = scores[:, i]
        return frame
