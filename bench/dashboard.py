"""Benchmark 4, dashboard speed: the server's time for one Monitor refresh and each Analysis view.

Runs of 100, 1,000 and 10,000 trials (and the same as a two-objective trade-off run, whose
Monitor also draws its front) (30 epochs of learning curve each, some pruned,
failed and running) are written straight into a storage by ``tests/fake_runs.py``, in
a separate process, so this process opens each storage cold as a fresh server would.
Each round first adds one finished trial (a refresh always has something new to read),
then times the engine's reads alone and a rerun of each page's whole script in one
Streamlit session (AppTest runs it in this process, as the server runs it for a browser
tab): the Monitor, and the Analysis page once per view (the new trial means each view is
computed again, not read from the page's cache). A live Monitor reruns only its panel
fragment, so its whole script is an upper bound.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import optuna
import sqlalchemy
from optuna.trial import TrialState, create_trial
from streamlit.testing.v1 import AppTest

from bench.common import PYTHON, ROOT, Context, Section, Table, Target, fmt_s, median, run_process
from tuning import VIEWS, open_storage
from tuning.reading.trials import read_run
from tuning.views.table_summary import summarize_table

MONITOR, ANALYSIS = ROOT / "pages" / "monitor.py", ROOT / "pages" / "analysis.py"
TARGET_S, TARGET_TRIALS = 0.5, 10_000
RUN = "dashboard-bench"
#: The same run as a trade-off of MSE against parameter count (the houses-tradeoff preset):
#: its Monitor also keeps and draws the front (issue 21's target: TRADEOFF_TARGET_S).
TRADEOFF_RUN, TRADEOFF_PRESET, TRADEOFF_PAGE, TRADEOFF_TARGET_S = (
    "dashboard-bench-tradeoff", "houses-tradeoff", "Monitor, two objectives", 0.3,
)  # fmt: skip
#: Each measured page: its script and its query parameters (the run is added unless given).
PAGES = {
    "Monitor": (MONITOR, {}),
    TRADEOFF_PAGE: (MONITOR, {"run": TRADEOFF_RUN}),
    **{f"Analysis: {view}": (ANALYSIS, {"view": view}) for view in VIEWS},
}
STORAGE_ENV = "TUNING_STORAGE"


@dataclass(frozen=True)
class Measured:
    """Seconds for one size on one storage: building it, the cold read, and warm refreshes."""

    trials: int
    build_s: float
    cold_read_s: float
    refresh_s: dict[str, list[float]]  # "engine reads" and each present page → one per round


def run(ctx: Context) -> Section:
    sizes, rounds = ((50,), 2) if ctx.quick else ((100, 1_000, TARGET_TRIALS), 5)
    section = Section(
        key="dashboard",
        title="4. Dashboard speed: one Monitor refresh and each Analysis view",
        what=(
            "Server time of one refresh for a run of each size: the engine's reads alone (load the run, "
            "read its trials, summarise) and a rerun of each page's whole script in one Streamlit session "
            "under AppTest (reads, chart data, Plotly figures, widgets; a live Monitor reruns only its "
            f"panel, a part of this), medians of {rounds} rounds; each round first adds one trial. The "
            "cold read is a fresh process's first read of the storage through the dashboard's reader (a "
            "journal is read whole once, then saved beside it; later reads read only new lines)."
        ),
    )
    kinds: dict[str, Callable[[int], contextlib.AbstractContextManager[str]]] = {
        "embedded": lambda size: contextlib.nullcontext(ctx.journal_url(f"dashboard-{size}"))
    }
    if ctx.pg_url:
        kinds["PostgreSQL"] = lambda size: scratch_database(ctx.pg_url or "", f"sweetspot_bench_{size}")
    else:
        section.notes.append(
            "PostgreSQL: not measured; give a server's URL in TUNING_BENCH_PG_URL "
            "(for example from `bash scripts/postgres.sh start`) to measure it."
        )
    missing = {path.relative_to(ROOT) for path, _ in PAGES.values() if not path.exists()}
    section.notes += [f"`{path}` does not exist yet: not measured." for path in sorted(missing)]
    for kind, make_storage in kinds.items():
        results = []
        for size in sizes:
            with make_storage(size) as url:
                results.append(measure(url, size, rounds))
        add_kind(section, kind, results, ctx.quick)
    return section


def measure(url: str, size: int, rounds: int) -> Measured:
    build_s = run_process(
        [PYTHON, "-c", BUILD.format(url=url, name=RUN, size=size, preset="houses")], 3600
    ).wall_s
    build = BUILD.format(url=url, name=TRADEOFF_RUN, size=size, preset=TRADEOFF_PRESET)
    run_process([PYTHON, "-c", build], 3600)
    cold_read_s = timed(lambda: engine_reads(url))
    refresh: dict[str, list[float]] = {"engine reads": []}
    with storage_env(url):
        # One session per page, rerun each round like a browser tab's refresh; the first
        # run pays the page's imports and AppTest's scan of installed components.
        apps = {page: session(path, query) for page, (path, query) in PAGES.items() if path.exists()}
        for page, app in apps.items():
            rerun(app)
            refresh[page] = []
        for _ in range(rounds):
            add_trial(url, RUN)
            add_trial(url, TRADEOFF_RUN)
            refresh["engine reads"].append(timed(lambda: engine_reads(url)))
            for page, app in apps.items():
                refresh[page].append(timed(lambda app=app: rerun(app)))
    return Measured(size, build_s, cold_read_s, refresh)


BUILD = """
from tests.fake_runs import make_run
from tuning import preset_spec
size = {size}
make_run({url!r}, {name!r}, size - size // 10 - size // 100 - 2, n_pruned=size // 10,
         n_failed=size // 100, n_running=2, finished=False, spec=preset_spec({preset!r}))
"""


def engine_reads(url: str) -> None:
    """What every refresh reads before drawing: the run, its trials, its summary, as the
    dashboard reads them (``tuning.reading``: a journal's replica, PostgreSQL's new trials)."""
    got = read_run(RUN, url)
    summarize_table(got.run, got.table, got.attrs)


def session(path: Path, query: dict[str, str]) -> AppTest:
    """A browser session on one page, showing the benchmark's run: app.py runs every page."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    rerun(app)
    app.switch_page(str(path.relative_to(ROOT)))
    for key, value in {"run": RUN, **query}.items():
        app.query_params[key] = value
    return app


def rerun(app: AppTest) -> None:
    app.run()
    if app.exception:
        raise RuntimeError(f"the page raised: {[e.message for e in app.exception]}")


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def add_trial(url: str, name: str) -> None:
    """One more finished trial, as a worker would store it between two refreshes."""
    study = optuna.load_study(study_name=name, storage=open_storage(url))
    model = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))[-1]
    study.add_trial(
        create_trial(
            state=TrialState.COMPLETE,
            values=model.values,
            params=model.params,
            distributions=model.distributions,
            user_attrs=model.user_attrs,
        )
    )


