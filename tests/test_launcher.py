"""Detached workers: several processes share one queue on the embedded storage."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from optuna.trial import TrialState

from tests.runs_helpers import quick_spec, wait_until_ended
from tuning.definition.presets import preset_spec
from tuning.definition.spec import RunSpec
from tuning.launcher import PACKAGE_ROOT, launch
from tuning.storage.artifacts import read_weights
from tuning.storage.runs import load_run


def test_article_grid_runs_every_combination_once_with_two_workers(storage_url: str) -> None:
    spec = RunSpec.from_dict({**preset_spec("article-grid").to_dict(), "workers": 2})
    launch(spec, "grid", storage_url)
    summary = wait_until_ended("grid", storage_url)
    trials = load_run("grid", storage_url).study.get_trials()
    assert summary.state == "finished" and summary.n_complete == 24
    assert len(trials) == 24 and all(t.state is TrialState.COMPLETE for t in trials)
    combos = Counter(json.dumps(t.params, sort_keys=True) for t in trials)
    assert sorted(combos) == sorted(json.dumps(c, sort_keys=True) for c in spec.grid())
    assert set(combos.values()) == {1}
    assert len({t.user_attrs["worker"] for t in trials}) == 2
    assert summary.test_loss is not None


def test_two_workers_finish_a_40_trial_run_without_losing_or_repeating(storage_url: str) -> None:
    launch(quick_spec(budget={"n_trials": 40}, workers=2), "forty", storage_url)
    summary = wait_until_ended("forty", storage_url)
    trials = load_run("forty", storage_url).study.get_trials()
    assert summary.state == "finished"
    assert (summary.n_complete, summary.n_failed, summary.n_waiting) == (40, 0, 0)
    assert sorted(t.number for t in trials) == list(range(40))
    per_worker = Counter(t.user_attrs["worker"] for t in trials)
    assert len(per_worker) == 2 and sum(per_worker.values()) == 40


def test_workers_write_where_the_launcher_reads_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default data folder is relative: workers must get the launcher's, resolved.

    Workers run from the package folder; before, they resolved ``sweetspot-data`` there and
    wrote the winner's weights where the dashboard (started elsewhere) never looked.
    """
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.delenv("TUNING_DATA_DIR")
    monkeypatch.chdir(elsewhere)
    run = launch(quick_spec(budget={"n_trials": 2}), "here", None)
    assert wait_until_ended("here", None).state == "finished"
    weights = elsewhere / "sweetspot-data" / "runs" / "here" / "best-weights.pt"
    assert weights.is_file()
    assert read_weights(run) == weights.read_bytes()
    assert not (PACKAGE_ROOT / "sweetspot-data" / "runs" / "here").exists()
