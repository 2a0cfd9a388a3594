"""The app as a server process of its own, and the end of the workers its runs started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

from bench.live_app import free_port, healthy

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def app_server(data: Path, port: int | None = None) -> Iterator[SimpleNamespace]:
    """``streamlit run app.py`` as a process of its own, on ``port`` (a free one by default).

    Its TUNING_DATA_DIR is ``data``; the journal there is its storage. Stopping it leaves
    the workers of its runs alone, as stopping a real server would.
    """
    env = {k: v for k, v in os.environ.items() if k != "TUNING_STORAGE"}
    env.update(TUNING_DATA_DIR=str(data), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    data.mkdir(parents=True, exist_ok=True)
    log_path = data / f"streamlit-{port}.log"
    with open(log_path, "a") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not healthy(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("streamlit did not start:\n" + log_path.read_text())
        time.sleep(0.25)
    try:
        yield SimpleNamespace(url=url, port=port, storage=f"journal://{data / 'runs.journal'}", data=data)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def end_workers(storage: str) -> None:
    """Kill the workers the app started (they record their PIDs in the runs)."""
    from tuning import list_run_names, load_run
    from tuning.liveness import HOST, worker_records

    for name in list_run_names(storage):
        for record in worker_records(load_run(name, storage).attrs()).values():
            if record.host == HOST and record.exited_at is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(record.pid, signal.SIGKILL)
