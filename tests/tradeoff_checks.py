"""A trade-off run end to end, checked the same way on the embedded journal and PostgreSQL:
the issue's houses run (NSGA-II, MSE against parameters, a bound) and a pick tested once."""

from __future__ import annotations

from optuna.trial import TrialState

from tests.runs_helpers import quick_spec, run_in_process
from tuning import RunSpec, load_run, preset_spec, summarize
from tuning.definition.metrics import Direction
from tuning.storage.picks import store_pick
from tuning.training.worker import Worker, WorkerOptions


def brute_force_front(points: list[tuple[float, ...]], directions: list[Direction]) -> set[int]:
    """Indices of the points no other point dominates: every pair compared, O(n²)."""
    signs = [1 if d is Direction.MINIMIZE else -1 for d in directions]
    flipped = [tuple(v * s for v, s in zip(p, signs, strict=True)) for p in points]

    def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x <= y for x, y in zip(a, b, strict=True)) and any(
            x < y for x, y in zip(a, b, strict=True)
        )

    return {i for i, p in enumerate(flipped) if not any(dominates(q, p) for q in flipped)}


def check_houses_front_within_a_bound(url: str) -> None:
    """The issue's run: the houses preset optimising MSE and parameters with NSGA-II, here
    small (300 rows, 3 epochs, 24 trials), with a bound on the parameter count."""
    houses = preset_spec("houses").to_dict()
    spec = RunSpec.from_dict(
        {
            **houses,
            "strategy": "nsga2",
            "objectives": ["mse", "params"],
            "constraints": {"max_params": 400},
            "budget": {"n_trials": 24},
            "workers": 1,
            "dataset": {"name": "synthetic-houses", "rows": 300, "seed": 0},
            "space": {**houses["space"], "epochs": 3},
        }
    )
    run = run_in_process(spec, url)
    summary = summarize(run)
    complete = run.study.get_trials(states=(TrialState.COMPLETE,))
    feasible = [t for t in complete if t.values[1] <= 400]
    assert 0 < summary.n_infeasible == len(complete) - len(feasible)  # kept, and marked
    front = {entry["number"] for entry in summary.pareto}
    expected = {
        feasible[i].number
        for i in brute_force_front([tuple(t.values) for t in feasible], [Direction.MINIMIZE] * 2)
    }
    assert front == expected == {t.number for t in run.study.best_trials}  # Optuna agrees
    assert all(entry["values"]["params"] <= 400 for entry in summary.pareto)
    assert summary.winner == summary.best_trial == summary.pareto[0]["number"]  # the best MSE within
    assert summary.test_loss is not None  # and it alone was tested
    assert summary.to_dict()["objectives"][1] == {
        "name": "params", "direction": "minimize", "label": "parameters", "unit": "count"
    }  # fmt: skip


def check_a_pick_is_tested_once(url: str) -> None:
    """The run ends with its default winner tested; a pick reopens it, and one worker tests
    the picked trial alone (nothing else trains), keeping the first result in its history."""
    spec = quick_spec(objectives=["mse", "params"], budget={"n_trials": 8})
    run = run_in_process(spec, url)
    first = summarize(run)
    other = next(entry["number"] for entry in first.pareto if entry["number"] != first.winner)
    assert store_pick(run, other) is True
    assert summarize(run).state.active  # reopened: no result until a worker tests the pick
    assert store_pick(run, other) is False  # already reopened for it: nothing more to do
    report = Worker("run", url, WorkerOptions()).work()
    assert report.trials == 0 and report.finished_run  # no trial trained, the pick tested
    after = summarize(load_run("run", url))
    assert (after.winner, after.best_trial, after.picked) == (other, other, True)
    assert after.test_loss != first.test_loss and after.n_complete == first.n_complete
    assert [(past["best_trial"], past["reason"]) for past in after.history] == [
        (first.winner, f"trial {other} picked as the winner")
    ]
    assert store_pick(load_run("run", url), other) is False  # tested already: once
