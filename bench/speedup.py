"""Benchmark 6 (a, b), whole runs with populations: the article's grid against its plain
script, and the houses preset with populations against one model at a time.

(a) ``python -m tuning launch --preset article-grid --wait`` (a launcher process and a
detached worker: 24 configurations × 3-fold validation, stored, the winner tested and
saved) against ``bench/article_reference.py`` (the article's script: the same 24
configurations, no validation folds), whole processes from start to exit, in alternating
rounds; ``python -c "import torch"`` is timed beside them as the floor any process that
trains pays. (b) The houses preset (60 TPE trials, 2,000 rows, seven hyperparameters)
with one in-process worker, once as populations (``population`` left to the worker) and
once with ``population: 1``, from the same seeds: wall time and the best validation loss.
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.common import (
    PYTHON,
    Context,
    Section,
    Table,
    Target,
    Timing,
    alternate,
    fmt_s,
    median,
    run_process,
)
from bench.overhead import REFERENCE, wait_for_workers
from tuning import Run, RunSpec, create_run, load_run
from tuning.definition.batching import plan_populations
from tuning.definition.presets import PRESETS

if TYPE_CHECKING:
    from tuning.training.members import Member

GRID_RATIO, HOUSES_RATIO, LOSS_WITHIN = 0.25, 0.40, 0.02
FLOOR = "modelled floor"


@dataclass(frozen=True)
class Sizes:
    grid_rounds: int
    seeds: int
    houses: dict[str, Any]  # changes to the houses preset


FULL = Sizes(grid_rounds=5, seeds=10, houses={})
QUICK = Sizes(grid_rounds=1, seeds=1, houses={"dataset": {"name": "synthetic-houses", "rows": 200, "seed": 0},
                                               "budget": {"n_trials": 8}, "epochs": 2})  # fmt: skip


def run(ctx: Context) -> Section:
    sizes = QUICK if ctx.quick else FULL
    grid = article_grid(ctx, sizes.grid_rounds)
    houses = houses_runs(ctx, sizes)
    return report(grid, houses, sizes)


def article_grid(ctx: Context, rounds: int) -> dict[str, list[Timing]]:
    """Whole processes, in alternating rounds."""
    names = (f"article-grid-{i}" for i in itertools.count())

    def launch() -> Timing:
        name = next(names)
        url = ctx.journal_url(name)
        argv = [
            PYTHON,
            "-m",
            "tuning",
            "launch",
            "--preset",
            "article-grid",
            "--name",
            name,
            "--storage",
            url,
        ]
        wall = run_process([*argv, "--wait"]).wall_s
        wait_for_workers(name, url)  # the next round must not share the cores with it
        return Timing(wall, math.nan)  # the worker is detached: its CPU time is not counted

    cases: dict[str, Callable[[], Timing]] = {
        "script": lambda: run_process([PYTHON, str(REFERENCE)]),
        "launch --wait": launch,
        "import torch": lambda: run_process([PYTHON, "-c", "import torch"]),
    }
    return alternate(cases, rounds)


def houses_spec(seed: int, population: int | None, sizes: Sizes) -> RunSpec:
    raw = {**PRESETS["houses"], "workers": 1, "seed": seed}
    changes = dict(sizes.houses)
    if "epochs" in changes:
        raw["space"] = {**raw["space"], "epochs": changes.pop("epochs")}
    raw.update(changes)
    if population is not None:
        raw["population"] = population
    return RunSpec.from_dict(raw)


def houses_runs(ctx: Context, sizes: Sizes) -> dict[str, list[tuple[float, float]]]:
    """(wall seconds, best validation loss) per seed, populations and one at a time alternating;
    under "modelled floor", (the cost model's best ratio for the one-at-a-time run's
    configurations, 0)."""
    from tuning.training.worker import Worker, WorkerOptions  # imports torch

    warm_up = houses_spec(0, None, QUICK)  # imports and first calls, paid before any timing
    create_run(warm_up, "houses-warm-up", ctx.journal_url("houses-warm-up"))
    Worker("houses-warm-up", ctx.journal_url("houses-warm-up"), WorkerOptions()).work()
    results: dict[str, list[tuple[float, float]]] = {"populations": [], "one at a time": [], FLOOR: []}
    for seed in range(sizes.seeds):
        order = [("populations", None), ("one at a time", 1)]
        for label, population in order if seed % 2 == 0 else reversed(order):
            name = f"houses-{seed}-{population or 'auto'}"
            url = ctx.journal_url(name)
            create_run(houses_spec(seed, population, sizes), name, url)
            started = time.perf_counter()
            worker = Worker(name, url, WorkerOptions())
            worker.work()
            seconds = time.perf_counter() - started
            run = load_run(name, url)
            best = min(t.value for t in run.study.get_trials() if t.value is not None)
            results[label].append((seconds, best))
            if population == 1:
                results[FLOOR].append((modelled_floor(run, worker.objective.members), 0.0))
    return results


def modelled_floor(run: Run, members: Sequence[Member]) -> float:
    """What populations could do at best with this run's configurations on this CPU: the cost
    model of the MLP family (``tuning/models/mlp_cost.py``) for all of them claimed at once
    and grouped as the worker groups them, against each trained alone. Batching shares each
    step's fixed overhead; it cannot share the multiply-adds, which grow with every member."""
    configs = [{**run.spec.fixed_values(), **t.params} for t in run.study.get_trials() if t.params]
    rows, features = members[0].train_x.shape
    cost = run.spec.family.cost
    alone = sum(cost.training_seconds([config], rows, features, len(members)) for config in configs)
    grouped = sum(
        cost.training_seconds([configs[i] for i in group], rows, features, len(members))
        for group in plan_populations(run.spec, configs, rows, features, len(members))
    )
    return grouped / alone


