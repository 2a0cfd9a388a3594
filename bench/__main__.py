"""``python -m bench``: run the benchmarks and write their report.

A full run writes ``docs/benchmarks.md`` and its plots in ``docs/images/``; ``--quick``
(what CI runs, so the benchmarks never rot) uses tiny sizes and writes under
``bench/results/`` unless ``--out`` says where. Raw numbers go to ``bench/results/``.
Set ``TUNING_BENCH_PG_URL`` to a PostgreSQL server's URL to measure the dashboard on it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bench import (
    baselines,
    big_runs,
    browser,
    dashboard,
    efficiency,
    models,
    overhead,
    parallel,
    population,
    predict,
    speedup,
)
from bench.common import ROOT, Context, Section, Table, load_average, machine

BENCHMARKS: dict[str, Callable[[Context], Section]] = {
    "overhead": overhead.run,
    "parallel": parallel.run,
    "efficiency": efficiency.run,
    "dashboard": dashboard.run,
    "population": population.run,
    "speedup": speedup.run,
    "browser": browser.run,
    "big_runs": big_runs.run,
    "baselines": baselines.run,
    "predict": predict.run,
    "models": models.run,
}
FULL_REPORT = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"
PG_ENV = "TUNING_BENCH_PG_URL"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, under a minute; for CI")
    parser.add_argument(
        "--only", action="append", choices=list(BENCHMARKS), help="run only this one (repeatable)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help=f"the report (default: {FULL_REPORT.relative_to(ROOT)} for a full run of all, "
        f"else {(RESULTS / 'benchmarks.md').relative_to(ROOT)}); plots go to images/ beside it",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the raw numbers (JSON)")
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="cpu",
        help="where the population benchmark trains (auto: cuda when available); default cpu",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = args.only or list(BENCHMARKS)
    partial = args.quick or names != list(BENCHMARKS)
    out = (args.out or (RESULTS / "benchmarks.md" if partial else FULL_REPORT)).resolve()
    if partial and out == FULL_REPORT:
        print(
            f"error: a quick or partial run must not replace {FULL_REPORT}; pick another --out",
            file=sys.stderr,
        )
        return 2
    args.results.mkdir(parents=True, exist_ok=True)
    about = machine()  # before the run, which rewrites docs/images/ and would mark the tree dirty
    with tempfile.TemporaryDirectory(prefix="sweetspot-bench-") as workdir:
        os.environ["TUNING_DATA_DIR"] = workdir  # workers' weights and logs; inherited by every process
        os.environ.pop("TUNING_STORAGE", None)
        images, pg_url = out.parent / "images", os.environ.get(PG_ENV)
        ctx = Context(args.quick, Path(workdir), images, out.parent, pg_url, device(args.device))
        sections = [run_one(name, ctx, args.results) for name in names]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(sections, args.quick, about))
    print(f"[bench] wrote {out}")
    for section in sections:
        for target in section.targets:
            print(f"[bench] {target.verdict:>12}: {target.claim}: {target.measured}")
    return 0


def device(choice: str) -> str:
    """The device a run trains on: "auto" picks CUDA when this machine has it."""
    if choice == "auto":
        import torch  # only here: the other benchmarks' processes need not load it

        return "cuda" if torch.cuda.is_available() else "cpu"
    return choice


def run_one(name: str, ctx: Context, results: Path) -> Section:
    print(f"[bench] {name} …", flush=True)
    load = load_average()
    started = time.perf_counter()
    section = BENCHMARKS[name](ctx)
    seconds = time.perf_counter() - started
    if ctx.quick:
        section.targets = [
            replace(t, met=None, why="quick mode: too small to judge") for t in section.targets
        ]
    section.notes.append(f"This benchmark ran for {seconds:.0f} s; load average before it: {load}.")
    (results / f"{name}{'-quick' if ctx.quick else ''}.json").write_text(
        json.dumps({"seconds": seconds, "load_before": load, **section.raw}, indent=1, default=str)
    )
    print(f"[bench] {name} done in {seconds:.0f} s", flush=True)
    return section


def render(sections: list[Section], quick: bool, about: dict[str, str]) -> str:
    summary = [
        (section.title.split(":")[0], target.claim, target.measured, target.verdict)
        for section in sections
        for target in section.targets
    ]
    parts = [
        "# Benchmarks",
        "",
        "Written by `python -m bench`"
        + (
            " --quick: tiny sizes that only prove the benchmarks run; the numbers mean nothing."
            if quick
            else "."
        )
        + " Each comparison ran its sides in alternating rounds on the same machine; tables show medians.",
        "",
        Table("Machine", ("", ""), [(key, value) for key, value in about.items()]).markdown(),
        "",
        Table("Targets", ("benchmark", "target", "measured", "verdict"), summary).markdown(),
        "",
        *(section.markdown() for section in sections),
        "## Running them",
        "",
        "`python -m bench` runs all eleven (about two hours on 2 cores) and rewrites this file and "
        "`docs/images/`; `python -m bench --quick --out /tmp/bench.md` checks they still run (under a "
        "minute); `--only NAME` runs one; `--device cuda` (or `auto`) trains the population benchmark on a "
        "GPU. Raw numbers land in `bench/results/`. With "
        f"`{PG_ENV}=postgresql+psycopg2://user@host:port` the dashboard benchmark also measures PostgreSQL "
        "(it creates and drops its own databases there; about 20 minutes more, most of it spent writing "
        "the 10,000-trial run through Optuna's RDB storage; benchmark 7b writes its two 100,000-trial runs "
        "in bulk, in minutes). Benchmark 7b alone: `python -m bench --only big_runs` (its two 100,000-trial "
        "runs take 5-10 minutes to write to a journal; optuna-dashboard needs about a minute a round).",
        "",
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
