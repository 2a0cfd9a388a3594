"""Several worker processes sharing one run on PostgreSQL, as workers on several machines do."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from optuna.trial import TrialState

from tests.runs_helpers import quick_spec
from tests.worker_processes import ROOT, WorkerProcesses, eventually, live_spec, trials_of
from tuning.cli import main
from tuning.definition.batching import population_size
from tuning.definition.presets import PRESETS
from tuning.definition.spec import RunSpec
from tuning.reading.trials import list_run_names
from tuning.storage import record
from tuning.storage.liveness import pid_alive, worker_records
from tuning.storage.runs import create_run, load_run, request_stop
from tuning.views.summary import summarize

pytestmark = pytest.mark.postgres
TOLD = re.compile(r"tuning\.training\.worker INFO trial (\d+) (?:complete|fail|pruned)")


def told_trials(logs: list[str]) -> Counter[int]:
    """How often each trial number was reported finished in the workers' logs."""
    return Counter(int(number) for log in logs for number in TOLD.findall(log))


def test_three_workers_finish_a_60_trial_bayesian_run_exactly(workers: WorkerProcesses, pg_url: str) -> None:
    run = create_run(live_spec(n_trials=60, epochs=3), "bayesian-60", pg_url)
    started = [workers.start(run.name, pg_url) for _ in range(3)]

    assert [worker.wait() for worker in started] == [0, 0, 0], [w.log()[-2000:] for w in started]
    trials = trials_of(run)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 60
    assert told_trials([w.log() for w in started]) == Counter(range(60))  # no trial ran twice
    assert len({t.user_attrs["worker"] for t in trials}) >= 2  # they shared the queue
    assert summarize(run).state == "finished"


def test_the_article_grid_launched_from_the_cli_runs_each_combination_once(
    pg_url: str, tmp_path: Path, data_dir: Path
) -> None:
    spec_file = tmp_path / "article-grid.json"
    # The article's 24 combinations; a short heartbeat so the idle workers leave promptly.
    spec_file.write_text(json.dumps({**PRESETS["article-grid"], "heartbeat_s": 1.0}))
    launch = [sys.executable, "-m", "tuning", "launch", "--spec", str(spec_file), "--name", "grid"]
    result = subprocess.run(
        [*launch, "--storage", pg_url, "--workers", "3", "--wait"],
        capture_output=True, text=True, cwd=ROOT, timeout=240,
    )  # fmt: skip
    run = load_run("grid", pg_url)
    pids = [record.pid for record in worker_records(run.attrs()).values()]
    try:
        assert result.returncode == 0, result.stderr
        assert "trials: 24 complete, 0 pruned, 0 failed, 0 running, 0 queued" in result.stdout
        trials = trials_of(run)
        assert len(trials) == 24
        combinations = RunSpec.from_dict(PRESETS["article-grid"]).grid()
        assert sorted(map(sorted_items, (t.params for t in trials))) == sorted(
            map(sorted_items, combinations)
        )
        logs = [path.read_text() for path in (data_dir / "logs").glob("grid-worker-*.log")]
        assert len(pids) == len(logs) == 3
        assert told_trials(logs) == Counter(range(24))
        eventually(lambda: not any(map(pid_alive, pids)), 15, "the launched workers to exit")
    finally:
        for pid in filter(pid_alive, pids):
            os.kill(pid, signal.SIGKILL)


def sorted_items(params: dict[str, object]) -> list[tuple[str, object]]:
    return sorted(params.items())


def test_stop_ends_every_worker_after_its_current_trial(workers: WorkerProcesses, pg_url: str) -> None:
    run = create_run(live_spec(n_trials=60, epochs=30), "stopped", pg_url)
    started = [workers.start(run.name, pg_url) for _ in range(2)]
    eventually(
        lambda: all(
            any(w.owns(t) and t.state is TrialState.COMPLETE for t in trials_of(run)) for w in started
        ),
        60,
        "every worker to finish a trial",
    )

    request_stop(run)  # what `python -m tuning stop` and the dashboard's Stop button do
    assert [worker.wait(60) for worker in started] == [0, 0]

    stop_at = run.attrs()[record.STOP_REQUESTED_AT.key]
    trials = trials_of(run)
    states = Counter(t.state for t in trials)
    assert states[TrialState.RUNNING] == 0 and states[TrialState.WAITING] > 0
    for worker in started:
        assert "stop requested: leaving run" in worker.log()
    # A worker finishes the population it was training and claims no other: at most the one
    # claim that was already under way when the stop arrived starts after it.
    claim = population_size(run.spec, features=4, members=1)
    for worker in started:
        after = [t for t in trials if worker.owns(t) and t.datetime_start.timestamp() > stop_at]
        assert len(after) <= claim, (len(after), claim)
    summary = summarize(run)
    assert summary.state == "stopped" and summary.test_loss is not None


@pytest.mark.parametrize("scheme", ["postgresql://", "postgres://"])
def test_the_url_a_cloud_console_prints_reaches_the_same_database(
    pg_url: str, scheme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 23.8: both failed with "Failed to import DB access module … Check that the
    database server is running"; only ``postgresql+psycopg2://`` worked."""
    pasted = scheme + pg_url.split("://", 1)[1]
    create_run(quick_spec(), "pasted", pasted)
    assert list_run_names(pg_url) == ["pasted"]
    assert main(["ls", "--storage", pasted]) == 0
    assert capsys.readouterr().out.startswith("pasted ")
