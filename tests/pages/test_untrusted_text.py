"""Names from visitors (CSV columns, targets, errors) reach the page as text, never as Markdown.

Issue 15.7: a column named like ``HOSTILE`` became a link and a fetched image in every
viewer's tooltips, and a link in chart axis titles. Streamlit renders Markdown in bodies,
captions, alerts, labels and ``help``; Plotly renders a subset of HTML in titles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from pages._shared.common import code_span, plain
from pages._shared.lifecycle_panels import NOTES_OPEN_KEY
from tests.fake_runs import make_run
from tests.pages.page_helpers import figures, open_lazy
from tests.runs_helpers import quick_spec

HOSTILE = "**x**[a](javascript:alert(1))![i](http://127.0.0.1:9/i.png)<a href=javascript:alert(2)>h</a>"
MARKDOWN_FIELDS = {"body", "help", "label"}  # what Streamlit renders as Markdown


def _strings(message: Message, name: str = "") -> Iterator[tuple[str, str]]:
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from _strings(item, field.name)
            elif field.name == "columns" and isinstance(item, str):  # a dataframe's column config (JSON)
                # A column's label is drawn on the grid's canvas as text; its help is Markdown.
                yield from (
                    ("help", str(c["help"])) for c in json.loads(item or "{}").values() if "help" in c
                )
            elif isinstance(item, str):
                yield field.name, item


def markdown_sources(at: AppTest) -> list[str]:
    """The Markdown source of every element and widget on the page (bodies, help, labels)."""
    found, nodes = [], [at._tree]
    while nodes:
        node = nodes.pop()
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            found += [text for name, text in _strings(proto) if name in MARKDOWN_FIELDS]
        nodes.extend(getattr(node, "children", {}).values())
    return found


def assert_shown_as_text(at: AppTest, where: str) -> None:
    """The hostile name reaches Markdown only escaped, and it does reach ``where``."""
    sources = markdown_sources(at)
    assert not [s for s in sources if HOSTILE in s or "](" in s or "![" in s], sources
    assert any(plain(HOSTILE) in s for s in sources), f"the name should be shown escaped in {where}"


def test_escaping_leaves_no_markdown_syntax_but_the_same_characters() -> None:
    escaped = plain(HOSTILE)
    assert escaped.replace("\\", "") == HOSTILE.replace("\\", "")
    assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c in "*[]()!<>:/_`$")
    assert plain("a\\b") == "a\\\\b" and plain(":red[x]") == "\\:red\\[x\\]"


def code_span_content(markdown: str) -> str:
    """What CommonMark shows for ``markdown`` if all of it is one code span (else it fails):
    the opening backtick run must be closed only by the run of the same length that ends
    the text, and the text must stay on one line (a blank line or a heading would end it)."""
    fence = re.match(r"`+", markdown)
    assert fence, markdown
    ticks = fence.group()
    assert markdown.endswith(ticks) and len(markdown) >= 2 * len(ticks) + 1, markdown
    inner = markdown[len(ticks) : -len(ticks)]
    assert not inner.endswith("`") and ticks not in re.findall(r"`+", inner), markdown
    assert "\n" not in inner and "\r" not in inner, markdown
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip(" "):
        inner = inner[1:-1]
    return inner


@pytest.mark.parametrize(
    "text",
    [
        "bill_length_mm",
        "peng-a",
        "a`b",
        "``x``",
        "`",
        "a``b`",
        " a ",
        "a\\_b",
        "*x* $y$ :red[z]",
        HOSTILE,
        "",
    ],
)
def test_a_code_span_shows_the_text_as_it_is(text: str) -> None:
    span = code_span(text)
    assert code_span_content(span) == (text or " ")
    assert "\\" not in span.replace(text, "")  # no escapes: inside a code span they would show


def test_a_code_span_keeps_a_name_with_line_breaks_on_one_line() -> None:
    assert code_span_content(code_span("a\n\n# b\r\nc")) == "a  # b c"


def test_a_hostile_column_name_in_a_launch_error_is_text(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/launch.py")
    at.selectbox(key="f_dataset").set_value("csv").run()
    rows = "".join(f"{i * 3 % 7},5.5\n" for i in range(10))  # a target of one value: refused by name
    at.file_uploader(key="f_csv").set_value(("h.csv", f"size,{HOSTILE}\n{rows}".encode(), "text/csv")).run()
    assert not at.exception
    assert any("holds one value only" in e.value for e in at.error)
    assert_shown_as_text(at, "the error beside the upload")


def test_a_hostile_target_on_the_monitor_is_text_in_tooltips_and_charts(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "hostile", 6, spec=quick_spec(dataset={"name": "csv", "target": HOSTILE}))
    at = open_page("pages/monitor.py", run="hostile")
    assert_shown_as_text(at, "the loss tooltips")
    titles = [
        axis["title"]["text"]
        for figure in figures(at)
        for key, axis in figure["layout"].items()
        if key.startswith(("xaxis", "yaxis")) and "title" in axis
    ]
    assert titles and any("&lt;a href=javascript:alert(2)&gt;" in t for t in titles), titles
    assert not [t for t in titles if "<a" in t or "<" in t], titles


def test_a_hostile_target_on_compare_is_text(open_page: Callable[..., AppTest], storage_url: str) -> None:
    spec = quick_spec(dataset={"name": "csv", "target": HOSTILE})
    make_run(storage_url, "one", 4, spec=spec)
    make_run(storage_url, "two", 4, spec=spec, seed=1)
    at = open_page("pages/compare.py", run="one")
    at.multiselect[0].set_value(["one", "two"]).run()
    assert not at.exception
    assert_shown_as_text(at, "the table's tooltips")
    drawn = [json.dumps(figure) for figure in figures(at)]
    assert len(drawn) == 2 and not [f for f in drawn if "<a" in f or "<img" in f]
    assert all("&lt;a href=javascript:alert(2)&gt;" in f for f in drawn)


def test_a_hostile_target_on_analysis_is_text(open_page: Callable[..., AppTest], storage_url: str) -> None:
    make_run(storage_url, "hostile", 20, spec=quick_spec(dataset={"name": "csv", "target": HOSTILE}))
    at = open_page("pages/analysis.py", run="hostile")
    for view in ("importance", "slice", "parallel", "edf"):
        at.segmented_control(key="view").set_value(view).run()
        assert not at.exception
        drawn = json.dumps(figures(at))
        assert "&lt;a href=javascript:alert(2)&gt;" in drawn and "<a" not in drawn and "<img" not in drawn


def test_a_hostile_tag_in_a_refusal_is_text(open_page: Callable[..., AppTest], storage_url: str) -> None:
    """The refusal quoted the tag as Markdown: a live link under Save (found in a QA pass)."""
    make_run(storage_url, "done", 5)
    at = open_lazy(open_page("pages/monitor.py", run="done"), NOTES_OPEN_KEY)
    at.text_input(key="tags:done").set_value(f"ok, {HOSTILE}").run()
    at.button(key="save_note").click().run()
    assert not at.exception and any("is not a tag" in e.value for e in at.error)
    assert not [s for s in markdown_sources(at) if "](" in s or "![" in s]
