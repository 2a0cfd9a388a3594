"""Benchmark 3, sample efficiency: how fast each strategy finds a good configuration.

Random search, TPE and the Gaussian process run the same budget of trials from the same
10 seeds on each dataset. A seed fixes the split, the models' initial weights and the
sampler's draws, so for each seed every strategy faces the same problem and only the
choice of configurations differs. TPE with and without the median pruner shows what
pruning saves. Every search is a real run: ``create_run`` and an in-process ``Worker``.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.common import Context, Section, Table, Target, fmt_loss, median
from bench.curves import Searches, Trials, best_so_far, first_reach, plot_dataset
from tuning import RunSpec, create_run, learning_curve, load_run
from tuning.definition.presets import PRESETS
from tuning.definition.pruners import MEDIAN_STARTUP_TRIALS, MEDIAN_WARMUP_SHARE

Job = tuple[str, str, int]  # dataset, variant, seed
BAYES_WITHIN = 30  # trials in which TPE should match random's best at the full budget
PRUNING_SAVES, PRUNING_LOSS = 0.40, 0.02


@dataclass(frozen=True)
class Variant:
    """A strategy and pruner pair, as the spec names them."""

    label: str
    strategy: str
    pruner: str = "none"


RANDOM, TPE, GP, PRUNED = (
    Variant("random", "random"),
    Variant("TPE", "bayesian"),
    Variant("GP", "gp"),
    Variant("TPE + median pruner", "bayesian", "median"),
)
VARIANTS = (GP, RANDOM, TPE, PRUNED)  # slowest first, so the pool ends evenly


@dataclass(frozen=True)
class Sizes:
    seeds: int
    trials: int
    houses_rows: int
    epochs: int
    processes: int


FULL = Sizes(seeds=10, trials=60, houses_rows=500, epochs=20, processes=2)
QUICK = Sizes(seeds=2, trials=6, houses_rows=100, epochs=3, processes=2)


def datasets(sizes: Sizes) -> dict[str, dict[str, Any]]:
    return {
        "synthetic houses": {"name": "synthetic-houses", "rows": sizes.houses_rows, "seed": 0},
        "diabetes": {"name": "diabetes"},
    }


def spec_dict(dataset: dict[str, Any], variant: Variant, seed: int, sizes: Sizes) -> dict[str, Any]:
    """The houses preset's seven-parameter space, on ``dataset``, with ``variant``'s strategy."""
    return {
        "dataset": dataset,
        "strategy": variant.strategy,
        "pruner": variant.pruner,
        "budget": {"n_trials": sizes.trials},
        "seed": seed,
        "space": {**PRESETS["houses"]["space"], "epochs": sizes.epochs},
    }


def search(raw_spec: dict[str, Any], name: str, url: str) -> Trials:
    """Run one search to its end with one in-process worker: (state, value, epochs) per trial.

    A module-level function so that a process pool can run it.
    """
    from tuning.training.worker import Worker, WorkerOptions  # imports torch: only the pool's processes

    create_run(RunSpec.from_dict(raw_spec), name, url)
    Worker(name, url, WorkerOptions()).work()
    trials = sorted(load_run(name, url).study.get_trials(deepcopy=False), key=lambda t: t.number)
    return [(t.state.name.lower(), t.value, len(learning_curve(t))) for t in trials]


def run(ctx: Context) -> Section:
    sizes = QUICK if ctx.quick else FULL
    jobs = {
        (dataset, variant.label, seed): spec_dict(raw, variant, seed, sizes)
        for variant in VARIANTS
        for dataset, raw in datasets(sizes).items()
        for seed in range(sizes.seeds)
    }
    outcomes = dict(run_jobs(jobs, ctx, sizes.processes))
    section = Section(
        key="efficiency",
        title="3. Sample efficiency: random, TPE and GP; pruning on and off",
        what=(
            f"Each strategy ran {sizes.trials} trials from each of {sizes.seeds} seeds on "
            f"{sizes.houses_rows} synthetic houses and on scikit-learn's diabetes data (442 rows), "
            f"searching the `houses` preset's seven hyperparameters with {sizes.epochs} epochs per trial, "
            "one worker per search. "
            "Curves are the median over seeds of the best validation MSE so far; failed (diverged) "
            "trials count against the budget."
        ),
        raw={
            "sizes": vars(sizes),
            "outcomes": {"|".join(map(str, key)): value for key, value in outcomes.items()},
        },
    )
    for dataset in datasets(sizes):
        searches = {
            variant.label: [outcomes[(dataset, variant.label, seed)] for seed in range(sizes.seeds)]
            for variant in VARIANTS
        }
        add_dataset(section, dataset, searches, sizes, ctx)
    if ctx.quick:
        section.notes.append(f"Quick mode: {sizes.seeds} seeds of {sizes.trials} tiny trials.")
    return section


def run_jobs(jobs: dict[Job, dict[str, Any]], ctx: Context, processes: int) -> Iterator[tuple[Job, Trials]]:
    """Every search, spread over ``processes`` fresh processes; each search has its own journal file."""
    names = {key: f"eff-{index}" for index, key in enumerate(jobs)}
    context = multiprocessing.get_context("spawn")  # no forked copy of this process's threads
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = {
            pool.submit(search, raw, names[key], ctx.journal_url(names[key])): key
            for key, raw in jobs.items()
        }
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future.result()


def add_dataset(section: Section, dataset: str, searches: Searches, sizes: Sizes, ctx: Context) -> None:
    """The dataset's tables, targets and plot."""
    curves = {label: np.array([best_so_far(s) for s in runs]) for label, runs in searches.items()}
    medians = {label: np.median(c, axis=0) for label, c in curves.items()}
    level = float(medians[RANDOM.label][-1])
    checkpoints = sorted({n for n in (10, 20, 30, sizes.trials) if n <= sizes.trials})
    rows = [
        (
            label,
            *(fmt_loss(medians[label][n - 1]) for n in checkpoints),
            first_reach(medians[label], level) or f"not in {sizes.trials}",
        )
        for label in (RANDOM.label, TPE.label, GP.label)
    ]
    section.tables.append(
        Table(
            f"{dataset}: median best validation MSE after n trials",
            (
                "strategy",
                *(f"n = {n}" for n in checkpoints),
                f"trials to reach random's {sizes.trials}-trial best",
            ),
            rows,
        )
    )
    tpe_reach = first_reach(medians[TPE.label], level)
    met = tpe_reach is not None and tpe_reach <= BAYES_WITHIN
    at = float(medians[TPE.label][min(BAYES_WITHIN, sizes.trials) - 1])
    section.targets.append(
        Target(
            f"{dataset}: TPE reaches random's {sizes.trials}-trial median best ({fmt_loss(level)}) "
            f"within {BAYES_WITHIN} trials",
            f"trial {tpe_reach}" if tpe_reach else f"not within {sizes.trials}",
            met,
            ""
            if met
            else (
                f"TPE's median best after {BAYES_WITHIN} trials is {fmt_loss(at)} ({at / level - 1:+.1%}); "
                "its first 10 trials are random draws (Optuna's n_startup_trials)"
            ),
        )
    )
    add_pruning(section, dataset, searches, medians)
    path = ctx.images / f"efficiency-{dataset.replace(' ', '-')}.png"
    plot_dataset(
        path, dataset, searches, (RANDOM.label, TPE.label, GP.label), (TPE.label, PRUNED.label), level
    )
    section.images.append(ctx.image_link(path))


