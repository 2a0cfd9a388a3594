"""How much of the browser's CPU each Analysis view costs to draw, Optuna's contour beside ours.

The Analysis page's contour took 8.6 s where its other views took 3.5 s. The server's part
was small (under 0.5 s for 300 trials); the browser's was not: Optuna's ``plot_contour``
leaves a grid of every distinct value mostly empty for plotly.js to fill (``connectgaps``),
which grows with the square of the trials. This draws each view's figure for a run of
``--trials`` trials (``tests/fake_runs.py``, the houses space) in headless Chromium with
the page's plotly.js bundle, ``--rounds`` times, and reports the median CPU time
plotly.js was busy per draw (Chrome's sampling profiler: idle time left out, so a loaded
machine inflates it less than wall time).

    python -m bench.contour_draw --trials 300 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from collections.abc import Callable
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BUNDLE = "pages/_shared/live_chart_frontend/vendor/plotly-cartesian.min.js"
DRAW = """async (f) => { const d = document.getElementById('g'); Plotly.purge(d);
  await Plotly.newPlot(d, f.data, f.layout); }"""


def figures(trials: int) -> dict[str, dict[str, Any]]:
    """The figures to draw, as the browser receives them, for a fresh run of ``trials``."""
    os.environ["TUNING_DATA_DIR"] = tempfile.mkdtemp(prefix="contour-bench-")
    from optuna import visualization

    from tests.fake_runs import make_run
    from tuning import load_run, preset_spec
    from tuning.views.analysis import VIEWS, analysis_trials, draw_view, sample_study

    url = f"journal://{os.environ['TUNING_DATA_DIR']}/runs.journal"
    make_run(url, "bench", trials, spec=preset_spec("houses"))
    run = load_run("bench", url)
    ranges = [name for name in analysis_trials(run).varying() if name in ("lr", "weight_decay")]
    study, _ = sample_study(run.study.get_trials(), VIEWS["contour"].max_trials)
    drawn = {
        "contour, Optuna's (lr × weight_decay)": visualization.plot_contour(study, params=ranges),
        "contour, ours (lr × weight_decay)": draw_view(run, "contour", ranges)[0],
        "slice": draw_view(run, "slice")[0],
        "edf": draw_view(run, "edf")[0],
    }
    return {name: json.loads(figure.to_json()) for name, figure in drawn.items()}


def busy_ms(profile: dict[str, Any]) -> float:
    """Milliseconds of samples in which the page ran something (not idle)."""
    nodes = {node["id"]: node["callFrame"]["functionName"] for node in profile["nodes"]}
    return sum(
        delta / 1000
        for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True)
        if nodes[sample] != "(idle)"
    )


def measure(figs: dict[str, dict[str, Any]], rounds: int) -> dict[str, list[float]]:
    """Each figure drawn ``rounds`` times, in alternating order; busy milliseconds per draw."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
    times: dict[str, list[float]] = {name: [] for name in figs}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page()
        page.set_content("<div id=g style='width:900px;height:500px'></div>")
        page.add_script_tag(path=BUNDLE)
        profiler = page.context.new_cdp_session(page)
        profiler.send("Profiler.enable")
        for index in range(rounds):
            order = list(figs) if index % 2 == 0 else list(reversed(figs))
            for name in order:
                profiler.send("Profiler.start")
                page.evaluate(DRAW, figs[name])
                times[name].append(busy_ms(profiler.send("Profiler.stop")["profile"]))
        browser.close()
    return times


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.contour_draw", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    times = measure(figures(args.trials), args.rounds)
    out(f"plotly.js busy time per draw, median of {args.rounds} ({args.trials} trials)")
    for name, values in times.items():
        out(f"  {name:40} {statistics.median(values):8,.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
