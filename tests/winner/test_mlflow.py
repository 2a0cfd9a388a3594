"""``python -m tuning mlflow``: the round trip through a local MLflow file store gives the
same predictions; without MLflow the command says how to install it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.winner.winners import Winner
from tuning.errors import FieldError, TuningError
from tuning.winner.folder import Source
from tuning.winner.mlflow_log import log_run
from tuning.winner.model import WinnerModel


def test_the_mlflow_pyfunc_predicts_what_the_model_folder_predicts(
    winner: Callable[[str, Source], Winner], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a local file store (MLflow 3 keeps it in maintenance mode behind this switch; a
    sqlite store took 13 s to create its tables here)."""
    import mlflow

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    trained = winner("classification", Source.SELECTED)
    model = WinnerModel(trained.folder)
    uri = f"file://{tmp_path / 'mlruns'}"
    logged = log_run(model, uri, "tests", curve=[0.9, 0.5, 0.4])

    mlflow.set_tracking_uri(uri)
    run = mlflow.get_run(logged["mlflow_run"])
    assert run.data.params["hidden_size"] == "8" and run.data.params["model"] == "selected"
    assert run.data.metrics["test_accuracy"] == pytest.approx(model.card["test_metrics"]["accuracy"])
    history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "validation_log_loss")
    assert [(m.step, m.value) for m in history] == [(1, 0.9), (2, 0.5), (3, 0.4)]
    loaded = mlflow.pyfunc.load_model(logged["model_uri"])
    got = loaded.predict(trained.rows)
    expected = model.predict(trained.rows)
    assert got["predicted_label"].tolist() == expected["predicted_label"].tolist()
    np.testing.assert_allclose(got["probability_c1"], expected["probability_c1"])
    artifacts = {
        a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id, artifact_path="model-folder")
    }
    assert artifacts == {"model-folder/model.json", "model-folder/preprocessing.json",
                         "model-folder/weights.safetensors", "model-folder/network.torchscript.pt"}  # fmt: skip


def test_without_mlflow_the_command_says_how_to_install_it(
    winner: Callable[[str, Source], Winner], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(
        TuningError, match="MLflow is not installed; install it with: pip install mlflow-skinny=="
    ):
        log_run(WinnerModel(winner("regression", Source.SELECTED).folder), None, None)


def test_a_tracking_uri_mlflow_cannot_use_is_refused_naming_the_field(
    winner: Callable[[str, Source], Winner],
) -> None:
    """MLflow's own exception and its traceback reached the command line (exit 1; QA pass)."""
    with pytest.raises(FieldError, match=r"tracking_uri: MLflow cannot use 'bogus://x': .*bogus") as caught:
        log_run(WinnerModel(winner("regression", Source.SELECTED).folder), "bogus://x", None)
    assert caught.value.field == "tracking_uri"
