"""Benchmark 8, your own model: the digits CNN trained by Sweetspot against the user's own loop.

The same module (``examples/digits_cnn.py``'s ``build``) on the same rows, both on one
torch thread. Per trial, inside one warm process: Sweetspot's loop (``training/custom.py``:
seeded batches, each epoch validated in eval mode and scored with the selection metric,
divergence checked) against ``bench/digits_reference.py``'s plain loop (validation
accuracy each epoch). Whole processes: ``python -m tuning launch --model … --wait`` (a grid
of the same configurations, one worker, the embedded journal) against the script training
them. A full run also times the example's defaults alone (``launch --model
examples/digits_cnn.py --wait``) and reads its test accuracy.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from bench import digits_reference
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
from bench.overhead import wait_for_workers
from tuning import CodeKind, RunSpec, load_run, summarize

MODEL = "examples/digits_cnn.py"
TARGET_RATIO = 1.10
FIXED = {"dropout": 0.1, "lr": 0.005, "batch_size": 32}


def configs(quick: bool) -> list[dict[str, Any]]:
    """The trials both sides train: the example's widths at its default epochs (one, quick)."""
    widths, epochs = ([8], 1) if quick else ([8, 16, 32], 10)
    return [{**FIXED, "channels": width, "epochs": epochs} for width in widths]


def run(ctx: Context) -> Section:
    trials = configs(ctx.quick)
    per_trial = in_process(ctx, trials, rounds=1 if ctx.quick else 5)
    # Quick mode keeps to the warm process: tests/test_cli_code.py runs launch --wait anyway.
    whole = {} if ctx.quick else whole_processes(ctx, trials, rounds=3)
    defaults = None if ctx.quick else default_run(ctx)
    return report(per_trial, whole, defaults, trials, ctx.quick)


def in_process(ctx: Context, trials: list[dict[str, Any]], rounds: int) -> dict[str, list[float]]:
    """Seconds per trial, each side training every configuration once per round."""
    import torch

    from tuning.training.custom import ModuleObjective

    torch.set_num_threads(1)
    spec = RunSpec.for_code(CodeKind.MODEL, MODEL).with_code_task()
    trainer = ModuleObjective(spec, None, ctx.device)
    trainer.ready()
    member = trainer.members[0]

    def timed(train: Callable[[dict[str, Any]], object]) -> Callable[[], float]:
        def case() -> float:
            started = time.perf_counter()
            for config in trials:
                train(config)
            return (time.perf_counter() - started) / len(trials)

        return case

    cases = {
        "sweetspot": timed(lambda config: trainer.train({**spec.fixed_values(), **config})),
        "plain loop": timed(
            lambda config: digits_reference.train(
                config, member.train_x, member.train_y, member.val_x, member.val_y
            )
        ),
    }
    if not ctx.quick:
        alternate(cases, 1)  # warm-up: the allocator, lazy imports, the first Adam
    return alternate(cases, rounds)


def whole_processes(ctx: Context, trials: list[dict[str, Any]], rounds: int) -> dict[str, list[Timing]]:
    """``launch --wait`` of a grid of the trials against the script training them."""
    names = (f"digits-{i}" for i in itertools.count())
    spec_file = ctx.workdir / "digits-grid.json"
    space = {
        **{k: v for k, v in trials[0].items() if k != "channels"},
        "channels": {"type": "choice", "values": [t["channels"] for t in trials]},
    }
    spec_file.write_text(json.dumps({"strategy": "grid", "space": space}))

    def launch() -> Timing:
        name = next(names)
        url = ctx.journal_url(name)
        argv = [PYTHON, "-m", "tuning", "launch", "--model", MODEL, "--spec", str(spec_file), "--name", name]
        wall = run_process([*argv, "--storage", url, "--wait"]).wall_s
        wait_for_workers(name, url)  # the next round must not share the cores with its worker
        return Timing(wall, float("nan"))

    script = [PYTHON, str(ROOT / "bench" / "digits_reference.py"), "--configs", json.dumps(trials)]
    return alternate({"launch --wait": launch, "script": lambda: run_process(script)}, rounds)


