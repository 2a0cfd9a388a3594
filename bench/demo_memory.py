"""``python -m bench.demo_memory``: the demo's whole memory with every cap reached at once.

A public deployment (Streamlit Community Cloud gives an app roughly 0.7–2.7 GB) must stay
inside 2.5 GB however visitors use it, so this starts the real app in demo mode and fills
every cap: as many runs as the demo allows at once, each from another visitor, each at
the largest size the caps allow — a CSV upload at the row, column and byte caps, the
widest and deepest model, every model of a trial (folds × repeats) at its cap, full-batch
training (the largest activations), the most epochs and trials, the most workers. A
browser session watches each run's Monitor, so the server draws live charts meanwhile.
The summed PSS of the server and every worker is sampled every 0.5 s; PSS splits the
pages that processes share (torch's libraries, mapped by every worker) among them, so
the sum is what the machine really holds. Summed RSS, which counts shared pages once
per process, is reported beside it as an upper bound.

Usage: ``python -m bench.demo_memory [--seconds 150] [--epochs N] [--viewers 3]``; it prints a
markdown table for docs/deploy.md and writes raw samples to bench/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.common import ROOT, Table, load_average, machine
from bench.live_app import App, Sampler, mib, running_app, stop_workers, worker_pids
from tuning.definition.spec import RunSpec
from tuning.demo import DEMO_ENV, DemoLimits, NotAllowed
from tuning.launcher import launch
from tuning.models.mlp import HYPERPARAMETERS
from tuning.reading.trials import list_run_names
from tuning.storage.runs import load_run, request_stop
from tuning.views.summary import summarize

if TYPE_CHECKING:
    from playwright.sync_api import Page

BUDGET_BYTES = 2_500_000_000  # the 2.5 GB for the whole app
EXCEPTION = '[data-testid="stException"]'
RESULTS = ROOT / "bench" / "results" / "demo-memory.json"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def largest_csv(limits: DemoLimits, seed: int = 0) -> str:
    """A numeric CSV at the column and row caps and near the byte cap (rows cut if over it)."""
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(limits.max_columns - 1)] + ["target"]
    digits = max(1, limits.max_upload_bytes // (limits.max_rows * len(names)) - 1)  # and a comma
    values = rng.integers(0, 10**digits, size=(limits.max_rows, len(names)))
    lines = [",".join(names)] + [",".join(map(str, row)) for row in values]
    while len("\n".join(lines).encode()) + 1 > limits.max_upload_bytes:
        lines.pop()
    return "\n".join(lines) + "\n"


def largest_spec(limits: DemoLimits, epochs: int | None = None) -> RunSpec:
    """The most memory one run may ask for under ``limits`` (a CSV dataset of them).

    GP search is the hungriest sampler (about 60 MiB more per worker than random or TPE
    search once it models the trials). Epochs cost time, not memory: fewer of them let the
    runs reach their end, and every step of a run's life, within the measurement.
    """
    folds = limits.max_models_per_trial
    return RunSpec.from_dict(
        {
            "dataset": {"name": "csv", "target": "target", "filename": "largest.csv"},
            "strategy": "gp",
            "budget": {"n_trials": limits.max_trials},
            "workers": limits.max_workers,
            "cv_folds": folds if folds >= 2 else 0,
            "repeats": 1 if folds >= 2 else limits.max_models_per_trial,
            "space": {
                "hidden_size": limits.max_hidden_size,
                "n_layers": int(HYPERPARAMETERS["n_layers"].domain.high or 1),
                "batch_size": int(
                    HYPERPARAMETERS["batch_size"].domain.high or 1
                ),  # over the rows: one full batch per epoch
                "optimizer": "adam",  # two state tensors per weight
                "epochs": epochs or limits.max_epochs,
                "lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True},
            },
        }
    )


@contextlib.contextmanager
def viewers(url: str, paths: list[str]) -> Iterator[list[Page]]:
    """One headless browser session per path, kept open while the context lasts."""
    if not paths or not Path(CHROMIUM).exists():
        yield []
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            pages = []
            for path in paths:
                page = browser.new_context().new_page()
                page.set_default_timeout(60_000)
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                page.wait_for_selector('[data-testid="stApp"]')
                pages.append(page)
            yield pages
        finally:
            browser.close()


def wait_for_runs(app: App, names: list[str], seconds: float) -> dict[str, str]:
    """Sleep until every run has ended or ``seconds`` have passed; returns each run's state."""
    deadline = time.monotonic() + seconds
    while True:
        states = {name: summarize(load_run(name, app.storage)).state for name in names}
        if time.monotonic() >= deadline or not any(s.active for s in states.values()):
            return states
        time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))


def fill_every_cap(app: App, limits: DemoLimits, epochs: int | None) -> tuple[list[str], str]:
    """Launch the most runs the demo allows, each by another visitor; then check one more is refused."""
    spec, csv_text = largest_spec(limits, epochs), largest_csv(limits)
    names = []
    for index in range(limits.max_active_runs):
        run = launch(spec, f"demo-memory-{index}", app.storage, csv_text, owner=f"visitor-{index}")
        names.append(run.name)
    try:
        launch(spec, "one-too-many", app.storage, csv_text, owner="visitor-late")
        refused = "not refused"
    except NotAllowed as error:
        refused = str(error)
    return names, refused


