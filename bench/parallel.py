"""Benchmark 2, parallel speed-up: one worker process against two on the same 48-trial run.

The run is a grid, so both sides train exactly the same 48 configurations: with a
sampler the two-worker run would draw other configurations (each worker seeds its own)
and the comparison would measure luck as well as parallelism. Workers are started the
way the dashboard starts them (``spawn_workers``: detached processes) and timed from the
spawn to the moment the last one stores the run's result.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.common import Context, Section, Table, Target, alternate, fmt_s, median, stop_processes
from tuning import RunSpec, RunState, RunSummary, create_run, load_run, spawn_workers, summarize

TARGET = 0.55


@dataclass(frozen=True)
class Sizes:
    rows: int
    epochs: int
    space: dict[str, list[float]]
    rounds: int


FULL = Sizes(
    rows=4000,
    epochs=25,
    space={
        "hidden_size": [16, 32, 64],
        "lr": [1e-3, 3e-3],
        "batch_size": [32, 64],
        "n_layers": [1, 2],
        "dropout": [0.0, 0.1],
    },
    rounds=3,
)
QUICK = Sizes(rows=200, epochs=2, space={"hidden_size": [8, 16], "lr": [1e-3, 3e-3]}, rounds=1)


@dataclass(frozen=True)
class Timed:
    """Seconds from spawning the workers to the stored result, and from the first trial's start."""

    wall_s: float
    working_s: float


def spec_for(sizes: Sizes) -> RunSpec:
    return RunSpec.from_dict(
        {
            "dataset": {"name": "synthetic-houses", "rows": sizes.rows, "seed": 0},
            "strategy": "grid",
            "heartbeat_s": 1.0,  # an idle worker notices the end within a second, not ten
            "space": {
                **{name: {"type": "choice", "values": values} for name, values in sizes.space.items()},
                "epochs": sizes.epochs,
            },
        }
    )


def run(ctx: Context) -> Section:
    sizes = QUICK if ctx.quick else FULL
    spec = spec_for(sizes)
    names = (f"parallel-{i}" for i in itertools.count())

    def timed(workers: int) -> Callable[[], Timed]:
        return lambda: time_run(spec, next(names), ctx, workers)

    results = alternate({"1 worker": timed(1), "2 workers": timed(2)}, sizes.rounds)
    return report(results, spec, ctx.quick)


def time_run(spec: RunSpec, name: str, ctx: Context, workers: int) -> Timed:
    """As the dashboard runs it: the spec says how many workers there are (each claims its
    share of the queue as one population), and that many are spawned."""
    url = ctx.journal_url(name)
    run = create_run(RunSpec.from_dict({**spec.to_dict(), "workers": workers}), name, url)
    started = time.time()
    pids = spawn_workers(name, url, workers)
    try:
        summary = wait_for_result(name, url)
        while summarize(load_run(name, url)).workers_alive:  # the next round needs the cores
            time.sleep(0.2)
    finally:
        stop_processes(pids)
    first_start = min(t.datetime_start.timestamp() for t in run.study.get_trials() if t.datetime_start)
    return Timed(summary.finished_at - started, summary.finished_at - first_start)


def wait_for_result(name: str, url: str, timeout_s: float = 1800) -> RunSummary:
    deadline = time.monotonic() + timeout_s
    while (summary := summarize(load_run(name, url))).active:
        if time.monotonic() > deadline:
            raise RuntimeError(f"run {name} still {summary.state} after {timeout_s:g} s")
        time.sleep(0.2)
    if summary.state != RunState.FINISHED or summary.finished_at is None:
        raise RuntimeError(f"run {name} ended {summary.state}: {summary.error}")
    return summary


def report(results: dict[str, list[Timed]], spec: RunSpec, quick: bool) -> Section:
    wall = {side: median([t.wall_s for t in runs]) for side, runs in results.items()}
    working = {side: median([t.working_s for t in runs]) for side, runs in results.items()}
    ratio = wall["2 workers"] / wall["1 worker"]
    working_ratio = working["2 workers"] / working["1 worker"]
    startup = wall["1 worker"] - working["1 worker"]
    met = ratio <= TARGET
    rows = [
        (side, fmt_s(wall[side]), fmt_s(working[side]), f"{wall[side] / wall['1 worker']:.2f}")
        for side in results
    ]
    dataset = spec.dataset
    return Section(
        key="parallel",
        title="2. Parallel speed-up: one worker against two",
        what=(
            f"A {len(spec.grid())}-configuration grid on {dataset.rows:,} synthetic houses "
            f"({spec.fixed_values()['epochs']} epochs each; {', '.join(sorted(spec.searched()))} varied), "
            "run with one and then two detached worker processes on the embedded journal storage, "
            f"{len(results['1 worker'])} alternating rounds each. Wall time runs from spawning the workers "
            "to the stored result; working time from the first trial's start."
        ),
        tables=[Table("Medians", ("workers", "wall", "working", "wall ratio"), rows)],
        targets=[
            Target(
                f"two workers ≤ {TARGET} × one worker's wall time",
                f"{ratio:.3f} (working time {working_ratio:.3f})",
                met,
                ""
                if met
                else (
                    f"start-up ({fmt_s(startup)} per worker: imports and the first optimizer) is paid by "
                    "both sides and does not halve; and the working time falls only to "
                    f"{working_ratio:.2f}×: one worker already trains the grid as populations (one "
                    "vectorized program), two workers train half-sized ones, each paying its own "
                    "per-step overhead"
                ),
            )
        ],
        notes=[
            "Both sides train the same configurations; each worker uses one torch thread.",
            *([f"Quick mode: a {len(spec.grid())}-trial grid."] if quick else []),
        ],
        raw={side: [vars(t) for t in runs] for side, runs in results.items()},
    )