def default_run(ctx: Context) -> dict[str, float]:
    """The example as documented: ``launch --model examples/digits_cnn.py --wait``, its DEFAULTS."""
    url = ctx.journal_url("digits-defaults")
    argv = [PYTHON, "-m", "tuning", "launch", "--model", MODEL, "--name", "digits-defaults", "--storage", url]
    wall = run_process([*argv, "--wait"]).wall_s
    wait_for_workers("digits-defaults", url)
    summary = summarize(load_run("digits-defaults", url))
    return {"wall_s": wall, "accuracy": (summary.test_metrics or {}).get("accuracy") or float("nan")}


def report(
    per_trial: dict[str, list[float]],
    whole: dict[str, list[Timing]],
    defaults: dict[str, float] | None,
    trials: list[dict[str, Any]],
    quick: bool,
) -> Section:
    ours, plain = median(per_trial["sweetspot"]), median(per_trial["plain loop"])
    ratio = ours / plain
    wall = {name: median([t.wall_s for t in runs]) for name, runs in whole.items()}
    processes = [
        (f"`{name}`", fmt_s(seconds), f"{seconds / wall['script']:.2f}") for name, seconds in wall.items()
    ]
    targets = [
        Target(
            f"a trial in Sweetspot's loop ≤ {TARGET_RATIO:.2f} × the same module in a plain loop",
            f"{ratio:.2f} ({fmt_s(ours)} against {fmt_s(plain)})",
            ratio <= TARGET_RATIO,
            ""
            if ratio <= TARGET_RATIO
            else "scoring each epoch with the selection metric (log loss, in scikit-learn)",
        )
    ]
    if defaults is not None:
        targets.append(
            Target(
                "the example's defaults: about a minute on 2 cores, test accuracy ≥ 0.97",
                f"{fmt_s(defaults['wall_s'])}, accuracy {defaults['accuracy']:.4f}",
                defaults["wall_s"] <= 90 and defaults["accuracy"] >= 0.97,
            )
        )
    epochs, widths = trials[0]["epochs"], [t["channels"] for t in trials]
    return Section(
        key="models",
        title="10. Your own model: the digits CNN in Sweetspot against the same module in a plain loop",
        what=(
            f"`{MODEL}` with channels {widths}, {epochs} epoch(s), batch 32, Adam (lr 0.005), dropout "
            "0.1, on 1,077 training and 360 validation digits. Per trial: one warm process, one torch "
            f"thread, both sides in alternating rounds ({len(per_trial['sweetspot'])} each). Whole "
            "processes: `python -m tuning launch --model … --spec grid.json --wait` (one worker, embedded "
            "journal; it also tests the winner once and stores its weights) against `python "
            "bench/digits_reference.py`."
        ),
        tables=[
            Table(
                "Per trial (medians)",
                ("loop", "s per trial", "ratio"),
                [
                    ("Sweetspot (`training/custom.py`)", fmt_s(ours), f"{ratio:.2f}"),
                    ("plain PyTorch loop (`bench/digits_reference.py`)", fmt_s(plain), "1.00"),
                ],
            ),  # fmt: skip
            *(
                [Table("Whole processes, the same trials (medians)", ("command", "wall", "ratio"), processes)]
                if processes
                else []
            ),  # fmt: skip
        ],
        targets=targets,
        notes=[
            "`launch --wait` adds what the script does not do: describing the file in a process of its own, "
            "storing the run, a worker process (its imports), the winner's test and its weights.",
            *(["Quick mode: one trial of one epoch, one round, no whole processes."] if quick else []),
        ],
        raw={
            "per_trial_s": per_trial,
            "whole": {n: [vars(t) for t in runs] for n, runs in whole.items()},
            "defaults": defaults,
        },
    )
