"""The shell: every page runs inside app.py's navigation, even when Streamlit runs it alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from pages._shared.common import ANALYSIS, COMPARE, HOME, LAUNCH, MONITOR
from tests.fake_runs import make_run
from tests.pages.page_helpers import APP

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
        first = next(s for s in body if not _import_or_docstring(s))
        assert ast.unparse(first) == "within_app()", f"{script} must call within_app() before anything else"


def _import_or_docstring(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return True
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
