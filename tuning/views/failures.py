"""Failed trials as their author reads them: why they failed, and the frames of their own code.

A worker stores a failed trial's whole traceback (``record.TRACEBACK``): a trial that
raised in a user's ``build`` carries some 25 frames of Sweetspot's own training loop
before the user's one line. ``user_traceback`` keeps the exception (type and message)
and the frames from the first one in the run's model file or objective on (what that
code called, down to the raise, stays), with one line counting the frames left out.
A traceback that never passes through the user's file is Sweetspot's own bug: it stays
whole. ``failure_headline`` sums the failures up in one line from the trials' frame,
without reading a traceback (they are read only while the reader has them open).
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from tuning.models.source import ModelSource
from tuning.storage.runs import Run
from tuning.views.summary import failed_tracebacks

#: A frame's first line as Python prints it (a SyntaxError's location has no ``, in``).
_FRAME = re.compile(r'^  File "(?P<file>.*)", line (?P<line>\d+)(?:, in .*)?$')
#: The longest error a one-line summary quotes (a shape mismatch's message can be a paragraph).
HEADLINE_ERROR_CHARS = 160


@dataclass(frozen=True)
class _Frame:
    lines: list[str]  # "  File …" and what Python printed under it (code, carets)
    file: str
    line: int

    @property
    def code(self) -> str | None:
        """The source line Python printed under the frame, if it could read it."""
        return self.lines[1].strip() if len(self.lines) > 1 and self.lines[1].startswith("    ") else None


def user_traceback(text: str, source: ModelSource | None) -> str:
    """``text`` with the frames before the user's code left out, a line counting them in
    their place; ``text`` itself when no frame is in ``source``'s file (or there is no
    source: a built-in model's trial failed in Sweetspot's code)."""
    if source is None:
        return text
    blocks = _blocks(text.splitlines())
    kept: list[str] = []
    found = False
    for block in blocks:
        if isinstance(block, str):
            kept.append(block)
            continue
        first = next((i for i, frame in enumerate(block) if _is_users(frame, source)), None)
        if first is None:  # a chained exception's part in our code alone: as it was
            kept.extend(line for frame in block for line in frame.lines)
            continue
        found = True
        if first:
            kept.append(
                f"  … {_frames(first)} of Sweetspot's own left out (the calls that led to your code) …"
            )
        kept.extend(line for frame in block[first:] for line in frame.lines)
    return "\n".join(kept) if found else text


def user_tracebacks(run: Run) -> dict[int, str]:
    """The run's failed trials' tracebacks by trial number, each cut to the user's code
    (``user_traceback``); one read of the failed trials."""
    source = run.spec.source
    return {number: user_traceback(text, source) for number, text in failed_tracebacks(run).items()}


def failure_headline(frame: pd.DataFrame) -> str | None:
    """One line on the failed trials of a trials frame (``table_frame``): how many, and the
    error most of them ended with; None when none failed."""
    failed = frame[frame["state"] == "failed"]
    if failed.empty:
        return None
    errors = Counter(_one_line(error) for error in failed["error"] if isinstance(error, str) and error)
    count = f"{len(failed):,} trial{'s' if len(failed) != 1 else ''} failed"
    if not errors:
        return count
    (top, times), *others = errors.most_common()
    if not others and times == len(failed):
        return f"{count}: {top}"
    rest = len(failed) - times
    return f"{count}: {top} ({times:,} of them; {rest:,} with {_errors(len(others))})"


def _errors(n: int) -> str:
    return "another error" if n == 1 else f"{n:,} other errors"


def _frames(n: int) -> str:
    return f"{n:,} frame{'s' if n != 1 else ''}"


def _one_line(error: str) -> str:
    first = error.strip().splitlines()[0] if error.strip() else error
    return first if len(first) <= HEADLINE_ERROR_CHARS else first[: HEADLINE_ERROR_CHARS - 1] + "…"


def _blocks(lines: list[str]) -> list[str | list[_Frame]]:
    """The traceback's lines as text lines and runs of frames (one run per chained exception)."""
    blocks: list[str | list[_Frame]] = []
    for line in lines:
        head = _FRAME.match(line)
        last = blocks[-1] if blocks else None
        if head:
            frame = _Frame([line], head["file"], int(head["line"]))
            if isinstance(last, list):
                last.append(frame)
            else:
                blocks.append([frame])
        elif isinstance(last, list) and (line.startswith("    ") or line.startswith("  [Previous line")):
            last[-1].lines.append(line)  # its code and carets, or "[Previous line repeated N more times]"
        else:
            blocks.append(line)
    return blocks


def _is_users(frame: _Frame, source: ModelSource) -> bool:
    """Whether the frame is in the run's model file or objective: its path ends as the
    reference names it (the worker resolved it from its own model root) and, where Python
    printed the line, that line is the stored file's (a Sweetspot or library file of the
    same name is not)."""
    path = frame.file.replace("\\", "/")
    if not any(path == end or path.endswith("/" + end) for end in _path_ends(source)):
        return False
    code = frame.code
    lines = source.text.splitlines()
    return code is None or (0 < frame.line <= len(lines) and lines[frame.line - 1].strip() == code)


def _path_ends(source: ModelSource) -> list[str]:
    """How the end of the user's file's path reads: ``models/net.py`` for that reference
    (``../`` and ``./`` dropped), ``pkg/net.py`` or ``pkg/net/__init__.py`` for ``pkg.net``."""
    reference = source.parsed
    if not reference.is_file:
        stem = reference.target.replace(".", "/")
        return [f"{stem}.py", f"{stem}/__init__.py"]
    target = posixpath.normpath(reference.target.replace("\\", "/"))
    parts = [part for part in target.split("/") if part not in ("", ".", "..")]
    return ["/".join(parts)]
