"""A run's lifecycle through the CLI, checked the same way on the embedded journal and PostgreSQL.

Extend, warm start and enqueue are checked by what the samplers were given, not by
timing: TPE's first suggestion after 10 trials is a deterministic function of the trials
it reads and of its seed, so replaying a worker's claim on an in-memory study holding
exactly the trials it should have read must reproduce the suggestion, and replaying it
without some of them must not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from tests.runs_helpers import QUICK_SPACE, quick_spec, wait_until_ended
from tests.worker_processes import eventually
from tuning.cli import EXIT_BAD_INPUT, main
from tuning.definition.space import suggest
from tuning.definition.spec import RunSpec
from tuning.definition.strategies import make_sampler
from tuning.storage import record
from tuning.storage.record import TrialOrigin
from tuning.storage.runs import load_run

TPE_STARTUP_TRIALS = 10  # before these, TPE samples at random and ignores the history


def bayesian_spec(n_trials: int, **changes: Any) -> RunSpec:
    return quick_spec(strategy="bayesian", budget={"n_trials": n_trials}, **changes)


def cli(*argv: str) -> int:
    return main(list(argv))


def launch(url: str, tmp_path: Path, name: str, spec: RunSpec, *extra: str) -> int:
    spec_file = tmp_path / f"{name}.json"
    spec_file.write_text(json.dumps(spec.to_dict()))
    return cli("launch", "--spec", str(spec_file), "--name", name, "--storage", url, *extra)


def replay_first_suggestion(spec: RunSpec, history: Sequence[FrozenTrial], seed: int) -> dict[str, Any]:
    """The configuration a worker with sampler seed ``seed`` draws for its first claimed
    ticket when the study holds exactly ``history`` (claimed as the worker claims)."""
    study = optuna.create_study(direction="minimize", sampler=make_sampler(spec, seed))
    study.add_trials([_copy(t) for t in history])
    study.add_trial(optuna.trial.create_trial(state=TrialState.WAITING, system_attrs={"fixed_params": {}}))
    storage = study._storage  # the in-memory storage of this throwaway study
    (waiting,) = study.get_trials(states=(TrialState.WAITING,))
    storage.set_trial_state_values(waiting._trial_id, TrialState.RUNNING)
    trial = optuna.trial.Trial(study, waiting._trial_id)
    return {name: suggest(trial, name, param) for name, param in spec.searched().items()}


def _copy(trial: FrozenTrial) -> FrozenTrial:
    return optuna.trial.create_trial(
        state=trial.state, value=trial.value, params=trial.params,
        distributions=trial.distributions, user_attrs=trial.user_attrs,
    )  # fmt: skip


def complete(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if t.state is TrialState.COMPLETE]


def check_extended_sampler_sees_every_trial(url: str, tmp_path: Path, capsys: Any) -> None:
    """``extend``: the first new trial is what TPE proposes from *all* earlier trials."""
    spec = bayesian_spec(TPE_STARTUP_TRIALS + 2)
    assert launch(url, tmp_path, "grow", spec, "--wait") == 0
    before = load_run("grow", url)
    earlier = complete(before.study.get_trials())
    first_result = before.attrs()[record.RESULT.key]
    assert len(earlier) == spec.budget.n_trials
    capsys.readouterr()
    assert cli("extend", "grow", "--trials", "3", "--storage", url, "--wait") == 0
    assert "earlier result: finished, trial" in capsys.readouterr().out

    run = load_run("grow", url)
    summary = wait_until_ended("grow", url)
    assert summary.state == "finished" and summary.n_complete == len(earlier) + 3
    assert run.spec.budget.n_trials == len(earlier) + 3
    # The extension's one worker had index 1 (index 0 ran the launch): its seed is seed + 1.
    new = min((t for t in run.study.get_trials() if t.number >= len(earlier)), key=lambda t: t.number)
    expected = replay_first_suggestion(run.spec, earlier, run.spec.seed + 1)
    assert new.params == expected
    # and the history matters: without the best earlier trial, TPE would propose another.
    best = min(earlier, key=lambda t: t.value)
    without_best = [t for t in earlier if t is not best]
    assert replay_first_suggestion(run.spec, without_best, run.spec.seed + 1) != expected
    # The earlier result is kept in the history; the winner was tested again.
    (past,) = summary.history
    assert past["test_loss"] == first_result["test_loss"] and past["best_trial"] == first_result["best_trial"]
    assert past["reason"] == "extended +3 trials" and past["best_params"] is not None
    assert summary.test_loss is not None and summary.finished_at > past["superseded_at"]


def check_warm_start_uses_inherited_trials(url: str, tmp_path: Path, capsys: Any) -> None:
    """``spec`` + ``launch --warm-start``: the fork's first suggestion already uses the
    inherited trials, which fit its narrower space and are not counted in its budget."""
    source_spec = bayesian_spec(TPE_STARTUP_TRIALS + 6)
    assert launch(url, tmp_path, "source", source_spec, "--wait") == 0
    capsys.readouterr()
    assert cli("spec", "source", "--storage", url) == 0
    raw = json.loads(capsys.readouterr().out)
    assert RunSpec.from_dict(raw) == load_run("source", url).spec  # as launched, task and metric resolved
    raw["space"]["hidden_size"] = {"type": "int", "low": 4, "high": 28}
    raw["budget"] = {"n_trials": 2}
    fork_spec = RunSpec.from_dict(raw)
    assert launch(url, tmp_path, "fork", fork_spec, "--warm-start", "source", "--wait") == 0
    assert "warm start: inherited" in capsys.readouterr().out

    source = complete(load_run("source", url).study.get_trials())
    fitting = [t for t in source if t.params["hidden_size"] <= 28]
    assert len(fitting) >= TPE_STARTUP_TRIALS, "the source run should have enough small models"
    fork = load_run("fork", url)
    trials = fork.study.get_trials()
    inherited = [t for t in trials if t.user_attrs.get(record.ORIGIN.key) == TrialOrigin.INHERITED]
    assert [t.params for t in inherited] == [t.params for t in fitting]
    assert [t.value for t in inherited] == [t.value for t in fitting]
    summary = wait_until_ended("fork", url)
    assert (summary.n_inherited, summary.n_complete, summary.n_trials) == (len(fitting), 2, 2)
    assert summary.warm_start == {
        "from": "source",
        "inherited": len(fitting),
        "skipped": len(source) - len(fitting),
    }
    first_own = trials[len(inherited)]
    expected = replay_first_suggestion(fork.spec, inherited, fork.spec.seed)
    assert first_own.params == expected
    assert replay_first_suggestion(fork.spec, [], fork.spec.seed) != expected


def check_enqueued_runs_once(url: str, tmp_path: Path, capsys: Any) -> None:
    """``enqueue`` into a run with three workers: the configuration runs once, among the
    next trials to start; into the ended run: a worker starts and the winner is retested."""
    spec = bayesian_spec(24, workers=3, space={**QUICK_SPACE, "epochs": 40})
    assert launch(url, tmp_path, "busy", spec) == 0
    run = load_run("busy", url)
    eventually(lambda: len(complete(run.study.get_trials())) >= 2, 90, "two trials to finish")
    picked = {"batch_size": 32, "hidden_size": 17, "lr": 0.02}
    capsys.readouterr()
    assert cli("enqueue", "busy", "--params", json.dumps(picked), "--storage", url) == 0
    number = int(capsys.readouterr().out.split("queued trial ")[1].split()[0])
    waiting_then = {t.number for t in run.study.get_trials(states=(TrialState.WAITING,))} - {number}
    summary = wait_until_ended("busy", url)
    assert summary.state == "finished" and summary.n_hand_picked == 1
    trials = run.study.get_trials()
    mine = [t for t in trials if t.user_attrs.get(record.ORIGIN.key) == TrialOrigin.HAND_PICKED]
    assert [(t.number, t.state, t.params) for t in mine] == [(number, TrialState.COMPLETE, picked)]
    assert [t.params for t in trials].count(picked) == 1
    # Workers take it before the older tickets; the ones already being claimed may come first.
    earlier = [t for t in trials if t.number in waiting_then and t.datetime_start < mine[0].datetime_start]
    assert len(earlier) <= spec.workers, earlier

    again = {**picked, "lr": 0.005}
    assert cli("enqueue", "busy", "--params", json.dumps(again), "--storage", url) == 0
    summary = wait_until_ended("busy", url)
    assert summary.state == "finished" and summary.n_hand_picked == 2 and len(summary.history) == 1, summary
    assert [t.params for t in run.study.get_trials() if t.state is TrialState.COMPLETE].count(again) == 1


def check_notes_and_tags(url: str, capsys: Any) -> None:
    """``note``: a run's Markdown note and tags, a trial's note; shown by ``show --json``."""
    assert (
        cli(
            "note",
            "busy",
            "--text",
            "# Why\nlr *matters*",
            "--tag",
            "baseline",
            "--tag",
            "lr",
            "--storage",
            url,
        )
        == 0
    )
    assert cli("note", "busy", "--trial", "0", "--text", "odd curve", "--storage", url) == 0
    capsys.readouterr()
    assert cli("show", "busy", "--json", "--storage", url) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["note"], shown["tags"], shown["trial_notes"]) == (
        "# Why\nlr *matters*",
        ["baseline", "lr"],
        {"0": "odd curve"},
    )
    attrs = load_run("busy", url).attrs()  # plain study attributes: optuna-dashboard lists them
    assert attrs["sweetspot:note"] == "# Why\nlr *matters*" and attrs["sweetspot:tags"] == ["baseline", "lr"]
    assert cli("note", "busy", "--tag", "bad/tag", "--storage", url) == EXIT_BAD_INPUT
    assert "tags: 'bad/tag' is not a tag" in capsys.readouterr().err
    assert load_run("busy", url).attrs()["sweetspot:tags"] == ["baseline", "lr"]
