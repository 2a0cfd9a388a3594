"""A run summarised from its rows (the dashboard's read path) is the summary of its Optuna
trials (the CLI's ``show --json``), trade-off fields included; the Monitor's front follows
the rows of trials completed since its last read, and only those."""

from __future__ import annotations

import pytest
from optuna.trial import TrialState

from tests.fake_runs import fake_trials, make_run
from tuning import RunSpec, load_run, preset_spec, summarize
from tuning.reading.trials import read_run
from tuning.storage.picks import store_pick
from tuning.views import pareto
from tuning.views.snapshot import RunWatcher
from tuning.views.table_summary import summarize_table


def tradeoff_spec(**changes: object) -> RunSpec:
    houses = preset_spec("houses").to_dict()
    return RunSpec.from_dict({**houses, "strategy": "nsga2", "objectives": ["mse", "params"], **changes})


def rows_summary(name: str, url: str) -> dict[str, object]:
    got = read_run(name, url)
    return summarize_table(got.run, got.table, got.attrs).to_dict()


@pytest.mark.parametrize(
    "spec",
    [
        tradeoff_spec(constraints={"max_params": 300}),
        tradeoff_spec(objectives=["mse"], constraints={"max_params": 300}),
    ],
    ids=["two objectives and a bound", "a bound only"],
)
def test_a_tradeoff_run_reads_the_same_from_its_rows(storage_url: str, spec: RunSpec) -> None:
    make_run(storage_url, "run", 30, spec=spec, n_failed=2, n_running=1, finished=False)
    expected = summarize(load_run("run", storage_url)).to_dict()
    assert 0 < expected["n_infeasible"] < 30 and expected["pareto"]  # both kinds of trial
    assert rows_summary("run", storage_url) == expected
    run = load_run("run", storage_url)
    other = next(
        t.number
        for t in run.study.get_trials(states=(TrialState.COMPLETE,))
        if t.number != expected["winner"]
    )
    store_pick(run, other)
    picked = summarize(load_run("run", storage_url)).to_dict()
    assert (picked["winner"], picked["picked"], picked["best_trial"]) == (other, True, other)
    assert rows_summary("run", storage_url) == picked


def test_the_watchers_front_takes_only_the_trials_completed_since(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tradeoff_spec(constraints={"max_params": 300})
    study = make_run(storage_url, "run", 20, spec=spec, n_running=1, finished=False)
    taken: list[int] = []
    real = pareto.row_points
    monkeypatch.setattr(pareto, "row_points", lambda rows, *a: taken.append(len(rows)) or real(rows, *a))
    watcher = RunWatcher("run", storage_url)
    watcher.read()
    study.add_trials(fake_trials(spec, (3, 1, 0, 0), 0.0, seed=5))
    watcher.read()
    snapshot = watcher.read()  # nothing new: nothing looked at
    assert taken == [20, 3]
    expected = summarize(load_run("run", storage_url))
    assert snapshot.summary == expected and expected.n_complete == 23
    assert snapshot.points is not None
    assert snapshot.points.front_numbers == [e["number"] for e in expected.pareto or []]
    assert sum(t.state is TrialState.COMPLETE for t in study.get_trials()) == len(snapshot.points.numbers)
