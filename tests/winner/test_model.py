"""A loaded model folder predicts raw rows exactly as the engine predicted them internally,
for the selected and the refit model, for classes, amounts and all-number data."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.winner.winners import Winner
from tuning.definition.metrics import Task, score_all
from tuning.winner.folder import Source
from tuning.winner.model import WinnerModel

CASES = [(case, source) for case in ("classification", "regression", "plain") for source in Source]


@pytest.mark.parametrize(("case", "source"), CASES)
def test_predictions_on_held_out_rows_equal_the_engines(
    winner: Callable[[str, Source], Winner], case: str, source: Source
) -> None:
    trained = winner(case, source)
    model = WinnerModel(trained.folder)
    prediction = model.predict_rows(trained.rows)
    data = trained.objective.data
    if data.task is Task.CLASSIFICATION:
        probabilities = prediction.frame[[f"probability_{c}" for c in data.classes]].to_numpy()
        np.testing.assert_allclose(probabilities, trained.engine, rtol=1e-5, atol=1e-6)
        expected = np.asarray(data.classes)[trained.engine.argmax(axis=1)]
        assert prediction.frame[f"predicted_{data.target_name}"].tolist() == expected.tolist()
    else:
        predicted = prediction.frame[f"predicted_{data.target_name}"].to_numpy()
        np.testing.assert_allclose(predicted, trained.engine, rtol=1e-5)
    assert model.source is source and source.value in prediction.model


@pytest.mark.parametrize("case", ["classification", "regression"])
def test_rows_that_carry_the_target_are_scored_like_the_test_report(
    winner: Callable[[str, Source], Winner], case: str
) -> None:
    trained = winner(case, Source.SELECTED)
    prediction = WinnerModel(trained.folder).predict_rows(trained.rows)
    data = trained.objective.data
    expected = score_all(data.task, data.target[trained.objective.split.test], trained.engine)
    assert prediction.scored == len(trained.rows)
    assert prediction.metrics == pytest.approx(expected, rel=1e-4)
    assert prediction.metrics == pytest.approx(trained.folder.card["test_metrics"], rel=1e-4)


def test_the_refit_model_says_what_it_trained_on(winner: Callable[[str, Source], Winner]) -> None:
    model = WinnerModel(winner("regression", Source.REFIT).folder)
    rows = len(winner("regression", Source.REFIT).objective.split.test)
    assert model.card["refit"] == {"rows": 80 - rows, "epochs": 12}
    assert f"trained on {80 - rows} training + validation rows for 12 epochs" in model.describe()


def test_a_class_label_the_model_never_saw_is_left_out_of_the_metrics(
    winner: Callable[[str, Source], Winner],
) -> None:
    rows = winner("classification", Source.SELECTED).rows.copy()
    rows.loc[rows.index[:2], "label"] = "c9"
    prediction = WinnerModel(winner("classification", Source.SELECTED).folder).predict_rows(rows)
    assert prediction.unknown_labels == ("c9",) and prediction.scored == len(rows) - 2
