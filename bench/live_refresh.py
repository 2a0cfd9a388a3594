"""``python -m bench.live_refresh``: the server CPU one Monitor refresh costs while a run trains.

The load test (``tests/load/test_load.py``) holds ten sessions on the Monitor of a run
that lasts a minute and checks that each keeps refreshing; this measures what each
refresh costs the server, for one session and for several on the same run. It starts the
real app in demo mode, launches the load test's run, and once the first page loads are
done, counts the sessions' refreshes (their "Updated" captions) and the server's CPU
seconds over the same window (from ``/proc``). A session refreshes every 2 s, so a
window of S seconds holds about S / 2 refreshes per session when the server keeps up.

Usage: ``python -m bench.live_refresh [--sessions 1 10] [--seconds 40]``; it prints a
markdown table and writes the raw figures to bench/results/live-refresh.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Table, load_average
from bench.live_app import running_app, stop_workers, usage
from tests.load.streamlit_client import Seen, Sessions
from tests.load.test_load import UPDATED, watched_spec
from tuning.demo import DEMO_ENV
from tuning.launcher import launch

RESULTS = ROOT / "bench" / "results" / "live-refresh.json"
SETTLE_S = 8  # the sessions' first page loads (imports, a first read): not a refresh


def measure(sessions: int, seconds: float) -> dict[str, float]:
    """Refreshes and server CPU while ``sessions`` watch a fresh server's live run."""
    data = Path(tempfile.mkdtemp(prefix="live-refresh-")) / "data"
    os.environ.update({DEMO_ENV: "1", "TUNING_DATA_DIR": str(data)})  # the launch below: the server's
    try:
        with running_app(data, {DEMO_ENV: "1"}) as app:
            run = launch(watched_spec(), "watched", app.storage, owner="bench")
            with Sessions(app.url, "monitor", f"run={run.name}", sessions) as watching:
                time.sleep(SETTLE_S)
                start_cpu, start = _cpu_s(app.process.pid), time.monotonic()
                start_count = _refreshes(watching.records)
                time.sleep(seconds)
                cpu_s, window_s = _cpu_s(app.process.pid) - start_cpu, time.monotonic() - start
                refreshes = _refreshes(watching.records) - start_count
    finally:
        stop_workers(data)
    return {
        "sessions": sessions,
        "window_s": round(window_s, 1),
        "refreshes": refreshes,
        "nominal_refreshes": round(sessions * window_s / 2),
        "server_cpu_s": round(cpu_s, 2),
        "cpu_s_per_refresh": round(cpu_s / max(refreshes, 1), 3),
        "server_cpu_percent": round(100 * cpu_s / window_s, 1),
    }


def _cpu_s(pid: int) -> float:
    used = usage(pid)
    if used is None:
        raise RuntimeError("the server stopped")
    return used.cpu_s


def _refreshes(records: list[Seen]) -> int:
    return sum(len(seen.changes(UPDATED)) for seen in records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--seconds", type=float, default=40)
    args = parser.parse_args()
    rows = [measure(n, args.seconds) for n in args.sessions]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"load_average": load_average(), "rows": rows}, indent=1))
    table = Table(
        f"Server CPU per Monitor refresh of a live run (load average {load_average()})",
        ["sessions", "refreshes (nominal)", "server CPU s per refresh", "server CPU (100% = a core)"],
        [
            [r["sessions"], f"{r['refreshes']} ({r['nominal_refreshes']})", r["cpu_s_per_refresh"],
             f"{r['server_cpu_percent']}%"]
            for r in rows
        ],
    )  # fmt: skip
    print(table.markdown())


if __name__ == "__main__":
    main()
