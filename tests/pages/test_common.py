"""The pages' shared helpers (pages/_shared/common.py), as a visitor meets them."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from tests.fake_runs import make_run
from tests.pages.page_helpers import click, texts
from tuning import delete_run, load_run


def test_a_run_deleted_elsewhere_is_said_not_silently_replaced(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """Another tab deleted the run this Monitor showed: the next rerun showed another run
    and said nothing."""
    make_run(storage_url, "gone", 3)
    make_run(storage_url, "kept", 3)
    at = open_page("pages/monitor.py", run="gone")
    delete_run(load_run("gone", storage_url))
    at.run()
    assert not at.exception
    assert at.selectbox(key="monitor_run").value == "kept"
    assert "Run **gone** is no longer in the storage: it was deleted. Showing **kept**." in texts(at)
    at.run()  # said once: the page now shows the other run
    assert "no longer in the storage" not in texts(at)


def test_the_run_deleted_here_is_said_after_the_deletion(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "old", 3)
    make_run(storage_url, "kept", 3)
    at = open_page("pages/monitor.py", run="old")
    click(at, "Delete run", "Delete old")
    assert "Run **old** is no longer in the storage: it was deleted. Showing **kept**." in texts(at)


def test_a_link_to_a_run_not_in_the_storage_is_said(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "kept", 3)
    at = open_page("pages/analysis.py", run="nowhere")
    assert at.selectbox(key="analysis_run").value == "kept"
    assert "There is no run named **nowhere** in this storage. Showing **kept**." in texts(at)
