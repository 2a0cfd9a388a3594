"""``python -m tuning``: the commands, their JSON, and their exit codes on bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fake_runs import make_run
from tests.runs_helpers import quick_spec, wait_until_ended
from tests.table_cases import mixed_table, regression_table
from tuning import RunSpec, preset_spec
from tuning.cli import EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_STORAGE, format_summary, main
from tuning.storage.runs import create_run, load_run
from tuning.training.worker import Worker, WorkerOptions
from tuning.views.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
SHOW_FIELDS = {
    "name", "strategy", "state", "n_trials", "n_complete", "n_failed", "n_pruned",
    "best_params", "best_value", "test_loss", "metric", "task", "test_metrics", "baselines",
}  # fmt: skip


def test_launch_wait_then_show_json(storage_url: str, tmp_path: Path, capsys) -> None:
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(quick_spec(budget={"n_trials": 4}).to_dict()))
    assert (
        main(["launch", "--spec", str(spec_file), "--name", "cli", "--storage", storage_url, "--wait"]) == 0
    )
    assert "run cli: finished" in capsys.readouterr().out
    assert main(["show", "cli", "--json", "--storage", storage_url]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) >= SHOW_FIELDS
    assert shown["state"] == "finished" and shown["n_trials"] == 4 and shown["n_complete"] == 4
    assert shown["test_loss"] is not None and shown["metric"] == "mse"
    assert shown["task"] == "regression" and set(shown["test_metrics"]) == {"mse", "rmse", "mae", "r2"}
    assert main(["ls", "--json", "--storage", storage_url]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["cli"]


def test_export_writes_the_run_to_a_file_or_stdout(storage_url: str, tmp_path: Path, capsys) -> None:
    make_run(storage_url, "done", 5)
    out = tmp_path / "done.json"
    assert main(["export", "done", "--storage", storage_url, "--out", str(out)]) == 0
    assert len(json.loads(out.read_text())["trials"]) == 5
    assert main(["export", "done", "--storage", storage_url]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(out.read_text())
    assert main(["export", "nope", "--storage", storage_url]) == EXIT_NOT_FOUND


def test_stop_ends_a_running_run(storage_url: str, tmp_path: Path, capsys) -> None:
    spec_file = tmp_path / "spec.json"
    spec = quick_spec(budget={"n_trials": 500}, workers=2)
    spec_file.write_text(json.dumps(spec.to_dict()))
    assert main(["launch", "--spec", str(spec_file), "--name", "long", "--storage", storage_url]) == 0
    assert "launched long" in capsys.readouterr().out
    while json.loads(_show_json("long", storage_url, capsys))["n_complete"] < 2:
        time.sleep(0.2)
    assert main(["stop", "long", "--storage", storage_url]) == 0
    summary = wait_until_ended("long", storage_url)
    assert summary.state == "stopped"
    assert 2 <= summary.n_complete < 500 and summary.n_running == 0
    assert summary.test_loss is not None


def _show_json(name: str, storage_url: str, capsys) -> str:
    assert main(["show", name, "--json", "--storage", storage_url]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["show", "nope"], EXIT_NOT_FOUND, "no run named 'nope'"),
        (["stop", "nope"], EXIT_NOT_FOUND, "no run named 'nope'"),
        (["launch", "--preset", "nope"], EXIT_NOT_FOUND, "no preset named 'nope'"),
        (
            ["launch", "--preset", "article-grid", "--workers", "0"],
            EXIT_BAD_INPUT,
            "workers: must be a whole number",
        ),
        (
            ["launch", "--preset", "article-grid", "--name", "../escape"],
            EXIT_BAD_INPUT,
            "not a valid run name",
        ),
        (
            ["ls", "--storage", "postgresql+psycopg2://nobody@127.0.0.1:1/none"],
            EXIT_STORAGE,
            "cannot reach the storage",
        ),
        (["ls", "--storage", "redis://localhost"], EXIT_STORAGE, "unsupported storage URL"),
    ],
)
def test_errors_have_a_message_and_an_exit_code(argv: list[str], code: int, message: str, capsys) -> None:
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_a_csv_for_a_dataset_that_takes_no_file_is_refused_saying_so(tmp_path: Path, capsys) -> None:
    """``--csv`` with a built-in dataset used to say "there is no column ''"."""
    csv_file = tmp_path / "houses.csv"
    csv_file.write_text("size,price\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(20)))
    storage = f"journal://{tmp_path / 'runs.journal'}"
    argv = ["launch", "--preset", "article-grid", "--csv", str(csv_file), "--storage", storage]
    assert main(argv) == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "dataset.csv: a file was given, but the 'article' dataset takes none" in error
    assert main(["ls", "--storage", storage]) == 0 and "no runs yet" in capsys.readouterr().out


def test_bad_spec_file_exits_2_and_names_the_field(tmp_path: Path) -> None:
    spec_file = tmp_path / "bad.json"
    spec_file.write_text(json.dumps({"dataset": "article", "strategy": "grid", "space": {"lr": -1}}))
    done = subprocess.run(
        [sys.executable, "-m", "tuning", "launch", "--spec", str(spec_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == EXIT_BAD_INPUT
    assert "space.lr: must be > 0, got -1" in done.stderr


def test_show_names_a_class_run_metric_and_its_baselines(tmp_path: Path, storage_url: str, capsys) -> None:
    spec_file = tmp_path / "spec.json"
    table = tmp_path / "table.csv"
    table.write_text(mixed_table(rows=60, classes=2))
    raw = quick_spec(
        dataset={"name": "csv", "target": "label"}, metric="accuracy", budget={"n_trials": 2}, baselines="all"
    )
    spec_file.write_text(json.dumps(raw.to_dict()))
    argv = ["launch", "--spec", str(spec_file), "--csv", str(table), "--name", "t", "--storage", storage_url]
    assert main([*argv, "--wait"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"best: trial \d+, validation accuracy [\d.]+ \(share correct\)", out), out
    assert re.search(r"test of the best configuration: log loss [\d.]+, accuracy [\d.]+", out), out
    assert re.search(r"on test, the tuned network (beats|trails|ties with) majority class \(accuracy", out), (
        out
    )
    assert re.search(r"; (beats|trails|ties with) gradient boosting \(accuracy [\d.]+\)", out), out
    assert re.search(r"Baselines' fit time \(every fold\): .*gradient boosting [\d.e-]+ s\.", out), out
    assert main(["show", "t", "--json", "--storage", storage_url]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["task"], shown["metric"], shown["metric_unit"]) == (
        "classification",
        "accuracy",
        "share correct",
    )
    assert set(shown["test_metrics"]) == {"log_loss", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc"}
    assert shown["test_loss"] == shown["test_metrics"]["accuracy"]
    boosting = shown["baselines"]["gradient_boosting"]
    assert boosting["label"] == "gradient boosting" and set(boosting["test"]) == set(shown["test_metrics"])
    assert boosting["fit_s"] > 0


def test_show_json_holds_gradient_boosting_for_a_regression_table(storage_url: str, capsys) -> None:
    spec = quick_spec(dataset={"name": "csv", "target": "price", "filename": "t.csv"}, baselines="all")
    create_run(spec, "prices", storage_url, regression_table(rows=60))
    Worker("prices", storage_url, WorkerOptions()).work()
    assert main(["show", "prices", "--json", "--storage", storage_url]) == 0
    shown = json.loads(capsys.readouterr().out)
    boosting = shown["baselines"]["gradient_boosting"]
    assert set(boosting["test"]) == {"mse", "rmse", "mae", "r2"} and boosting["test"]["rmse"] > 0
    assert main(["show", "prices", "--storage", storage_url]) == 0
    assert re.search(
        r"(beats|trails|ties with) gradient boosting \(MSE [\d.,]+\) by ", capsys.readouterr().out
    )


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path: Path, capsys) -> None:
    """Issue 23.5: a 200 MB file was refused only after reading it whole (452 MB resident)."""
    big = tmp_path / "big.csv"
    with big.open("wb") as file:
        file.truncate(200_000_000)  # sparse: no disk, and no byte of it is read
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(quick_spec(dataset={"name": "csv", "target": "price"}).to_dict()))
    argv = [
        "launch",
        "--spec",
        str(spec_file),
        "--csv",
        str(big),
        "--storage",
        f"journal://{tmp_path / 'r.journal'}",
    ]
    tracemalloc.start()
    try:
        assert main(argv) == EXIT_BAD_INPUT
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "dataset.csv: the file is 200.0 MB, over the limit of 21.0 MB" in capsys.readouterr().err
    assert peak < 20_000_000  # reading it would take 200 MB, decoding it 200 MB more


def test_a_csv_with_cr_only_line_endings_launches(tmp_path: Path, monkeypatch, capsys) -> None:
    """Issue 23.5: it ended in a raw ``_csv.Error`` and exit 1."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    table = tmp_path / "mac.csv"
    table.write_bytes(("size,price\r" + "".join(f"{i},{2 * i + 1}\r" for i in range(20))).encode())
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(quick_spec(dataset={"name": "csv", "target": "price"}).to_dict()))
    storage = f"journal://{tmp_path / 'r.journal'}"
    argv = ["launch", "--spec", str(spec_file), "--csv", str(table), "--name", "mac", "--storage", storage]
    assert main(argv) == 0, capsys.readouterr().err
    assert load_run("mac", storage).csv_text().count("\r") == 21


