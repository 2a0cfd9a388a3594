"""The pages' shared helpers (pages/_shared/common.py), as a visitor meets them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
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


# Streamlit 1.67's frontend fetches its emoji plugin and table (250 KB of script) for any
# Markdown text this matches (StreamlitMarkdown's test for a shortcode such as ":smile:").
EMOJI_SHORTCODE = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")


@pytest.mark.parametrize(
    "page", ["pages/home.py", "pages/launch.py", "pages/monitor.py", "pages/compare.py", "pages/analysis.py"]
)
def test_no_text_of_a_page_reads_as_an_emoji_shortcode(
    open_page: Callable[..., AppTest], storage_url: str, page: str
) -> None:
    """The refresh caption's "Updated 20:43:26" read as the shortcode ":43:": every chart
    page fetched the emoji table, and its plotly.js left 0.7 s later."""
    make_run(storage_url, "done", 5)
    at = open_page(page, run="done")
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    assert [str(p.value) for p in parts if EMOJI_SHORTCODE.search(str(p.value))] == []
