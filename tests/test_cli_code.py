"""``python -m tuning launch --model`` / ``--objective``: the shipped examples run to a result, and
every refusal says what is wrong and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.code_files import write_code
from tuning.cli import EXIT_BAD_INPUT, main
from tuning.reading.trials import list_run_names

ROOT = Path(__file__).resolve().parent.parent
#: Imported, it leaves a mark beside itself: the demo must refuse before that.
MARKING = """
from pathlib import Path
Path(__file__).with_suffix(".imported").write_text("yes")
SPACE = {"width": 2}
def build(config, data_info):
    pass
"""


def show(name: str, storage_url: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["show", name, "--json", "--storage", storage_url]) == 0
    return json.loads(capsys.readouterr().out)


def test_launch_a_model_file_and_wait_for_its_result(
    storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The digits CNN, its DEFAULTS cut down by a spec to two 1-epoch trials (the full run's
    figures are in the benchmark)."""
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"budget": {"n_trials": 2}, "space": {"epochs": 1, "channels": 8}}))
    argv = ["launch", "--model", "examples/digits_cnn.py", "--spec", str(small), "--name", "cnn"]
    assert main([*argv, "--storage", storage_url, "--wait"]) == 0
    out = capsys.readouterr().out
    assert "run cnn: finished (bayesian on code)" in out and "model: examples/digits_cnn.py (sha256 " in out
    shown = show("cnn", storage_url, capsys)
    assert shown["code"]["kind"] == "model" and shown["code"]["reference"] == "examples/digits_cnn.py"
    assert len(shown["code"]["sha256"]) == 64 and shown["tests_winner"]
    assert (shown["n_complete"], shown["task"], shown["metric"]) == (2, "classification", "log_loss")
    assert shown["test_metrics"]["accuracy"] > 0.5  # one epoch of a narrow CNN; the defaults reach 0.97


def test_launch_a_spec_naming_an_objective_and_wait_for_its_result(
    storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = str(ROOT / "examples" / "optuna_objective.json")
    assert main(["launch", "--spec", spec, "--name", "sgd", "--storage", storage_url, "--wait"]) == 0
    assert "no test rows, no baselines" in capsys.readouterr().out
    shown = show("sgd", storage_url, capsys)
    assert shown["state"] == "finished" and shown["code"]["kind"] == "objective"
    assert shown["metric"] == "objective_max" and 0.8 < shown["best_value"] <= 1.0
    assert set(shown["best_params"]) == {"alpha", "loss"}  # its own suggest_* calls
    assert (shown["test_loss"], shown["baselines"], shown["tests_winner"]) == (None, None, False)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("import json\n\nimport not_a_module_anywhere\n", ["bad.py, line 3: ModuleNotFoundError"]),
        ("def build(config, data_info):\n    pass\n", ["bad.py declares no SPACE"]),
        ("SPACE = {'width': 2}\n", ["bad.py has no build(config, data_info) function"]),
    ],
)
def test_a_model_that_cannot_be_used_is_refused_and_nothing_is_stored(
    code_root: Path, storage_url: str, capsys: pytest.CaptureFixture[str], text: str, says: list[str]
) -> None:
    write_code(code_root, "bad.py", text)
    assert main(["launch", "--model", "bad.py", "--storage", storage_url]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: model: ") and all(s in err for s in says), err
    assert list_run_names(storage_url) == []


def test_a_spec_naming_a_model_and_an_objective_is_refused(
    code_root: Path, storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_code(code_root, "objective.py", "def objective(trial):\n    return 0.0\n")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"model": "net.py", "strategy": "random", "budget": 1}))
    argv = ["launch", "--objective", "objective.py:objective", "--spec", str(spec), "--storage", storage_url]
    assert main(argv) == EXIT_BAD_INPUT
    assert "objective: a spec names a model or an objective, not both" in capsys.readouterr().err
    assert main(["launch", "--preset", "penguins", "--model", "net.py"]) == EXIT_BAD_INPUT
    assert "a preset trains the built-in MLP" in capsys.readouterr().err
    assert list_run_names(storage_url) == []


def test_the_public_demo_refuses_code_before_importing_it(
    code_root: Path, storage_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_code(code_root, "marking.py", MARKING)
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    for argv in (["--model", "marking.py"], ["--preset", "digits-cnn"]):
        assert main(["launch", *argv, "--storage", storage_url]) == EXIT_BAD_INPUT
        assert "the public demo runs no code of yours" in capsys.readouterr().err
    assert not path.with_suffix(".imported").exists()
    assert list_run_names(storage_url) == []