def report(
    grid: dict[str, list[Timing]], houses: dict[str, list[tuple[float, float]]], sizes: Sizes
) -> Section:
    script, launch, torch_import = (
        median([t.wall_s for t in grid[k]]) for k in ("script", "launch --wait", "import torch")
    )
    pop_s, one_s = (median([s for s, _ in houses[k]]) for k in ("populations", "one at a time"))
    targets = [
        Target(f"(a) article grid, whole process ≤ {GRID_RATIO}× the script's wall time",
               f"{launch / script:.2f}× ({fmt_s(launch)} against {fmt_s(script)})",
               launch / script <= GRID_RATIO,
               f"start-up: `import torch` alone takes {fmt_s(torch_import)} ({torch_import / script:.0%} "
               "of the script), and `launch` runs two processes (the launcher, and a worker that imports "
               "torch)"),
        *houses_targets(houses),
    ]  # fmt: skip
    tables = [
        Table("(a) whole processes, medians", ("", "wall"),
              [("the article's script", fmt_s(script)),
               ("`launch --preset article-grid --wait`", fmt_s(launch)),
               ("`python -c 'import torch'`", fmt_s(torch_import))]),
        Table("(b) houses preset, one worker, per seed", ("seed", "populations", "one at a time", "ratio",
              "modelled floor", "best loss, populations", "best loss, one at a time"),
              [(seed, fmt_s(p[0]), fmt_s(o[0]), f"{p[0] / o[0]:.2f}×", f"{f[0]:.2f}×", f"{p[1]:,.4g}",
                f"{o[1]:,.4g}")
               for seed, (p, o, f) in enumerate(zip(*houses.values(), strict=True))]),
    ]  # fmt: skip
    return Section(
        key="speedup",
        title="6. Whole runs with populations: the article grid and the houses preset",
        what=" ".join(__doc__.split()),
        tables=tables,
        targets=targets,
        notes=[
            f"Populations {fmt_s(pop_s)} against {fmt_s(one_s)} one at a time (medians).",
            "Modelled floor: the cost model of `tuning/definition/batching.py` (each step's fixed "
            "overhead, each hidden layer's, multiply-adds at a measured rate, the optimizer's passes) "
            "for the one-at-a-time run's configurations all claimed at once and grouped as the "
            "worker groups them, against each trained alone: the best ratio populations could reach "
            "with those configurations on this CPU.",
        ],
        raw={
            "grid": {k: [vars(t) for t in v] for k, v in grid.items()},
            "houses": houses,
            "sizes": vars(sizes),
        },
    )


def houses_targets(houses: dict[str, list[tuple[float, float]]]) -> list[Target]:
    """(b): the wall-time ratio (median over seeds), and the gap between the median best losses."""
    pop_loss, one_loss = (
        statistics.median([b for _, b in houses[k]]) for k in ("populations", "one at a time")
    )
    ratios = [p[0] / o[0] for p, o in zip(houses["populations"], houses["one at a time"], strict=True)]
    floor = median([f for f, _ in houses[FLOOR]])
    loss_gap = pop_loss / one_loss - 1
    return [
        Target(f"(b) houses preset, 60 TPE trials, 1 worker: populations ≤ {HOUSES_RATIO}× the wall time",
               f"{median(ratios):.2f}× (median of {len(ratios)} seeds)", median(ratios) <= HOUSES_RATIO,
               "TPE settles on wide models and large batches, where a step's multiply-adds, which "
               "batching cannot share, outweigh its fixed overhead: even with all its trials claimed at "
               f"once and grouped by shape, the cost model gives {floor:.2f}× (median over seeds); and "
               "the space mixes widths 8-128, depths 1-3 and batches 16-128, so padding keeps "
               "populations to similar shapes, and TPE keeps them to an eighth of the budget"),
        Target(f"(b) median best validation loss at most {LOSS_WITHIN:.0%} worse",
               f"{loss_gap:+.1%} ({pop_loss:,.4g} against {one_loss:,.4g})", loss_gap <= LOSS_WITHIN),
    ]  # fmt: skip
