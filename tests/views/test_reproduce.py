"""Reproduce: the best configuration as its own one-trial run, and proof it reproduces."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.code_files import TINY_MODEL, write_code
from tests.runs_helpers import quick_spec, run_in_process
from tuning import RunSpec, preset_spec
from tuning.models.reference import CodeKind
from tuning.views.reproduce import reproduce_command, reproduce_spec
from tuning.views.summary import code_of


def test_every_hyperparameter_is_fixed_in_a_one_trial_run() -> None:
    spec = preset_spec("houses")
    params = {
        "n_layers": 2,
        "hidden_size": 40,
        "lr": 0.003,
        "dropout": 0.1,
        "batch_size": 32,
        "weight_decay": 1e-4,
    }
    raw = reproduce_spec(spec, params)
    again = RunSpec.from_dict(raw)
    assert again.searched() == {} and again.n_trials_planned() == 1 and again.workers == 1
    assert again.fixed_values() == {**spec.fixed_values(), **params}
    assert (again.dataset, again.seed, again.val_fraction) == (spec.dataset, spec.seed, spec.val_fraction)


def test_the_command_writes_the_spec_and_launches_it() -> None:
    raw = reproduce_spec(
        preset_spec("article-grid"), {"hidden_size": 16, "lr": 0.001, "dropout": 0.2, "batch_size": 2}
    )
    command = reproduce_command("grid-1", raw)
    words = shlex.split(command)
    assert words[:2] == ["printf", "%s\\n"] and RunSpec.from_dict(json.loads(words[2]))
    assert command.endswith("python -m tuning launch --spec grid-1-best.json --wait")


def test_a_csv_run_names_its_file() -> None:
    raw = {
        **preset_spec("article-grid").to_dict(),
        "dataset": {"name": "csv", "target": "y", "filename": "my data.csv"},
    }
    params = {"hidden_size": 16, "lr": 0.001, "dropout": 0.2, "batch_size": 2}
    command = reproduce_command("c", reproduce_spec(RunSpec.from_dict(raw), params))
    assert command.endswith("--csv 'my data.csv'")


def test_the_reproduction_gets_the_same_validation_loss(storage_url: str) -> None:
    """Exactly, when the search trained one trial at a time (``population: 1``), as the
    reproduction does."""
    run = run_in_process(quick_spec(budget={"n_trials": 3}, population=1), storage_url, "search")
    best = run.study.best_trial
    again = run_in_process(RunSpec.from_dict(reproduce_spec(run.spec, best.params)), storage_url, "again")
    assert again.study.best_trial.value == best.value


def test_a_trial_of_a_population_reproduces_up_to_rounding_without_dropout(storage_url: str) -> None:
    """Its population padded it to a wider member's size: the sums' order, not the model, differs."""
    run = run_in_process(quick_spec(budget={"n_trials": 3}, population=3), storage_url, "search")
    best = run.study.best_trial
    again = run_in_process(RunSpec.from_dict(reproduce_spec(run.spec, best.params)), storage_url, "again")
    assert again.study.best_trial.value == pytest.approx(best.value, rel=1e-5)


def test_a_trade_off_run_reproduces_with_its_objectives_and_bounds() -> None:
    spec = quick_spec(strategy="nsga2", objectives=["mse", "latency_ms"], constraints={"max_latency_ms": 1})
    again = RunSpec.from_dict(reproduce_spec(spec, {"hidden_size": 8, "lr": 0.01, "batch_size": 16}))
    assert (again.objectives, again.constraints) == (spec.objectives, spec.constraints)
    assert again.strategy.value == "random" and again.n_trials_planned() == 1


def test_a_model_files_command_first_checks_the_file_is_the_runs(code_root: Path) -> None:
    """The command names the file and its sha256: ``sha256sum --check`` stops it on another copy."""
    path = write_code(code_root, "tiny.py", TINY_MODEL)
    spec = RunSpec.for_code(CodeKind.MODEL, "tiny.py")
    raw = reproduce_spec(spec, {"width": 8, "lr": 0.01})
    assert raw["model"] == "tiny.py" and RunSpec.from_dict(raw, spec.source).searched() == {}
    command = reproduce_command("run", raw, code_of(spec.source))
    check = command.split(" && ")[0]
    assert check.endswith("| sha256sum --check --quiet -") and spec.source.sha256 in check  # type: ignore[union-attr]
    assert subprocess.run(check, shell=True, cwd=code_root).returncode == 0
    path.write_text(path.read_text() + "\n# edited\n")
    assert subprocess.run(check, shell=True, cwd=code_root, capture_output=True).returncode != 0
