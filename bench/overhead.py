"""Benchmark 1, overhead: the article's grid as its plain script against the same grid in ``tuning``.

Both sides train the same 24 configurations for 50 epochs on two of the four houses
(1,800 optimizer steps). The engine also standardizes the data, shuffles each epoch,
validates on a third house every epoch, writes each trial's parameters, learning curve
and result to the storage, keeps a heartbeat, and finally tests the winner on the fourth house and
saves its weights. The question is what all that costs beside the training itself.

Two views: whole processes (what a person waits for, start-up included), and the same
work inside one warm process, which isolates the per-trial cost from imports.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import runpy
import time
from collections.abc import Callable

from bench.common import (
    PYTHON,
    ROOT,
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
from tuning import RunSpec, create_run, load_run, summarize
from tuning.definition.presets import PRESETS

REFERENCE = ROOT / "bench" / "article_reference.py"
#: The article-grid preset with the article's amount of training: no cross-validation, and
#: 2 training houses (plus 1 to validate, 1 to test) as the article's 2 / 2 split has.
SPEC = RunSpec.from_dict(
    {**PRESETS["article-grid"], "cv_folds": 0, "val_fraction": 0.25, "test_fraction": 0.25}
)
TRIALS = len(SPEC.grid())
EPOCHS = int(SPEC.fixed_values()["epochs"])
TARGET_RATIO = 1.10


def run(ctx: Context) -> Section:
    process_rounds, warm_rounds = (1, 1) if ctx.quick else (5, 7)
    processes = whole_processes(ctx, process_rounds)
    warm = in_process(ctx, warm_rounds)
    return report(processes, warm, ctx.quick)


def whole_processes(ctx: Context, rounds: int) -> dict[str, list[Timing]]:
    """Wall and CPU time of each command, in alternating rounds."""
    names = (f"grid-{i}" for i in itertools.count())
    spec_file = ctx.workdir / "article-grid.json"
    spec_file.write_text(json.dumps(SPEC.to_dict()))

    def worker() -> Timing:
        name = next(names)
        create_run(SPEC, name, ctx.journal_url(name))
        argv = [PYTHON, "-m", "tuning", "worker", "--study", name, "--storage", ctx.journal_url(name)]
        return run_process(argv)

    def launch() -> Timing:
        name = next(names)
        url = ctx.journal_url(name)
        argv = [PYTHON, "-m", "tuning", "launch", "--spec", str(spec_file), "--name", name, "--storage", url]
        wall = run_process([*argv, "--wait"]).wall_s
        wait_for_workers(name, url)  # the next round must not share the cores with them
        return Timing(wall, math.nan)  # its worker is detached: its CPU time is not counted

    cases: dict[str, Callable[[], Timing]] = {
        "reference": lambda: run_process([PYTHON, str(REFERENCE)]),
        "worker": worker,
    }
    if not ctx.quick:
        cases["launch"] = launch
        cases["import torch"] = lambda: run_process([PYTHON, "-c", "import torch"])
        cases["import tuning.training.worker"] = lambda: run_process(
            [PYTHON, "-c", "import tuning.training.worker"]
        )
    return alternate(cases, rounds)


def wait_for_workers(name: str, url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while summarize(load_run(name, url)).workers_alive and time.monotonic() < deadline:
        time.sleep(0.05)


def in_process(ctx: Context, rounds: int) -> dict[str, list[float]]:
    """Seconds for the 24 configurations in one warm process (imports and first Adam paid).

    ``reference`` is the article's script body; ``training`` is the engine's training of
    the same configurations without any storage; ``engine`` is a whole run through a
    worker: create it, claim, suggest, train, store the curve, tell, finish.
    """
    import torch

    from tuning.training.objective import Objective
    from tuning.training.worker import Worker, WorkerOptions

    torch.set_num_threads(1)  # what a worker uses; the reference then runs alike
    objective = Objective(SPEC, None)
    names = (f"warm-{i}" for i in itertools.count())

    def reference() -> float:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            runpy.run_path(str(REFERENCE), run_name="__main__")
        return time.perf_counter() - started

    def training() -> float:
        started = time.perf_counter()
        for params in SPEC.grid():
            objective.retrain(params)
        return time.perf_counter() - started

    def engine() -> float:
        name = next(names)
        started = time.perf_counter()
        create_run(SPEC, name, ctx.journal_url(name))
        Worker(name, ctx.journal_url(name), WorkerOptions()).work()
        return time.perf_counter() - started

    cases = {"reference": reference, "training": training, "engine": engine}
    if not ctx.quick:
        alternate(cases, 1)  # warm-up: lazy imports, allocator, the journal code paths
    return alternate(cases, rounds)


PROCESS_LABELS = {
    "reference": "`python bench/article_reference.py` (the article)",
    "worker": "`python -m tuning worker` (run stored beforehand)",
    "launch": "`python -m tuning launch --spec … --wait`",
    "import torch": "`python -c 'import torch'`",
    "import tuning.training.worker": "`python -c 'import tuning.training.worker'`",
}


def report(processes: dict[str, list[Timing]], warm: dict[str, list[float]], quick: bool) -> Section:
    wall = {name: median([t.wall_s for t in runs]) for name, runs in processes.items()}
    cpu = {name: median([t.cpu_s for t in runs]) for name, runs in processes.items()}
    ratio = wall["worker"] / wall["reference"]
    process_rows = [
        (
            label,
            fmt_s(wall[name]),
            fmt_s(cpu[name]) if math.isfinite(cpu[name]) else "–",
            f"{wall[name] / wall['reference']:.2f}",
        )
        for name, label in PROCESS_LABELS.items()
        if name in processes
    ]
    ms = {name: median(values) / TRIALS * 1000 for name, values in warm.items()}
    ms["rest"] = ms["engine"] - ms["training"]
    labels = {
        "reference": "the article's loop (script body, imports already paid)",
        "training": "engine training alone: scaling, shuffling, validation every epoch",
        "engine": "engine run: one worker, embedded storage, start to finish",
        "rest": "… of which storage: the run, claims, parameters, curves, results, heartbeat, finishing",
    }
    warm_rows = [
        (label, f"{ms[name]:.1f}", f"{ms[name] * TRIALS / 1000:.2f}") for name, label in labels.items()
    ]
    overhead_ms = ms["engine"] - ms["reference"]
    why = (
        f"{overhead_ms:.0f} ms per trial beside {ms['reference']:.0f} ms of training: "
        f"{ms['training'] - ms['reference']:.0f} ms of validation and shuffling, {ms['rest']:.0f} ms of "
        "storage writes (each an fsync'd journal append)"
    )
    if "import tuning.training.worker" in wall:
        extra = wall["import tuning.training.worker"] - wall["import torch"]
        why += f"; a worker's imports take {fmt_s(extra)} more than torch's"
    met = ratio <= TARGET_RATIO
    return Section(
        key="overhead",
        title="1. Overhead: the article's script against the same grid in Sweetspot",
        what=(
            f"The article's grid ({TRIALS} configurations × {EPOCHS} epochs, 1,800 Adam steps on 2 houses) "
            "as its plain script, against the same configurations as a Sweetspot grid run "
            "(`cv_folds` 0, `val_fraction` and `test_fraction` 0.25: 2 houses to train, 1 to validate "
            "each epoch, 1 to test the winner) with one worker on the embedded journal storage. "
            f"Whole processes ran in alternating rounds ({len(processes['reference'])} each); the "
            f"in-process view ran {len(warm['reference'])} rounds in one process, after a warm-up round "
            "in a full run, both sides on one "
            "torch thread. The script picks its winner on the test houses and stores nothing; the "
            "engine validates every epoch, stores each trial's learning curve, and tests only the winner."
        ),
        tables=[
            Table("Whole processes (medians)", ("command", "wall", "CPU", "wall ratio"), process_rows),
            Table(
                f"Inside one warm process, {TRIALS} configurations (medians)",
                ("what", "ms per trial", "s in all"),
                warm_rows,
            ),
        ],
        targets=[
            Target(
                f"a worker process ≤ {TARGET_RATIO:.2f} × the article's script (wall)",
                f"{ratio:.2f} (CPU {cpu['worker'] / cpu['reference']:.2f})",
                met,
                "" if met else why,
            ),
        ],
        notes=[
            f"Per-trial overhead: {overhead_ms:.1f} ms beside {ms['reference']:.1f} ms of pure training "
            "per configuration in the article's loop.",
            "The article's script runs torch on its default threads, a worker on one (`--threads 1`). "
            "Both pay the same lazy import on their first `optim.Adam()`.",
            "`launch --wait` adds a second process, the launcher, polling the run 4 times a second; it is "
            "what a person types, while the worker alone does the script's job.",
            *(["Quick mode: one round each, no launch or import rows."] if quick else []),
        ],
        raw={
            "processes": {n: [vars(t) for t in runs] for n, runs in processes.items()},
            "in_process_s": warm,
        },
    )
