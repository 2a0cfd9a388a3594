"""``python -m tuning predict | model``: predictions as CSV with what they are, refusals with
exit 2, model folders; runs stored before model folders only with --trust-pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.legacy_runs import legacy_blob, make_legacy
from tests.table_cases import mixed_table
from tuning.cli import EXIT_BAD_INPUT, main
from tuning.definition.spec import RunSpec
from tuning.storage.runs import Run, create_run, load_run
from tuning.training.objective import Objective
from tuning.training.worker import Worker, WorkerOptions

TEXT = mixed_table(rows=60, classes=2)


def table_run(storage_url: str) -> Run:
    spec = RunSpec.from_dict({
        "dataset": {"name": "csv", "target": "label", "filename": "t.csv"}, "strategy": "random",
        "budget": {"n_trials": 1}, "space": {"hidden_size": 8, "epochs": 4}, "population": 1,
        "task": "classification", "metric": "log_loss",
    })  # fmt: skip
    create_run(spec, "t", storage_url, TEXT)
    Worker("t", storage_url, WorkerOptions()).work()
    return load_run("t", storage_url)


def test_predict_writes_rows_with_predictions_and_says_what_they_are(
    storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table_run(storage_url)
    (tmp_path / "rows.csv").write_text(TEXT)
    out = tmp_path / "predictions.csv"
    assert (
        main(
            ["predict", "t", "--csv", str(tmp_path / "rows.csv"), "--out", str(out), "--storage", storage_url]
        )
        == 0
    )
    told = capsys.readouterr().err
    assert "60 prediction(s) from the selected model of run t (trial #0, chosen on validation)" in told
    assert "ignored column(s) the model does not use: ['name']" in told
    assert "on these 60 row(s) with a target, beside the test rows:" in told and "accuracy: " in told
    written = pd.read_csv(out)
    assert (
        list(written.columns) == ["predicted_label", "probability_c0", "probability_c1"]
        and len(written) == 60
    )
    assert np.allclose(written[["probability_c0", "probability_c1"]].sum(axis=1), 1)

    assert main(["model", "t", "--out", str(tmp_path / "folder"), "--storage", storage_url]) == 0
    from_folder = tmp_path / "from-folder.csv"
    assert (
        main(
            [
                "predict",
                str(tmp_path / "folder"),
                "--csv",
                str(tmp_path / "rows.csv"),
                "--out",
                str(from_folder),
            ]
        )
        == 0
    )
    assert from_folder.read_text() == out.read_text()


def test_bad_rows_and_unknown_models_exit_2_with_the_reason(
    storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table_run(storage_url)
    (tmp_path / "rows.csv").write_text("size,colour\n1.5,red\n")
    assert (
        main(["predict", "t", "--csv", str(tmp_path / "rows.csv"), "--storage", storage_url])
        == EXIT_BAD_INPUT
    )
    assert "error: new rows: the column(s) garden are missing" in capsys.readouterr().err
    assert (
        main(
            [
                "predict",
                "t",
                "--model",
                "refit",
                "--csv",
                str(tmp_path / "rows.csv"),
                "--storage",
                storage_url,
            ]
        )
        == 2
    )
    assert "error: model: run t has no refit model; refit it first" in capsys.readouterr().err


def test_an_older_run_loads_only_with_trust_pickle_and_predicts_the_same(
    storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = table_run(storage_url)
    (tmp_path / "rows.csv").write_text(TEXT)
    args = ["predict", "t", "--csv", str(tmp_path / "rows.csv"), "--storage", storage_url]
    assert main([*args, "--out", str(tmp_path / "now.csv")]) == 0
    objective = Objective(run.spec, TEXT)  # population 1: retraining gives the same model
    make_legacy(run, legacy_blob(objective, run.study.best_params, objective.retrain(run.study.best_params)))
    capsys.readouterr()

    assert main(args) == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert (
        "run t was stored before model folders: its preprocessing is a pickled scikit-learn object" in error
    )
    assert "python -m tuning model t --out t-model --trust-pickle" in error
    assert main([*args, "--trust-pickle", "--out", str(tmp_path / "then.csv")]) == 0
    assert "--trust-pickle: unpickling the preprocessing stored with run t" in capsys.readouterr().err
    now, then = pd.read_csv(tmp_path / "now.csv"), pd.read_csv(tmp_path / "then.csv")
    assert now["predicted_label"].tolist() == then["predicted_label"].tolist()
    np.testing.assert_allclose(now["probability_c0"], then["probability_c0"], rtol=1e-5)
    assert (
        main(["model", "t", "--out", str(tmp_path / "converted"), "--trust-pickle", "--storage", storage_url])
        == 0
    )
    assert (tmp_path / "converted" / "preprocessing.json").is_file()
