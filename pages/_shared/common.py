"""What every page shares: where the runs are, engine errors as messages, live panels.

Pages stay thin: widgets in, a call into ``tuning``, a chart out. This module holds the
little glue they all need, and nothing that computes chart data (that is ``tuning``).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import streamlit as st

from tuning import (
    RunState,
    TuningError,
    default_storage_url,
    fmt_duration,
    list_run_names,
    redact,
    storage_damage,
)

REFRESH_S = 2.0
#: A data grid's row height of three lines: Streamlit 1.67 wraps long text cells, rather
#: than cut them off, only in rows taller than 4rem (64 px).
WRAPPED_ROW = 68
#: Every ASCII punctuation character: CommonMark lets a backslash make any of them literal.
MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
VISITOR_COOKIE, VISITOR_COOKIE_S = "sweetspot_visitor", 30 * 24 * 3600
VISITOR_ID = re.compile(r"[0-9a-f]{32}")  # what uuid4().hex gives; anything else is not ours
VISITOR_KEY, VISITOR_SAVED_KEY = "visitor", "visitor-cookie-written"
INFO, WARNING, ERROR = ":material/info:", ":material/warning:", ":material/error:"
SUCCESS = ":material/check_circle:"
STATE_BADGES: dict[RunState, tuple[str, str]] = {  # state → colour, icon; one entry per state
    RunState.STARTING: ("blue", ":material/hourglass_top:"),
    RunState.RUNNING: ("orange", ":material/autorenew:"),
    RunState.STOPPING: ("orange", ":material/pause_circle:"),
    RunState.FINISHED: ("green", ":material/check_circle:"),
    RunState.STOPPED: ("gray", ":material/stop_circle:"),
    RunState.FAILED: ("red", ":material/error:"),
    RunState.INTERRUPTED: ("red", ":material/warning:"),
}


def plain(text: object) -> str:
    """``text`` as Streamlit's Markdown shows it literally, for anything a visitor wrote.

    Streamlit renders Markdown in bodies, captions, alerts, labels and ``help=`` tooltips:
    a CSV column named ``[a](javascript:…)![i](http://host/i.png)`` would be a link and an
    image fetched by every viewer. Escaping every ASCII punctuation character (CommonMark's
    backslash escapes) leaves no link, image, emphasis, HTML, math, autolink or Streamlit
    directive (``:red[…]``, ``:material/…:``) — only the characters. Use it wherever a
    column or target name, a run name or an error's text reaches Markdown.
    """
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


def code_span(text: object) -> str:
    """``text`` as inline code (a Markdown code span) that shows it exactly, for a visitor's
    name inside backticks: ``f"columns {code_span(name)}"``, never ``f"`{plain(name)}`"``.

    Inside a code span CommonMark shows every character as it is, so ``plain``'s backslash
    escapes would show too (``bill\\_length\\_mm``), and nothing inside is Markdown, HTML or
    a Streamlit directive. Only two things could end the span early: a backtick run as long
    as the fence (so the fence is one backtick longer than the longest run in the text,
    padded with a space where the text starts or ends with a backtick or a space, which
    CommonMark strips), and a line break (a blank line or a heading would end the
    paragraph; CommonMark shows a line break in a code span as a space anyway).
    """
    shown = re.sub(r"\r\n|\r|\n", " ", str(text)) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", shown)), default=0) + 1)
    pad = " " if shown.strip(" ") and (shown[0] in "` " or shown[-1] in "` ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def storage_url() -> str:
    """The storage every page reads: ``$TUNING_STORAGE`` or the journal in the data folder.

    ``tuning.open_storage`` keeps one storage object per URL and process (a journal then
    replays only new lines), so pages share one handle across sessions without a cache here.
    """
    return default_storage_url()


@contextmanager
def engine_errors() -> Iterator[None]:
    """Show an engine error (bad spec, unreachable storage, missing run) and stop the page."""
    try:
        yield
    except TuningError as error:
        st.error(plain(error), icon=ERROR)
        st.stop()


def run_names() -> list[str]:
    """Run names in the storage, newest first; a storage error ends the page with its message."""
    with engine_errors():
        return list_run_names(storage_url())


def pick_run(names: list[str], key: str) -> str:
    """A run picker that follows ``?run=NAME``: a link, a reload or a launch selects its run.

    A new ``run`` query parameter (from Launch, Home or a pasted link) wins over the last
    choice; otherwise the picker keeps what the user chose, and writes it to the URL so a
    reload shows the same run.

    A run that left the storage (deleted here, or in another tab or by another visitor
    while this page showed it) or a link's run that is not in it is said under the picker,
    which shows another run in its place: the page never switches runs silently.
    """
    wanted, seen = st.query_params.get("run"), f"{key}-seen"
    last = st.session_state.get(seen)
    if wanted in names and wanted != last:
        st.session_state[key] = wanted
    elif st.session_state.get(key) not in names:
        st.session_state[key] = last if last in names else names[0]
    name = st.selectbox("Run", names, key=key)
    showing = f"Showing **{plain(name)}**."
    if last and last not in names:
        st.info(f"Run **{plain(last)}** is no longer in the storage: it was deleted. {showing}", icon=INFO)
    elif wanted and wanted not in names:
        st.info(f"There is no run named **{plain(wanted)}** in this storage. {showing}", icon=INFO)
    st.session_state[seen] = name
    st.query_params["run"] = name
    return name


def state_badge(state: RunState) -> None:
    """The run's state as a coloured badge, in a container keyed ``run-state`` (for tests)."""
    color, icon = STATE_BADGES[state]
    st.container(key="run-state").badge(str(state), color=color, icon=icon)  # type: ignore[arg-type]


def live_panel(body: Callable[[bool], None], live: bool, interval_s: float = REFRESH_S) -> None:
    """Run ``body(live)`` as a fragment that reruns itself every ``interval_s`` while ``live``.

    Only the fragment reruns, so widgets outside it keep their state and the page does
    not flicker. ``body`` calls ``end_live()`` when what it watches has ended: the one
    full rerun that follows registers the fragment again without a timer.
    """
    st.fragment(run_every=interval_s if live else None)(body)(live)


T = TypeVar("T")


def on_demand(label: str, icon: str, key: str, draw: Callable[[], T]) -> T | None:
    """An expander whose content ``draw()`` builds only while the reader has it open; its
    result then, else None.

    Closed, it costs the server nothing and sends the browser nothing, not even the script
    of the elements inside (docs/dashboard.md). Its label must not change from run to
    run: a new label is a new expander, closed again.
    """
    expander = st.expander(label, icon=icon, key=key, on_change="rerun")
    if not expander.open:
        return None
    with expander:
        return draw()


def end_live() -> NoReturn:
    """Stop a live panel's timer (see ``live_panel``) with one full-page rerun."""
    st.rerun()


def refreshed_caption(started: float, live: bool) -> None:
    """When and how fast the panel was drawn: the server time of one refresh."""
    took = time.perf_counter() - started
    every = f" · refreshes every {REFRESH_S:g} s" if live else " · not refreshing"
    # the time's colons escaped: Streamlit's Markdown reads ":43:" as an emoji shortcode,
    # and fetching its emoji table (250 KB of script) delayed every chart page's plotly.js
    st.caption(f"Updated {plain(time.strftime('%H:%M:%S'))} in {took:.2f} s{every}")


def visitor() -> str:
    """This browser's id: the owner of the runs it starts (demo mode limits per owner).

    Taken from the browser's cookie when it sent one (``remember_visitor`` sets it), so
    a reload or a second tab is the same visitor, still allowed to stop their own run and
    still held to one run at a time.
    """
    if VISITOR_KEY not in st.session_state:
        sent = st.context.cookies.get(VISITOR_COOKIE)  # from the browser: only our own ids count
        ours = isinstance(sent, str) and VISITOR_ID.fullmatch(sent)
        st.session_state[VISITOR_KEY] = sent if ours else uuid.uuid4().hex
    return str(st.session_state[VISITOR_KEY])


def remember_visitor() -> None:
    """Have the browser keep this session's visitor id in a cookie, once per session.

    Streamlit only reads cookies (``st.context.cookies``, as sent with the page), so a
    line of JavaScript writes it; nothing else needs JavaScript in the page.
    """
    ident = visitor()
    if st.context.cookies.get(VISITOR_COOKIE) == ident or st.session_state.get(VISITOR_SAVED_KEY):
        return
    st.session_state[VISITOR_SAVED_KEY] = True
    cookie = f"{VISITOR_COOKIE}={ident}; path=/; max-age={VISITOR_COOKIE_S}; SameSite=Strict"
    st.html(f"<script>document.cookie = {cookie!r};</script>", unsafe_allow_javascript=True)


#: The demo's admin token this session typed (Monitor's Admin popover), kept for the session.
ADMIN_TOKEN_KEY = "admin_token"


def admin_token() -> str | None:
    """The demo's admin token, if this session typed one (Monitor's Admin popover)."""
    return st.session_state.get(ADMIN_TOKEN_KEY) or None


def storage_caption() -> None:
    """Which storage the pages read, and whether its journal holds damage to repair."""
    url = storage_url()
    st.caption(f"Storage: `{redact(url)}`")
    with engine_errors():
        damage = storage_damage(url)
    if damage:
        st.warning(
            f"The journal file holds {len(damage)} damaged record(s) that every read skips "
            f"(first: {damage[0]}). Nothing complete is lost; to mend the file, run "
            f"`python -m tuning doctor --repair`.",
            icon=WARNING,
        )


def fmt_age(timestamp: float) -> str:
    return f"{fmt_duration(time.time() - timestamp)} ago"