def test_pick_then_show_a_trade_off_runs_objectives_front_and_winner(storage_url: str, capsys) -> None:
    spec = RunSpec.from_dict({**preset_spec("houses").to_dict(), "objectives": ["mse", "params"],
                              "constraints": {"max_params": 2000}})  # fmt: skip
    make_run(storage_url, "trade", 30, spec=spec, finished=False, worker_pid=os.getpid())
    make_run(storage_url, "plain", 3)
    shown = json.loads(_show_json("trade", storage_url, capsys))
    assert [o["name"] for o in shown["objectives"]] == ["mse", "params"]
    front = [entry["number"] for entry in shown["pareto"]]
    assert shown["winner"] == shown["best_trial"] == front[0] and not shown["picked"]
    assert all(set(entry["values"]) == {"mse", "params"} for entry in shown["pareto"])
    assert main(["pick", "trade", "--trial", str(front[-1]), "--storage", storage_url]) == 0
    assert (
        f"trial {front[-1]} is the winner of trade: it is tested when the run ends" in capsys.readouterr().out
    )
    shown = json.loads(_show_json("trade", storage_url, capsys))
    assert (shown["winner"], shown["picked"]) == (front[-1], True)
    assert main(["show", "trade", "--storage", storage_url]) == 0
    text = capsys.readouterr().out
    assert "objectives: MSE ($1000s², minimize), parameters (count, minimize)" in text
    assert f"winner: trial {front[-1]} (picked)" in text
    assert not {"objectives", "pareto", "winner", "picked"} & set(
        json.loads(_show_json("plain", storage_url, capsys))
    )
    assert main(["pick", "trade", "--trial", "999", "--storage", storage_url]) == EXIT_BAD_INPUT
    assert "trial: run trade has no trial 999" in capsys.readouterr().err


def test_show_names_the_runs_metric_for_earlier_results_and_no_empty_verdict(storage_url: str) -> None:
    """Found in a QA pass: an earlier result of a log-loss run read "test MSE", and a run whose
    baselines were all skipped (images) printed "on test, the tuned network " and nothing more."""
    make_run(storage_url, "run", 3)
    summary = summarize(load_run("run", storage_url))
    skipped = {"label": "mean", "validation": {}, "test": {}, "skipped": "the inputs are images"}
    past = {"state": "finished", "best_trial": 1, "test_loss": 0.25, "reason": "extended +1 trials"}
    shown = format_summary(
        replace(summary, metric="log_loss", test_loss=0.2, baselines={"mean": skipped}, history=[past])
    )
    assert "earlier result: finished, trial 1, test log loss 0.25 (extended +1 trials)" in shown
    assert "the tuned network" not in shown and "No baselines: the inputs are images." in shown