def measure(seconds: float, n_viewers: int, interval_s: float, epochs: int | None) -> dict:
    """Fill every cap, watch for ``seconds`` (or until the runs end), return peaks and samples."""
    os.environ[DEMO_ENV] = "1"  # launch() here enforces the same caps as the server
    limits = DemoLimits.from_env()
    assert limits is not None
    with tempfile.TemporaryDirectory(prefix="sweetspot-demo-memory-") as folder:
        data = Path(folder) / "data"
        os.environ["TUNING_DATA_DIR"] = str(data)  # the workers' weights and logs
        os.environ.pop("TUNING_STORAGE", None)
        with running_app(data, {DEMO_ENV: "1"}) as app:
            try:
                sampler = Sampler(
                    {"server": lambda: [app.process.pid], "workers": lambda: worker_pids(data)}, interval_s
                )
                with sampler:
                    idle_server = sampler.sample().groups["server"]
                    started = time.monotonic()
                    names, refused = fill_every_cap(app, limits, epochs)
                    paths = [f"monitor?run={names[i % len(names)]}" for i in range(n_viewers)]
                    with viewers(app.url, paths) as pages:
                        states = wait_for_runs(app, names, seconds)
                        errors = sum(page.locator(EXCEPTION).count() for page in pages)
                    elapsed = time.monotonic() - started
                trials = {name: summarize(load_run(name, app.storage)).n_complete for name in names}
                for name in list_run_names(app.storage):
                    request_stop(load_run(name, app.storage))
            finally:
                stop_workers(data)
    samples = sampler.samples
    return {
        "limits": asdict(limits),
        "spec": largest_spec(limits, epochs).to_dict(),
        "csv_bytes": len(largest_csv(limits).encode()),
        "seconds": elapsed,
        "interval_s": interval_s,
        "viewers": len(paths) if pages else 0,
        "page_errors": errors,
        "fourth_launch": refused,
        "completed_trials": trials,
        "states": states,
        "idle_server_rss": idle_server.rss,
        "peak": {
            kind: {
                "all": sampler.peak(kind),
                "server": sampler.peak(kind, "server"),
                "workers": sampler.peak(kind, "workers"),
            }
            for kind in ("pss", "rss")
        },
        "most_workers": max((s.counts["workers"] for s in samples), default=0),
        "server_cpu_percent_median": float(np.median(sampler.cpu_percent("server") or [0])),
        "samples": [
            {
                "t": round(s.at - samples[0].at, 2),
                **{f"{g}_{k}": getattr(u, k) for g, u in s.groups.items() for k in ("rss", "pss")},
            }
            for s in samples
        ],
        "machine": machine(),
        "load_before": load_average(),
    }


def report(result: dict) -> str:
    peak = result["peak"]
    verdict = "inside" if peak["pss"]["all"] <= BUDGET_BYTES else "**over**"
    rows = [
        ("server + workers", mib(peak["pss"]["all"]), mib(peak["rss"]["all"])),
        ("Streamlit server", mib(peak["pss"]["server"]), mib(peak["rss"]["server"])),
        (f"workers ({result['most_workers']})", mib(peak["pss"]["workers"]), mib(peak["rss"]["workers"])),
    ]
    spec = result["spec"]
    limits = result["limits"]
    lines = [
        Table(
            "Peak memory with every demo cap reached at once", ("processes", "peak PSS", "peak RSS"), rows
        ).markdown(),
        "",
        f"- Peak {peak['pss']['all'] / 1e9:.2f} GB (PSS): {verdict} the 2.5 GB budget.",
        f"- {len(result['completed_trials'])} runs at once, one worker each, each by another visitor; "
        f'a further launch was refused: "{result["fourth_launch"]}".',
        f"- Each run: a {result['csv_bytes']:,}-byte CSV ({limits['max_columns']} columns, up to "
        f"{limits['max_rows']:,} rows), {spec['cv_folds'] or 1} fold(s) × {spec['repeats']} repeat(s), "
        f"{spec['space']['n_layers']} layers of {spec['space']['hidden_size']}, full-batch, "
        f"{spec['space']['epochs']} epochs, {spec['budget']['n_trials']} trials of "
        f"{spec['strategy']} search.",
        f"- {result['viewers']} browser sessions on the Monitor ({result['page_errors']} errors shown); "
        f"sampled every {result['interval_s']:g} s for {result['seconds']:.0f} s from the first launch; "
        f"trials completed: {sum(result['completed_trials'].values())}; states at the end: "
        f"{', '.join(sorted(set(result['states'].values())))}.",
        f"- Idle server before the launches: {mib(result['idle_server_rss'])} RSS; server CPU median "
        f"{result['server_cpu_percent_median']:.0f}% of one core.",
        f"- Machine: {result['machine']['cpu']}; {result['machine']['packages']}; load before: "
        f"{result['load_before']}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.demo_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=150, help="sample until every run ended or this long has passed"
    )
    parser.add_argument(
        "--epochs", type=int, help="epochs per trial (default: the cap); fewer let the runs finish sooner"
    )
    parser.add_argument("--viewers", type=int, default=3, help="browser sessions watching the Monitor")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the raw samples go (JSON)")
    args = parser.parse_args(argv)
    result = measure(args.seconds, args.viewers, args.interval, args.epochs)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=1))
    print(report(result))
    return 0 if result["peak"]["pss"]["all"] <= BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
