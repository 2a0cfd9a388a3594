"""One ``streamlit run app.py`` per test session, driven by headless Debian Chromium.

The server gets a data folder of its own (so its journal, weights and worker logs are
the session's), every test a fresh browser context (a fresh Streamlit session). Workers
the app starts outlive the server by design; teardown ends them by the PIDs they record.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The app on a free localhost port, with its own TUNING_DATA_DIR."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    folder = tmp_path_factory.mktemp("server")
    data = folder / "data"
    env = {k: v for k, v in os.environ.items() if k != "TUNING_STORAGE"}
    env.update(TUNING_DATA_DIR=str(data), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log_path = folder / "streamlit.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not _healthy(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("streamlit did not start:\n" + log_path.read_text())
        time.sleep(0.25)
    storage = f"journal://{data / 'runs.journal'}"
    yield SimpleNamespace(url=url, storage=storage, data=data)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    _end_workers(storage)


def _end_workers(storage: str) -> None:
    """Kill the workers the app started (they record their PIDs in the runs)."""
    from tuning import list_run_names, load_run
    from tuning.liveness import HOST, worker_records

    for name in list_run_names(storage):
        for record in worker_records(load_run(name, storage).attrs()).values():
            if record.host == HOST and record.exited_at is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(record.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(browser: Browser, server: SimpleNamespace) -> Iterator[Callable[[str], Page]]:
    """Open a fresh browser context (a new Streamlit session) at a path of the app."""
    contexts = []

    def open_page(path: str = "") -> Page:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stApp"]')
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot() -> Callable[..., Path]:
    """Save a full-length screenshot into test-artifacts/screenshots/ (and optionally copy it)."""

    def take(page: Page, name: str, copy_to: Path | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # The app's main block scrolls, not the window: grow the window to its height.
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 6000)})
        page.wait_for_timeout(800)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        page.set_viewport_size({"width": 1400, "height": 1000})
        if copy_to is not None:
            copy_to.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy_to)
        return path

    return take
