"""Overviews of every run: what ``run_summaries`` reads, and what it keeps."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import create_trial

import tuning.views.summary
from tests.fake_runs import make_run
from tests.runs_helpers import quick_spec, run_in_process
from tuning import delete_run, list_run_names, load_run, run_summaries, summarize
from tuning.storage.lifecycle import Extension, extend, plan_extension
from tuning.storage.runs import request_stop
from tuning.training.worker import Worker, WorkerOptions


def test_every_run_is_summarised_newest_first(storage_url: str) -> None:
    make_run(storage_url, "ended", 3)
    make_run(storage_url, "going", 2, n_running=1, finished=False, worker_pid=os.getpid())
    summaries = run_summaries(storage_url)
    assert [s.name for s in summaries] == list_run_names(storage_url)
    assert summaries == [summarize(load_run(s.name, storage_url)) for s in summaries]


def test_an_ended_runs_trials_are_read_once(storage_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make_run(storage_url, "ended", 3)
    make_run(storage_url, "going", 2, n_running=1, finished=False, worker_pid=os.getpid())
    first = run_summaries(storage_url)
    loaded: list[str] = []
    real_read = tuning.views.summary._read_summary
    monkeypatch.setattr(
        tuning.views.summary, "_read_summary", lambda name, url: loaded.append(name) or real_read(name, url)
    )
    assert run_summaries(storage_url) == first
    assert loaded == ["going"]


def test_a_name_used_again_after_a_deletion_is_a_new_run(storage_url: str) -> None:
    make_run(storage_url, "again", 3)
    assert run_summaries(storage_url)[0].n_complete == 3
    delete_run(load_run("again", storage_url))
    make_run(storage_url, "again", 5)
    assert run_summaries(storage_url)[0].n_complete == 5
    delete_run(load_run("again", storage_url))
    assert run_summaries(storage_url) == []


def test_elapsed_leaves_out_the_time_a_run_sat_ended_before_an_extension(storage_url: str) -> None:
    make_run(storage_url, "extended", 3)
    summary = summarize(load_run("extended", storage_url))
    created = summary.created_at
    past = {"finished_at": created + 100, "superseded_at": created + 3600}  # an hour idle, then extended
    extended = dataclasses.replace(summary, history=[past], finished_at=created + 3700)
    assert extended.active_seconds(now=created + 9999) == pytest.approx(200)
    going = dataclasses.replace(extended, finished_at=None, reopened_at=created + 3600)
    assert going.active_seconds(now=created + 3650) == pytest.approx(150)


def test_a_runs_data_is_named_as_a_reader_knows_it(storage_url: str) -> None:
    from tuning import data_label

    make_run(storage_url, "houses", 2)
    summary = summarize(load_run("houses", storage_url))
    assert data_label(summary) == "synthetic-houses"
    assert data_label(dataclasses.replace(summary, dataset="csv", dataset_file="prices.csv")) == "prices.csv"
    code = {"kind": "objective", "reference": "examples/optuna_objective.py:objective", "sha256": "0"}
    objective = dataclasses.replace(summary, dataset="code", code=code)
    assert data_label(objective) == "your objective (optuna_objective.py:objective)"
    model = dataclasses.replace(objective, code={**code, "kind": "model", "reference": "nets/digits.py"})
    assert data_label(model) == "your model file (digits.py)"


def test_an_objectives_space_is_the_one_its_trials_sampled(storage_url: str, code_root: Path) -> None:
    from tests.code_files import QUADRATIC_OBJECTIVE, write_code
    from tuning import RunSpec, create_run, preset_spec, space_label

    assert space_label(preset_spec("houses")) == "6 hyperparameters"
    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    spec = RunSpec.from_dict({"objective": "quadratic.py:objective", "strategy": "random", "budget": 3})
    assert space_label(spec) == "the hyperparameters your objective suggests"
    run = create_run(spec, "objective", storage_url)
    assert space_label(spec, summarize(run)) == "the hyperparameters your objective suggests"
    distributions = {"x": FloatDistribution(-3, 3), "shift": CategoricalDistribution([0.0, 1.0])}
    run.study.add_trial(create_trial(params={"x": 1.0, "shift": 0.0}, distributions=distributions, value=1.0))
    assert space_label(spec, summarize(run)) == "hyperparameters sampled so far include shift, x"


def test_a_run_stopped_before_its_worker_joined_is_stopping_until_the_worker_ends_it(
    storage_url: str,
) -> None:
    """A pick reopened an ended run, then Stop came before the worker testing it had joined:
    the run read "stopped", so the Monitor stopped refreshing, and the worker's test result,
    written seconds later, showed only after a reload (found in a QA pass)."""
    run = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url)
    run = extend(run, plan_extension(run, Extension(trials=1)))
    request_stop(run)
    summary = summarize(run)
    assert summary.state == "stopping" and summary.active
    Worker(run.name, storage_url, WorkerOptions(index=1)).work()
    summary = summarize(load_run(run.name, storage_url))
    assert summary.state == "stopped" and summary.test_loss is not None