@contextlib.contextmanager
def storage_env(url: str) -> Iterator[None]:
    """Point the pages at ``url`` (they read ``$TUNING_STORAGE``), then put it back."""
    before = os.environ.get(STORAGE_ENV)
    os.environ[STORAGE_ENV] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(STORAGE_ENV)
        else:
            os.environ[STORAGE_ENV] = before


@contextlib.contextmanager
def scratch_database(server_url: str, database: str) -> Iterator[str]:
    """A new, empty database on the server for one run size, dropped afterwards."""
    server = sqlalchemy.make_url(server_url)
    admin = sqlalchemy.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{database}"'))
    try:
        yield server.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def add_kind(section: Section, kind: str, results: list[Measured], quick: bool) -> None:
    columns = list(results[0].refresh_s)
    rows = [
        (
            f"{m.trials:,}",
            fmt_s(m.build_s),
            fmt_s(m.cold_read_s),
            *(fmt_s(median(m.refresh_s[column])) for column in columns),
        )
        for m in results
    ]
    section.tables.append(
        Table(
            f"{kind} storage (medians)",
            ("trials", "build", "cold read", *(f"refresh: {c}" for c in columns)),
            rows,
        )
    )
    section.raw[kind] = [vars(m) for m in results]
    largest = results[-1]
    monitor = largest.refresh_s.get("Monitor")
    claim = f"{kind}: Monitor refresh ≤ {TARGET_S} s at {TARGET_TRIALS:,} trials"
    tradeoff_claim = (
        f"{kind}: Monitor refresh of a two-objective run ≤ {TRADEOFF_TARGET_S} s at {TARGET_TRIALS:,} trials"
    )
    if largest.trials < TARGET_TRIALS or monitor is None:
        why = "quick mode runs small runs" if quick else "the Monitor page does not exist yet"
        section.targets += [Target(claim, "–", None, why), Target(tradeoff_claim, "–", None, why)]
        return
    seconds = median(monitor)
    engine = median(largest.refresh_s["engine reads"])
    cause = "every refresh reads every trial again" if engine > seconds / 2 else "the rest is drawing"
    met = seconds <= TARGET_S
    why = "" if met else f"the engine's reads take {fmt_s(engine)} of it: {cause}"
    section.targets.append(Target(claim, fmt_s(seconds), met, why))
    tradeoff = median(largest.refresh_s[TRADEOFF_PAGE])
    section.targets.append(
        Target(
            tradeoff_claim,
            f"{fmt_s(tradeoff)} (one objective: {fmt_s(seconds)})",
            tradeoff <= TRADEOFF_TARGET_S,
            "" if tradeoff <= TRADEOFF_TARGET_S else "the whole Monitor script, front included",
        )
    )
    views = {page: median(times) for page, times in largest.refresh_s.items() if page.startswith("Analysis")}
    if views:
        slowest = max(views, key=views.__getitem__)
        section.targets.append(
            Target(
                f"{kind}: every Analysis view ≤ {TARGET_S} s at {TARGET_TRIALS:,} trials",
                f"slowest {fmt_s(views[slowest])} ({slowest.split(': ')[1]})",
                views[slowest] <= TARGET_S,
                "" if views[slowest] <= TARGET_S else "Optuna's computation of that view on its sample",
            )
        )