def add_pruning(section: Section, dataset: str, searches: Searches, medians: dict[str, np.ndarray]) -> None:
    epochs = {
        label: median([sum(e for _, _, e in trials) for trials in searches[label]])
        for label in (TPE.label, PRUNED.label)
    }
    pruned = median([sum(state == "pruned" for state, _, _ in trials) for trials in searches[PRUNED.label]])
    saved = 1 - epochs[PRUNED.label] / epochs[TPE.label]
    gap = float(medians[PRUNED.label][-1] / medians[TPE.label][-1] - 1)
    section.tables.append(
        Table(
            f"{dataset}: pruning (medians over seeds)",
            ("search", "epochs trained", "trials pruned", "best validation MSE"),
            [
                (TPE.label, f"{epochs[TPE.label]:,.0f}", "0", fmt_loss(medians[TPE.label][-1])),
                (
                    PRUNED.label,
                    f"{epochs[PRUNED.label]:,.0f}",
                    f"{pruned:g}",
                    fmt_loss(medians[PRUNED.label][-1]),
                ),
            ],
        )
    )
    met = saved >= PRUNING_SAVES and gap <= PRUNING_LOSS
    section.targets.append(
        Target(
            f"{dataset}: pruning saves ≥ {PRUNING_SAVES:.0%} of epochs, best loss within {PRUNING_LOSS:.0%}",
            f"saves {saved:.0%}, best loss {gap:+.1%}",
            met,
            ""
            if met
            else (
                f"{pruned:g} of {len(searches[PRUNED.label][0])} trials pruned; the median pruner spares "
                f"the first {MEDIAN_STARTUP_TRIALS} trials and every trial's first "
                f"{MEDIAN_WARMUP_SHARE:.0%} of epochs"
            ),
        )
    )
