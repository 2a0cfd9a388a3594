"""A Streamlit session without a browser: the frontend's side of the websocket, in brief.

A real browser costs a core of rendering per open Monitor on a 2-core machine, which
would starve the server this test measures; visitors' browsers run on their own
machines. This client speaks the same protocol to the same endpoint: it asks for a
page (``BackMsg.rerun_script``), reads every ``ForwardMsg`` and, as the frontend does,
reruns a fragment on its own timer when the server sends ``auto_rerun`` (that is how
``st.fragment(run_every=...)`` refreshes the Monitor), stopping the timer when a full-app
run starts (a ``new_session`` whose run names no fragment) or on ``stop_auto_rerun``. It records what a viewer would have seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass
class Seen:
    """What one session received: markdown texts with their arrival time, and errors."""

    texts: list[tuple[float, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    closed_early: str | None = None

    def changes(self, prefix: str) -> list[float]:
        """Arrival times of each new text starting with ``prefix`` (e.g. "Updated ")."""
        times, last = [], None
        for at, text in self.texts:
            if text.startswith(prefix) and text != last:
                times.append(at)
                last = text
        return times

    def any_text(self, part: str) -> bool:
        return any(part in text for _, text in self.texts)


async def watch(http_url: str, page: str, query: str, until: asyncio.Event, seen: Seen) -> None:
    """Hold a session on ``page?query`` until ``until`` is set, recording into ``seen``."""
    url = http_url.replace("http://", "ws://") + "/_stcore/stream"
    timer: asyncio.Task[None] | None = None
    page_hash = ""

    def rerun(fragment_id: str = "") -> bytes:
        message = BackMsg()
        state = message.rerun_script
        state.query_string, state.page_name, state.page_script_hash = query, page, page_hash
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, True
        return message.SerializeToString()

    async def every(interval_s: float, fragment_id: str) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await socket.send(rerun(fragment_id))

    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as socket:  # type: ignore[list-item]
        await socket.send(rerun())
        stop = asyncio.ensure_future(until.wait())
        try:
            while not until.is_set():
                receive = asyncio.ensure_future(socket.recv())
                await asyncio.wait({receive, stop}, return_when=asyncio.FIRST_COMPLETED)
                if not receive.done():
                    receive.cancel()
                    break
                try:
                    data = receive.result()
                except websockets.ConnectionClosed as closed:
                    seen.closed_early = str(closed)
                    break
                message = ForwardMsg()
                message.ParseFromString(data)
                kind = message.WhichOneof("type")
                full_run = kind == "new_session" and not message.metadata.run.fragment_ids
                if full_run or kind == "stop_auto_rerun":
                    if timer:
                        timer.cancel()
                        timer = None
                elif kind == "navigation":
                    page_hash = message.navigation.page_script_hash
                elif kind == "auto_rerun":
                    if timer:
                        timer.cancel()
                    timer = asyncio.create_task(
                        every(message.auto_rerun.interval, message.auto_rerun.fragment_id)
                    )
                elif kind == "delta" and message.delta.HasField("new_element"):
                    element = message.delta.new_element
                    if element.HasField("markdown"):
                        seen.texts.append((time.monotonic(), element.markdown.body))
                    elif element.HasField("exception"):
                        seen.exceptions.append(element.exception.message)
        finally:
            stop.cancel()
            if timer:
                timer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await timer


class Sessions:
    """``count`` sessions held from a thread of their own (the browser's sync API owns this one).

    Use as a context manager; ``records`` fills in as messages arrive; leaving ends them.
    """

    def __init__(self, http_url: str, page: str, query: str, count: int) -> None:
        self.records = [Seen() for _ in range(count)]
        self._args = (http_url, page, query)
        self._loop = asyncio.new_event_loop()
        self._until = asyncio.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        async def main() -> None:
            await asyncio.gather(*(watch(*self._args, self._until, seen) for seen in self.records))

        try:
            self._loop.run_until_complete(main())
        except BaseException as error:  # surfaced by __exit__'s caller through .error
            self.error = error
        finally:
            self._loop.close()

    def __enter__(self) -> Sessions:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._until.set)
        self._thread.join(timeout=30)
