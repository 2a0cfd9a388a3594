"""Extend, fork, enqueue and annotate runs from the CLI on the embedded journal, and every
refusal: a message that names the rule, an exit code, and nothing stored changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import lifecycle_checks as checks
from tests.runs_helpers import quick_spec, run_in_process
from tuning.cli import EXIT_BAD_INPUT, main
from tuning.storage.runs import load_run, run_entries


def test_extended_bayesian_run_sampler_sees_every_trial(storage_url: str, tmp_path: Path, capsys) -> None:
    checks.check_extended_sampler_sees_every_trial(storage_url, tmp_path, capsys)


def test_warm_start_first_suggestions_use_inherited_trials(storage_url: str, tmp_path: Path, capsys) -> None:
    checks.check_warm_start_uses_inherited_trials(storage_url, tmp_path, capsys)


def test_enqueued_configuration_runs_once_then_notes(storage_url: str, tmp_path: Path, capsys) -> None:
    checks.check_enqueued_runs_once(storage_url, tmp_path, capsys)
    checks.check_notes_and_tags(storage_url, capsys)


def _stored(url: str) -> str:
    """Everything the storage holds about every run, to show that a refusal changed nothing."""
    state = {}
    for entry in run_entries(url):
        trials = load_run(entry.name, url).study.get_trials()
        state[entry.name] = (entry.attrs, [(t.number, t.state.name, t.params) for t in trials])
    return json.dumps(state, sort_keys=True, default=str)


GRID = {"hidden_size": {"type": "choice", "values": [8, 16]}, "lr": 0.01, "epochs": 2, "batch_size": 32}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["extend", "grid", "--trials", "5"], "grid run grid has tried all 2 of its combinations"),
        (["extend", "done", "--trials", "0"], "trials: must be from 1 to 100,000, got 0"),
        (["extend", "done"], "trials: give a number of trials and/or minutes to add"),
        (["enqueue", "done", "--params", '{"hidden_size": 64, "lr": 0.01, "batch_size": 16}'],
         "params.hidden_size: must be from 4 to 32, got 64"),
        (["enqueue", "done", "--params", '{"hidden_size": 8, "lr": "fast", "batch_size": 16}'],
         "params.lr: must be a number, got 'fast' (str)"),
        (["enqueue", "done", "--params", '{"hidden_size": 8, "lr": 0.01, "batch_size": 20}'],
         "params.batch_size: must be one of [16, 32], got 20"),
        (["enqueue", "done", "--params", '{"hidden_size": 8.5, "lr": 0.01, "batch_size": 16}'],
         "params.hidden_size: must be a whole number, got 8.5"),
        (["enqueue", "done", "--params", '{"hidden_size": 8, "batch_size": 16}'],
         "params.lr: missing: a hand-picked configuration names every searched hyperparameter"),
        (["enqueue", "done", "--params", '{"hidden_size": 8, "lr": 0.01, "batch_size": 16, "epochs": 9}'],
         "params.epochs: is fixed at 3 in this run, got 9"),
        (["enqueue", "done", "--params", "{lr: 1}"], "--params: not JSON"),
        (["note", "done", "--tag", "x" * 40], "is not a tag"),
        (["note", "done", "--trial", "99", "--text", "hi"], "run done has no trial 99"),
    ],
)  # fmt: skip
def test_refusals_name_the_rule_and_change_nothing(
    argv: list[str], message: str, storage_url: str, capsys
) -> None:
    run_in_process(quick_spec(budget={"n_trials": 3}), storage_url, "done")
    run_in_process(quick_spec(strategy="grid", space=GRID, budget={}), storage_url, "grid")
    before = _stored(storage_url)
    assert main([*argv, "--storage", storage_url]) == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err
    assert _stored(storage_url) == before


def test_warm_start_from_other_data_is_refused(storage_url: str, tmp_path: Path, capsys) -> None:
    run_in_process(quick_spec(budget={"n_trials": 3}), storage_url, "done")
    before = _stored(storage_url)
    spec = quick_spec(dataset={"name": "synthetic-houses", "rows": 300, "seed": 0})
    assert checks.launch(storage_url, tmp_path, "other", spec, "--warm-start", "done") == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "warm_start: a warm start from done needs the same data" in err
    assert "dataset: is {'name': 'synthetic-houses', 'rows': 300, 'seed': 0} here but" in err
    assert _stored(storage_url) == before


def test_extending_a_running_run_is_refused(storage_url: str, tmp_path: Path, capsys) -> None:
    from tests.fake_runs import make_run

    make_run(storage_url, "live", 3, finished=False, worker_pid=__import__("os").getpid())
    before = _stored(storage_url)
    assert main(["extend", "live", "--trials", "2", "--storage", storage_url]) == EXIT_BAD_INPUT
    assert "run live is running; extend it once it has ended, or stop it first" in capsys.readouterr().err
    assert _stored(storage_url) == before
