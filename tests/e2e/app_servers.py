"""The app as a server process of its own, and the end of the workers its runs started."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path

from bench.live_app import App, running_app


@contextlib.contextmanager
def app_server(data: Path, port: int | None = None, env: Mapping[str, str] | None = None) -> Iterator[App]:
    """``streamlit run app.py`` as a process of its own, on ``port`` (a free one by default).

    Its TUNING_DATA_DIR is ``data``; the journal there is its storage; ``env`` adds to its
    environment. Stopping it leaves the workers of its runs alone, as stopping a real
    server would.
    """
    with running_app(data, env=env, log=data / "streamlit.log", port=port) as app:
        yield app


def end_workers(storage: str) -> None:
    """Kill the workers the app started (they record their PIDs in the runs)."""
    from tuning import list_run_names, load_run
    from tuning.storage.liveness import HOST, worker_records

    for name in list_run_names(storage):
        for record in worker_records(load_run(name, storage).attrs()).values():
            if record.host == HOST and record.exited_at is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(record.pid, signal.SIGKILL)
