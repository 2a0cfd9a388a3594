"""Benchmark 7, opening a big run in the browser: Sweetspot beside optuna-dashboard, in Chromium.

A run of 10,000 trials (``tests/fake_runs.py``: complete, pruned, failed and running
ones, 30 epochs of learning curve each) is written into a journal file; both servers read
that same file. Each round opens a fresh browser context (a new visitor, an empty cache)
and times from navigation until everything is drawn with its data:

- Sweetspot's Monitor: the progress counts, the best configuration, and all three charts
  with every trace holding its points (``.st-key-history`` … ``.js-plotly-plot``);
- optuna-dashboard's study page: its history chart holding a point for every complete trial.

"Cold" is the first navigation to a freshly started server (it reads the journal then);
"warm" is a navigation to a server that served the page before. Compare opens four such
runs from a second journal. Two floors under the Monitor: its three charts alone on a page
(``bench/charts_page.py``), the same criterion, and Streamlit drawing one heading alone
(``bench/empty_page.py``), cold and warm. Bytes are what the page
received over the network (HTTP bodies as sent, websocket frames); server time is the
Monitor's own "Updated … in X s".
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, Context, Section, Table, Target, fmt_s, median, run_process
from bench.live_app import free_port, running_app

TRIALS = 10_000
COMPARED = 4
TARGETS_S = {"Monitor warm": 2.0, "Monitor cold": 3.0, "Compare warm": 3.0}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
TIMEOUT_MS = 180_000
CHARTS_ALONE = "The Monitor's charts alone"  # the floor: bench/charts_page.py
EMPTY_PAGE = "An empty Streamlit page"  # the floor under every page: bench/empty_page.py
MONITOR_KEYS = ["history", "curves", "parallel"]  # the Monitor's charts
COMPARE_KEYS = ["race-trials", "race-time"]  # Compare's charts
UPDATED = re.compile(r"Updated \S+ in ([\d.]+) s")
BUILD = """
from tests.fake_runs import make_run
size = {size}
for name in {names!r}:
    make_run({url!r}, name, size - size // 10 - size // 100 - 2, n_pruned=size // 10,
             n_failed=size // 100, n_running=2, finished=False)
"""
# Everything drawn: each keyed chart's graph holds data in every trace (parcoords: lines).
# (Inside the chart's iframe, for Sweetspot before the charts moved into the page.)
CHARTS_DRAWN = """(keys) => keys.every(key => {
  const frame = document.querySelector('.st-key-' + key + ' iframe');
  const root = frame ? frame.contentDocument : document;
  const plot = root && root.querySelector((frame ? '' : '.st-key-' + key + ' ') + '.js-plotly-plot');
  return plot && plot._fullData && plot._fullData.length > 0 && plot._fullData.every(t => t._length > 0);
})"""
HEADING_DRAWN = "[...document.querySelectorAll('h3')].some(h => h.textContent.includes('Best configuration'))"
MONITOR_DRAWN = (
    "(keys) => (" + CHARTS_DRAWN + ")(keys)"
    " && !!document.querySelector('[data-testid=\"stProgress\"]')"
    " && " + HEADING_DRAWN
)
# optuna-dashboard: some Plotly graph holds at least one point per complete trial.
DASHBOARD_DRAWN = """(complete) => [...document.querySelectorAll('.js-plotly-plot')].some(plot =>
  plot._fullData && plot._fullData.reduce((n, t) => n + (t._length || 0), 0) >= complete)"""


# Where a Sweetspot page's time went, from the marks live_chart.js leaves (seconds after
# navigation): its first chart's data arrived, plotly.js was ready, its last chart was drawn.
PHASES = """() => {
  const charts = performance.getEntriesByType('measure').filter(m => m.name.startsWith('sweetspot:chart:'));
  const ready = performance.getEntriesByName('sweetspot:plotly-ready')[0];
  if (!charts.length) return null;
  return {
    'first data': Math.min(...charts.map(m => m.startTime)) / 1000,
    'plotly.js ready': ready ? ready.startTime / 1000 : null,
    'last chart drawn': Math.max(...charts.map(m => m.startTime + m.duration)) / 1000,
  };
}"""


@dataclass(frozen=True)
class Opened:
    """One navigation: seconds until all was drawn, bytes received, the server's own time,
    and for Sweetspot the phases of ``PHASES``."""

    seconds: float
    received: int
    server_s: float | None = None
    phases: dict[str, float | None] | None = None
    busy_s: float | None = None  # the page's main thread: tasks run (scripts, layout, drawing)


@dataclass
class Measured:
    """Every round of every case: case name → one ``Opened`` per round."""

    rounds: dict[str, list[Opened]] = field(default_factory=dict)

    def add(self, case: str, opened: Opened) -> None:
        self.rounds.setdefault(case, []).append(opened)
        size = f"{opened.received / 2**20:.2f} MiB"
        busy = fmt_s(opened.busy_s or 0)
        print(f"[bench]   {case}: drawn after {fmt_s(opened.seconds)} (busy {busy}), {size}", flush=True)


def run(ctx: Context) -> Section:
    # quick: one visit to a fresh server per page, no warm-up visits (the test suite runs it)
    size, warm_rounds, cold_rounds = (300, 0, 1) if ctx.quick else (TRIALS, 5, 3)
    section = Section(
        key="browser",
        title="7. Opening a big run in the browser: Sweetspot and optuna-dashboard",
        what=(
            f"Headless Chromium (software rendering, as in CI) opens a run of {size:,} trials (complete, "
            "pruned, failed, running; 30 epochs of curve each) on both servers, reading the same journal "
            "file, in a fresh browser context each round (a new visitor, empty cache), until everything is "
            "drawn with its data: Sweetspot's Monitor (counts, best configuration, all three charts) and "
            "optuna-dashboard's study page (its history chart with a point per complete trial). Cold: the "
            "first navigation to a freshly started server; warm: the server served the page before. "
            f"Compare opens {COMPARED} such runs from a second journal. Medians of {warm_rounds} warm and "
            f"{cold_rounds} cold rounds."
        ),
    )
    if not Path(CHROMIUM).exists() or shutil.which("optuna-dashboard", path=str(Path(PYTHON).parent)) is None:
        section.notes.append(
            f"Not measured: needs Chromium at {CHROMIUM} and optuna-dashboard (requirements-dev.txt)."
        )
        return section
    single, several = ctx.workdir / "browser-one", ctx.workdir / "browser-four"
    build(single, ["big-run"], size)
    build(several, [f"big-run-{i}" for i in range(1, COMPARED + 1)], size)
    complete = size - size // 10 - size // 100 - 2
    measured = Measured()
    with chromium() as browser:
        measure_monitor(browser, single, warm_rounds, cold_rounds, measured)
        measure_charts_alone(browser, single, warm_rounds, cold_rounds, measured)
        measure_empty_page(browser, single, warm_rounds, cold_rounds, measured)
        measure_dashboard(browser, single, complete, warm_rounds, cold_rounds, measured)
        measure_compare(browser, several, warm_rounds, measured)
    report(section, measured, size)
    return section


def build(data: Path, names: list[str], size: int) -> None:
    """The runs, written into ``data/runs.journal`` by another process (as workers would)."""
    data.mkdir(parents=True, exist_ok=True)
    url = f"journal://{data / 'runs.journal'}"
    run_process([PYTHON, "-c", BUILD.format(size=size, names=names, url=url)], 3600)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def measure_monitor(browser: Any, data: Path, warm: int, cold: int, measured: Measured) -> None:
    until = sweetspot_drawn(MONITOR_KEYS)
    measure_page(
        browser,
        data,
        "Sweetspot Monitor",
        ROOT / "app.py",
        "monitor?run=big-run",
        until,
        warm,
        cold,
        measured,
    )


def measure_charts_alone(browser: Any, data: Path, warm: int, cold: int, measured: Measured) -> None:
    """The floor under the Monitor: its three charts alone on a page (``bench/charts_page.py``)."""
    script, until = ROOT / "bench" / "charts_page.py", sweetspot_drawn(MONITOR_KEYS)
    measure_page(browser, data, CHARTS_ALONE, script, "?run=big-run", until, warm, cold, measured)


def measure_empty_page(browser: Any, data: Path, warm: int, cold: int, measured: Measured) -> None:
    """The floor under every page: Streamlit drawing one heading alone (``bench/empty_page.py``)."""

    def drawn(page: Any) -> None:
        page.wait_for_function("() => " + HEADING_DRAWN, timeout=TIMEOUT_MS, polling=50)

    measure_page(browser, data, EMPTY_PAGE, ROOT / "bench" / "empty_page.py", "", drawn, warm, cold, measured)


def measure_page(
    browser: Any,
    data: Path,
    case: str,
    script: Path,
    path: str,
    until: Callable[[Any], None],
    warm: int,
    cold: int,
    measured: Measured,
) -> None:
    """``case`` cold (each round on a freshly started server running ``script``) and warm
    (on one server that served the page before): a fresh context opens ``path`` and is
    timed until ``until(page)`` returns."""
    for _ in range(cold):
        with running_app(data, script=script) as app:
            measured.add(f"{case} cold", timed_visit(browser, f"{app.url}/{path}", until))
    if not warm:
        return
    with running_app(data, script=script) as app:
        timed_visit(browser, f"{app.url}/{path}", until)  # the server's first visit: not timed
        for _ in range(warm):
            measured.add(f"{case} warm", timed_visit(browser, f"{app.url}/{path}", until))


def measure_compare(browser: Any, data: Path, warm: int, measured: Measured) -> None:
    with running_app(data) as app:
        url = f"{app.url}/compare?run=big-run-1"  # and the other runs on the same data
        open_sweetspot(browser, url, COMPARE_KEYS, monitor=False)
        for _ in range(warm):
            measured.add("Sweetspot Compare warm", open_sweetspot(browser, url, COMPARE_KEYS, monitor=False))


def measure_dashboard(
    browser: Any, data: Path, complete: int, warm: int, cold: int, measured: Measured
) -> None:
    for _ in range(cold):
        with optuna_dashboard(data / "runs.journal") as url:
            measured.add("optuna-dashboard cold", open_dashboard(browser, url, complete))
    if not warm:
        return
    with optuna_dashboard(data / "runs.journal") as url:
        open_dashboard(browser, url, complete)
        for _ in range(warm):
            measured.add("optuna-dashboard warm", open_dashboard(browser, url, complete))


def open_sweetspot(browser: Any, url: str, keys: list[str], monitor: bool = True) -> Opened:
    return timed_visit(browser, url, sweetspot_drawn(keys, monitor))


def sweetspot_drawn(keys: list[str], monitor: bool = True) -> Callable[[Any], None]:
    """Waits until a Sweetspot page has drawn the charts keyed ``keys`` (and, for the
    Monitor, its counts and best configuration)."""

    def drawn(page: Any) -> None:
        page.wait_for_function(
            MONITOR_DRAWN if monitor else CHARTS_DRAWN, arg=keys, timeout=TIMEOUT_MS, polling=50
        )

    return drawn


def open_dashboard(browser: Any, url: str, complete: int) -> Opened:
    def drawn(page: Any) -> None:
        page.wait_for_function(DASHBOARD_DRAWN, arg=complete, timeout=TIMEOUT_MS, polling=50)

    return timed_visit(browser, f"{url}/dashboard/studies/0", drawn)


def timed_visit(browser: Any, url: str, until: Callable[[Any], None]) -> Opened:
    """Navigate a fresh context to ``url``; time until ``until(page)`` returns; count bytes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        received = ByteCounter(cdp)
        cdp.send("Performance.enable")
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        until(page)
        seconds = time.perf_counter() - started
        busy = main_thread_seconds(cdp)
        page.wait_for_timeout(300)  # frames still in flight when the last chart drew
        return Opened(seconds, received.total, server_seconds(page), page.evaluate(PHASES), busy)
    finally:
        context.close()


class ByteCounter:
    """Bytes a page received: HTTP bodies as sent (compressed) and websocket frames."""

    def __init__(self, cdp: Any) -> None:
        self.total = 0
        cdp.send("Network.enable")
        cdp.on("Network.loadingFinished", lambda event: self._add(event["encodedDataLength"]))
        cdp.on("Network.webSocketFrameReceived", lambda event: self._frame(event["response"]))

    def _add(self, size: float) -> None:
        self.total += int(size)

    def _frame(self, frame: dict[str, Any]) -> None:
        payload = frame.get("payloadData", "")
        self.total += len(payload) * 3 // 4 if frame.get("opcode") == 2 else len(payload.encode())


def main_thread_seconds(cdp: Any) -> float:
    """Seconds the page's main thread spent running tasks since navigation (Chrome's
    ``TaskDuration``): the browser's work, which other processes on a busy machine
    stretch in wall time but barely change."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return float(metrics.get("TaskDuration", 0.0))


def server_seconds(page: Any) -> float | None:
    """The Monitor's or Compare's own figure for its server time, when the page shows one."""
    with contextlib.suppress(Exception):
        found = UPDATED.search(page.inner_text("body", timeout=1_000))
        return float(found.group(1)) if found else None
    return None


@contextlib.contextmanager
def optuna_dashboard(journal: Path) -> Iterator[str]:
    """``optuna-dashboard JOURNAL`` on a free port until it answers; stopped on exit."""
    port = free_port()
    command = [
        str(Path(PYTHON).parent / "optuna-dashboard"),
        str(journal),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
    ]
    log = journal.with_name("optuna-dashboard.log")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "/api/meta", timeout=2):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("optuna-dashboard did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.25)


def report(section: Section, measured: Measured, size: int) -> None:
    rows = []
    for case, opened in measured.rounds.items():
        servers = [o.server_s for o in opened if o.server_s is not None]
        busy = [o.busy_s for o in opened if o.busy_s is not None]
        rows.append(
            (
                case,
                fmt_s(median([o.seconds for o in opened])),
                fmt_s(median(busy)) if busy else "–",
                f"{median([o.received for o in opened]) / 2**20:.2f} MiB",
                fmt_s(median(servers)) if servers else "–",
                " · ".join(fmt_s(o.seconds) for o in opened),
            )
        )
    section.tables.append(
        Table(
            "Navigation to everything drawn (medians)",
            ("case", "drawn after", "browser main thread busy", "received", "server time", "rounds"),
            rows,
        )
    )
    section.raw["rounds"] = {case: [vars(o) for o in opened] for case, opened in measured.rounds.items()}
    phases = phase_rows(measured)
    if phases:
        columns = ("case", "first chart's data", "plotly.js ready", "last chart drawn")
        title = "Where Sweetspot's time went: seconds after navigation (medians)"
        section.tables.append(Table(title, columns, phases))
    for case, target in TARGETS_S.items():
        opened = measured.rounds.get(f"Sweetspot {case}", [])
        page, server = case.split()
        runs = "run" if page == "Monitor" else f"runs ×{COMPARED}"
        claim = f"{page} of {TRIALS:,}-trial {runs} fully drawn ≤ {target:g} s ({server} server)"
        if not opened or size < TRIALS:
            section.targets.append(Target(claim, "–", None, "quick mode runs small runs"))
            continue
        seconds = median([o.seconds for o in opened])
        section.targets.append(Target(claim, fmt_s(seconds), seconds <= target, limits(measured, case)))


def limits(measured: Measured, case: str) -> str:
    """The phases of a Sweetspot case beside optuna-dashboard's time in the same state."""
    ours = dict((row[0], row[1:]) for row in phase_rows(measured)).get(f"Sweetspot {case}")
    theirs = measured.rounds.get(f"optuna-dashboard {case.split()[1]}")
    parts = []
    if ours:
        parts.append(
            f"first chart's data at {ours[0]}, plotly.js ready at {ours[1]}, last chart drawn at {ours[2]}"
        )
    if theirs:
        parts.append(f"optuna-dashboard, same machine: {fmt_s(median([o.seconds for o in theirs]))}")
    server = case.split()[1]
    floor = measured.rounds.get(f"{CHARTS_ALONE} {server}")
    if floor and case.startswith("Monitor"):
        alone = fmt_s(median([o.seconds for o in floor]))
        parts.append(f"its three charts alone on a bare page ({server}): {alone}")
    empty = measured.rounds.get(f"{EMPTY_PAGE} {server}")
    if empty:
        parts.append(f"an empty Streamlit page ({server}): {fmt_s(median([o.seconds for o in empty]))}")
    return "; ".join(parts)


def phase_rows(measured: Measured) -> list[tuple[str, ...]]:
    """Per Sweetspot case, the median of each phase over its rounds."""
    rows = []
    for case, opened in measured.rounds.items():
        timed = [o.phases for o in opened if o.phases]
        if not timed:
            continue
        names = ("first data", "plotly.js ready", "last chart drawn")
        values = [[p[n] for p in timed if p.get(n) is not None] for n in names]
        rows.append((case, *(fmt_s(median(v)) if v else "–" for v in values)))
    return rows
