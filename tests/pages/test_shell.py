"""The shell: every page runs inside app.py's navigation, even when Streamlit runs it alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from pages._shared.shell import ANALYSIS, COMPARE, HOME, LAUNCH, MONITOR
from tests.fake_runs import make_run
from tests.pages.page_helpers import APP, texts
from tests.storage.journal_files import glued_journal
from tuning.cli import main

ROOT = Path(APP).parent


def test_a_page_that_streamlit_runs_alone_hands_over_to_app_py(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh server's first request for ``/monitor?run=kept``: old-style multipage mode."""
    make_run(storage_url, "kept", 3)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(MONITOR)  # before the first run: the page of the URL, by its file name
    at.query_params["run"] = "kept"
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Monitor"]
    assert at.selectbox(key="monitor_run").value == "kept"
    assert PagesManager.uses_pages_directory is False  # app.py's st.navigation ran


def test_only_pages_sit_in_the_folder_and_each_calls_the_shell_first() -> None:
    scripts = {str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py"}
    assert scripts == {HOME, LAUNCH, MONITOR, COMPARE, ANALYSIS}
    for script in scripts:
        body = ast.parse((ROOT / script).read_text()).body
        first = next(s for s in body if not _shell_import_or_docstring(s))
        assert ast.unparse(first) == "within_app()", f"{script} must call within_app() before anything else"


def _shell_import_or_docstring(statement: ast.stmt) -> bool:
    """What may come before ``within_app()``: the docstring and the imports of the shell
    itself. Any other import would run first on a freshly started server, before app.py
    starts plotly.js loading (0.9 s of the engine's imports on the Monitor)."""
    if isinstance(statement, ast.ImportFrom):
        return statement.module in {"__future__", "pages._shared.shell"}
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


SECRET_PATH = "/srv/sweetspot/secret-path.py"


def _fail(*args: object, **kwargs: object) -> None:
    raise RuntimeError(f"disk exploded reading {SECRET_PATH}")


@pytest.mark.parametrize(
    ("page", "broken"),
    [(HOME, "tuning.run_summaries"), (LAUNCH, "tuning.RunSpec.from_dict")],
)
def test_in_the_demo_an_unexpected_error_shows_a_reference_not_the_trace(
    storage_url: str, monkeypatch: pytest.MonkeyPatch, caplog, page: str, broken: str
) -> None:
    """Issue 15.9: public visitors saw full tracebacks with server paths."""
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    make_run(storage_url, "kept", 3)
    monkeypatch.setattr(broken, _fail)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception
    [shown] = [e.value for e in at.error if "reference" in e.value]
    reference = re.search(r"reference: ([0-9a-f]{8})$", shown)
    assert reference and SECRET_PATH not in shown and "Traceback" not in shown
    logged = [r for r in caplog.records if reference.group(1) in r.getMessage()]
    assert logged and SECRET_PATH in str(logged[0].exc_info[1])
    assert config.get_option("client.showErrorDetails") == "none"  # what escapes shows no details


def test_locally_the_operator_sees_the_error_itself(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWEETSPOT_DEMO", raising=False)
    monkeypatch.setattr("tuning.RunSpec.from_dict", _fail)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(LAUNCH)
    at.run()
    assert SECRET_PATH in at.exception[0].message
    assert config.get_option("client.showErrorDetails") == "full"  # the default is back


def page_text_on_storage(page: str, url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``page`` shows, without raising, when the app's storage is ``url``."""
    monkeypatch.setenv("TUNING_STORAGE", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return texts(at)


@pytest.mark.parametrize("page", [HOME, LAUNCH])
def test_a_storage_password_is_never_shown(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL appears in the storage caption and in "cannot reach" errors: both redacted."""
    url = "postgresql+psycopg2://alice:hunter2@127.0.0.1:9/runs?sslmode=disable&password=hunter2"
    shown = page_text_on_storage(page, url, monkeypatch)
    assert "alice:***@127.0.0.1:9/runs" in shown and "password=***" in shown
    assert "hunter2" not in shown


@pytest.mark.parametrize("page", [HOME, MONITOR, COMPARE, ANALYSIS])  # Launch reads none until Start
def test_an_unreadable_journal_is_a_message_naming_it_and_the_doctor(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "folder.journal"  # a folder where the file should be: reading it fails
    folder.mkdir()
    shown = page_text_on_storage(page, f"journal://{folder}", monkeypatch)
    assert f"cannot read the journal file {folder}" in shown and "python -m tuning doctor" in shown


def test_a_damaged_journal_reads_with_a_warning_pointing_at_the_doctor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_run(f"journal://{tmp_path / 'sound.journal'}", "done", 3)
    path = glued_journal(tmp_path / "sound.journal", tmp_path)
    shown = page_text_on_storage(HOME, f"journal://{path}", monkeypatch)
    assert "holds 1 damaged record(s)" in shown and "python -m tuning doctor --repair" in shown
    assert main(["doctor", "--storage", f"journal://{path}", "--repair"]) == 0
    assert "damaged record" not in page_text_on_storage(HOME, f"journal://{path}", monkeypatch)
