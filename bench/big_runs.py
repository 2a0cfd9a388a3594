"""Benchmark 7b, runs of 100,000 trials in the browser: the journal and PostgreSQL, beside optuna-dashboard.

Benchmark 7 at ten times its size (issue 24). Two runs of 100,000 trials each
(``tests/fake_runs.py``'s shape: complete, pruned, failed and running trials, 30 epochs of
curve) are stored in one journal file and, with ``TUNING_BENCH_PG_URL``, in one
PostgreSQL database (``bench/pg_runs.py``, in bulk). Each round opens a fresh browser
context and times navigation until everything is drawn (benchmark 7's criterion):

- the Monitor of one run: once on a server started with no cache beside the journal (the
  first open ever), cold (a freshly started server, its cache in place) and warm;
- Compare of the two runs, warm;
- optuna-dashboard on the same journal file, cold and warm (fewer rounds: each takes a minute).

The server time of a refresh is the Monitor's own "Updated … in X s" on its warm rounds:
one full draw of the live panel (reads, summary, chart data, figures).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench import browser
from bench.browser import COMPARE_KEYS, MONITOR_KEYS, Measured, chromium, open_sweetspot
from bench.common import PYTHON, Context, Section, Table, Target, fmt_s, median, run_process
from bench.dashboard import scratch_database
from bench.live_app import running_app

SIZE = 100_000
NAMES = ("big-run", "big-run-2")
TARGETS = (("Monitor", "cold", 3.0), ("Monitor", "warm", 2.0), ("Compare", "warm", 2.0))
REFRESH_TARGET_S = 0.5
BUILD_JOURNAL = """
from tests.fake_runs import make_run
size = {size}
for seed, name in enumerate({names!r}):
    make_run({url!r}, name, size - size // 10 - size // 100 - 2, n_pruned=size // 10,
             n_failed=size // 100, n_running=2, finished=False, seed=seed)
"""
BUILD_PG = """
from bench.pg_runs import make_pg_run
size = {size}
for name in {names!r}:
    make_pg_run({url!r}, name, (size - size // 10 - size // 100 - 2, size // 100, size // 10, 2))
"""


def run(ctx: Context) -> Section:
    size, warm, cold = (300, 1, 0) if ctx.quick else (SIZE, 5, 3)
    section = Section(
        key="big_runs",
        title=f"7b. Runs of {size:,} trials in the browser: the journal and PostgreSQL",
        what=(
            f"Benchmark 7 at {size:,} trials: two such runs (complete, pruned, failed, running; 30 epochs "
            "of curve each) in one journal file and, when a server is given, in one PostgreSQL database. A "
            "fresh browser context each round, timed from navigation until everything is drawn: the "
            "Monitor of one run (first open: a new server and no cache beside the journal; cold: a new "
            "server; warm), Compare of the two (warm), and optuna-dashboard on the same journal. Medians "
            f"of {warm} warm and {cold} cold rounds (optuna-dashboard: 2 and 1). Server time: the "
            "Monitor's own 'Updated … in X s', one full draw of its live panel."
        ),
    )
    if not Path(browser.CHROMIUM).exists():
        section.notes.append(f"Not measured: needs Chromium at {browser.CHROMIUM}.")
        return section
    journal = ctx.workdir / "big-runs"
    build(BUILD_JOURNAL, journal, size, f"journal://{journal / 'runs.journal'}")
    measured = Measured()
    with chromium() as chrome:
        measure_storage(chrome, "journal", journal, {}, (warm, cold), measured)
        if not ctx.quick:  # a minute a round at full size
            complete = size - size // 10 - size // 100 - 2
            browser.measure_dashboard(chrome, journal, complete, 2, 1, measured)
        if ctx.pg_url:
            with scratch_database(ctx.pg_url, "sweetspot_big_runs") as url:
                build(BUILD_PG, ctx.workdir / "big-runs-pg", size, url)
                env = {"TUNING_STORAGE": url}
                measure_storage(
                    chrome, "PostgreSQL", ctx.workdir / "big-runs-pg", env, (warm, cold), measured
                )
        else:
            section.notes.append("PostgreSQL: not measured; give a server's URL in TUNING_BENCH_PG_URL.")
    report(section, measured, size)
    return section


def build(script: str, data: Path, size: int, url: str) -> None:
    """The two runs, written by another process (as workers would)."""
    data.mkdir(parents=True, exist_ok=True)
    run_process([PYTHON, "-c", script.format(size=size, names=NAMES, url=url)], 7200)


def measure_storage(
    chrome: object, kind: str, data: Path, env: dict[str, str], rounds: tuple[int, int], measured: Measured
) -> None:
    """First open, cold and warm Monitor, and warm Compare, of one storage's runs."""
    warm, cold = rounds
    monitor = f"monitor?run={NAMES[0]}"
    for cache in data.glob("*.sweetspot-cache"):
        cache.unlink()  # the first open ever: nothing saved beside the journal
    shutil.rmtree(data / "cache", ignore_errors=True)
    with running_app(data, env) as app:  # the first open ever warms this server for the warm rounds
        measured.add(
            f"{kind} Monitor first open", open_sweetspot(chrome, f"{app.url}/{monitor}", MONITOR_KEYS)
        )
        for _ in range(warm):
            measured.add(f"{kind} Monitor warm", open_sweetspot(chrome, f"{app.url}/{monitor}", MONITOR_KEYS))
        compare = f"{app.url}/compare?run={NAMES[0]}"  # and the other run, on the same data
        open_sweetspot(chrome, compare, COMPARE_KEYS, monitor=False)  # Compare's first visit: not timed
        for _ in range(warm):
            measured.add(f"{kind} Compare warm", open_sweetspot(chrome, compare, COMPARE_KEYS, monitor=False))
    for _ in range(cold):  # a new server each round, with the cache the first open left
        with running_app(data, env) as app:
            measured.add(f"{kind} Monitor cold", open_sweetspot(chrome, f"{app.url}/{monitor}", MONITOR_KEYS))


def report(section: Section, measured: Measured, size: int) -> None:
    rows = [
        (
            case,
            fmt_s(median([o.seconds for o in opened])),
            f"{median([o.received for o in opened]) / 2**20:.2f} MiB",
            fmt_s(median(servers))
            if (servers := [o.server_s for o in opened if o.server_s is not None])
            else "–",
            " · ".join(fmt_s(o.seconds) for o in opened),
        )
        for case, opened in measured.rounds.items()
    ]
    columns = ("case", "drawn after", "received", "server time", "rounds")
    section.tables.append(Table("Navigation to everything drawn (medians)", columns, rows))
    section.raw["rounds"] = {case: [vars(o) for o in opened] for case, opened in measured.rounds.items()}
    for kind in ("journal", "PostgreSQL"):
        targets(section, measured, kind, size)


def targets(section: Section, measured: Measured, kind: str, size: int) -> None:
    """Issue 24's bounds for one storage, each beside optuna-dashboard's figure where there is one."""
    if f"{kind} Monitor warm" not in measured.rounds:
        return
    theirs = {
        server: fmt_s(median([o.seconds for o in opened]))
        for server in ("cold", "warm")
        if (opened := measured.rounds.get(f"optuna-dashboard {server}"))
    }
    for page, server, bound in TARGETS:
        opened = measured.rounds.get(f"{kind} {page} {server}", [])
        runs = "run" if page == "Monitor" else "runs ×2"
        claim = f"{kind}: {page} of {SIZE:,}-trial {runs} fully drawn ≤ {bound:g} s ({server} server)"
        if not opened or size < SIZE:
            section.targets.append(Target(claim, "–", None, "quick mode runs small runs"))
            continue
        seconds = median([o.seconds for o in opened])
        where = "same file" if kind == "journal" else "the journal's copy"
        beside = f"optuna-dashboard, {where} ({server}): {theirs[server]}" if server in theirs else ""
        section.targets.append(Target(claim, fmt_s(seconds), seconds <= bound, beside))
    servers = [o.server_s for o in measured.rounds[f"{kind} Monitor warm"] if o.server_s is not None]
    claim = f"{kind}: a live refresh of a {SIZE:,}-trial run ≤ {REFRESH_TARGET_S:g} s of server time"
    if not servers or size < SIZE:
        section.targets.append(Target(claim, "–", None, "quick mode runs small runs"))
        return
    refresh = median(servers)
    section.targets.append(Target(claim, fmt_s(refresh), refresh <= REFRESH_TARGET_S))
