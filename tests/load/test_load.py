"""Ten visitors watch one live run for a minute: every Monitor keeps refreshing, none errs.

A public demo is watched by many people at once, and every open Monitor reruns its panel
on the server every 2 s, on the same cores that train. Ten sessions watch a run that
lasts a minute (a 60 s time budget over more trials than fit in it). They are websocket
clients that speak the browser's protocol (``streamlit_client.py``): ten Chromium tabs,
or even one, would spend this machine's 2 cores on drawing charts, which visitors'
browsers do on their own machines, and starve the server being measured. Each session's
"Updated HH:MM:SS" caption must keep changing until the run ends, no session may show an
exception, and each must end on the run's "finished" badge; a real Chromium tab then
opens the finished run, to show the browser sees what the clients saw. The server's CPU
and memory are sampled meanwhile, printed, and written to test-artifacts/load-test.json.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.live_app import App, Sampler, mib, worker_pids
from tests.load.chromium_tab import in_chromium
from tests.load.streamlit_client import Sessions
from tuning import RunSpec, load_run, summarize
from tuning.demo import DEMO_ENV
from tuning.launcher import launch

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "load-test.json"
SESSIONS = 10
RUN_S = 60
# The longest a session may wait for a refresh while the run is live. Nominal is 2 s, and
# the median stays near it; but ten sessions keep the server's one core busy, and on this
# shared 2-core machine single waits reached 30 s. The bound catches a Monitor that stops.
MOST_GAP_S = 45
UPDATED = "Updated "
TOOK = re.compile(r"Updated \S+ in ([\d.]+) s")  # the server's own time for one refresh
FINISHED = "finished]"  # the end of the state badge's markdown, ":green-badge[… finished]"


def watched_spec() -> RunSpec:
    """A run within the demo's caps whose 60 s budget ends it, however quiet the machine.

    The demo allows 40 trials: at 2,000 rows a quiet machine trained all 40 in 53 s one at a
    time. At the 5,000 rows the demo allows each trial takes 2.5 times as long (about 3.5 s
    while ten sessions watch), so the time budget, not the trials, ends the run. Trained as
    populations, the 40 trials took 8 s: this run trains one at a time (``population: 1``),
    since what is measured here is the dashboard under a live run, not training speed.
    """
    return RunSpec.from_dict(
        {
            "dataset": {"name": "synthetic-houses", "rows": 5000, "seed": 0},
            "strategy": "random",
            "budget": {"n_trials": 40, "timeout_s": RUN_S},
            "population": 1,
            "space": {
                "hidden_size": {"type": "int", "low": 8, "high": 32},
                "lr": {"type": "float", "low": 1e-3, "high": 3e-2, "log": True},
                "batch_size": 32,
                "epochs": 100,
            },
        }
    )


def longest_gap(changes: list[float], ended: float) -> tuple[float, float]:
    """The longest wait between refreshes, from the first one to the run's end, and when it began."""
    if not changes:
        return float("inf"), 0.0
    return max(
        (later - earlier, earlier) for earlier, later in zip(changes, [*changes[1:], ended], strict=True)
    )


def test_ten_sessions_watch_one_run_for_a_minute(demo_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_ENV, "1")  # the launch below meets the server's caps
    monkeypatch.setenv("TUNING_DATA_DIR", str(demo_app.data))  # the worker's logs and weights: the server's
    sampler = Sampler(
        {"server": lambda: [demo_app.process.pid], "worker": lambda: worker_pids(demo_app.data)}
    )
    with sampler:
        run = launch(watched_spec(), "watched", demo_app.storage, owner="load-test")
        launched = time.monotonic()
        with Sessions(demo_app.url, "monitor", f"run={run.name}", SESSIONS) as sessions:
            while summarize(load_run(run.name, demo_app.storage)).active:
                assert time.monotonic() - launched < RUN_S + 60, "the run overran its budget by a minute"
                time.sleep(0.5)
            ended = time.monotonic()
            deadline = ended + 30
            while (
                not all(seen.any_text(FINISHED) for seen in sessions.records) and time.monotonic() < deadline
            ):
                time.sleep(0.5)
        records = sessions.records
    summary = summarize(load_run(run.name, demo_app.storage))

    changes = [seen.changes(UPDATED) for seen in records]
    intervals = [later - earlier for c in changes for earlier, later in zip(c, c[1:], strict=False)]
    took = [float(m[1]) for seen in records for _, text in seen.texts if (m := TOOK.match(text))]
    cpu = sampler.cpu_percent("server")
    figures = {
        "sessions": SESSIONS,
        "watched_s": round(ended - launched, 1),
        "trials_complete": summary.n_complete,
        "refreshes_per_session": [len(c) for c in changes],
        "refresh_interval_s_median": round(statistics.median(intervals), 1),
        "refresh_interval_s_p95": round(statistics.quantiles(intervals, n=20)[-1], 1),
        "longest_gap_s_per_session": [round(longest_gap(c, ended)[0], 1) for c in changes],
        "server_s_per_refresh_median": round(statistics.median(took), 2),
        "server_cpu_percent_median": round(statistics.median(cpu), 1) if cpu else None,
        "server_cpu_percent_p90": round(statistics.quantiles(cpu, n=10)[-1], 1) if len(cpu) > 1 else None,
        "server_rss_peak": mib(sampler.peak("rss", "server")),
        "server_pss_peak": mib(sampler.peak("pss", "server")),
        "worker_rss_peak": mib(sampler.peak("rss", "worker")),
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=1))
    print("\nload test:", json.dumps(figures))

    assert sessions.error is None, repr(sessions.error)
    assert [s.exceptions for s in records] == [[]] * len(records)
    assert [s.closed_early for s in records] == [None] * len(records)
    assert summary.state == "finished" and summary.n_complete >= 1, summary
    assert ended - launched >= RUN_S - 5, f"the run ended after {ended - launched:.0f} s, not about a minute"
    assert all(len(c) >= 10 for c in changes), figures
    assert max(longest_gap(c, ended)[0] for c in changes) <= MOST_GAP_S, figures
    assert all(seen.any_text(FINISHED) for seen in records), "a session never showed the finished badge"

    def finished_in_the_browser(page: Page) -> None:
        page.goto(f"{demo_app.url}/monitor?run={run.name}", wait_until="domcontentloaded")
        expect(page.locator(".st-key-run-state")).to_contain_text("finished")
        expect(page.get_by_text(f"{summary.n_complete} complete").first).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)

    in_chromium(finished_in_the_browser)
