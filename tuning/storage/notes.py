"""Notes and tags: what people write about a run and its trials, stored with the run.

They are study user attributes, so they travel with the storage (optuna-dashboard shows
them beside the run) and the export. A trial's note is a study attribute too, keyed by
the trial's number: Optuna refuses to change a finished trial's own attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tuning.errors import FieldError, SpecError
from tuning.storage import record
from tuning.storage.runs import Run

MAX_NOTE_CHARS = 10_000
MAX_TRIAL_NOTE_CHARS = 500
MAX_TAGS = 20
TAG_PATTERN = re.compile(r"^[\w][\w .:+-]{0,31}$")


@dataclass(frozen=True)
class RunNotes:
    """A run's note (Markdown), its tags, and its trials' short notes by trial number."""

    note: str = ""
    tags: tuple[str, ...] = ()
    trial_notes: dict[int, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"note": self.note, "tags": list(self.tags), "trial_notes": dict(self.trial_notes)}


def read_notes(attrs: dict[str, Any]) -> RunNotes:
    """The notes stored in a run's attributes (empty ones left out)."""
    trial_notes = {
        int(key[len(record.TRIAL_NOTE.key) :]): str(value)
        for key, value in attrs.items()
        if key.startswith(record.TRIAL_NOTE.key) and value
    }
    return RunNotes(
        str(attrs.get(record.NOTE.key) or ""),
        tuple(attrs.get(record.TAGS.key) or ()),
        dict(sorted(trial_notes.items())),
    )


def check_tags(tags: Any) -> tuple[str, ...]:
    """Tags trimmed, de-duplicated in order, each checked: short words a filter can match."""
    if not isinstance(tags, (list, tuple)):
        raise FieldError("tags", f"must be a list of words, got {tags!r}")
    clean: list[str] = []
    for tag in tags:
        text = tag.strip() if isinstance(tag, str) else tag
        if not isinstance(text, str) or not TAG_PATTERN.match(text):
            raise FieldError(
                "tags", f"{tag!r} is not a tag: use 1-32 letters, digits, spaces or . : + - _, starting "
                "with a letter or digit",
            )  # fmt: skip
        if text not in clean:
            clean.append(text)
    if len(clean) > MAX_TAGS:
        raise FieldError("tags", f"at most {MAX_TAGS} tags, got {len(clean)}")
    return tuple(clean)


def set_notes(run: Run, note: str | None = None, tags: Any = None) -> RunNotes:
    """Replace the run's note and/or tags (None leaves one as it is); checks both first."""
    errors = []
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_CHARS):
        errors.append(FieldError("note", f"must be text of at most {MAX_NOTE_CHARS:,} characters"))
    try:
        clean_tags = check_tags(tags) if tags is not None else None
    except FieldError as error:
        errors.append(error)
    if errors:
        raise SpecError(errors)
    if note is not None:
        run.study.set_user_attr(record.NOTE.key, note.strip())
    if clean_tags is not None:
        run.study.set_user_attr(record.TAGS.key, list(clean_tags))
    return read_notes(run.attrs())


def set_trial_note(run: Run, number: int, note: str) -> None:
    """Write (or, with empty text, clear) the short note of trial ``number``."""
    numbers = {t.number for t in run.study.get_trials(deepcopy=False)}
    if number not in numbers:
        raise FieldError(
            "trial", f"run {run.name} has no trial {number}; its trials are 0-{max(numbers, default=-1)}"
        )
    if not isinstance(note, str) or len(note) > MAX_TRIAL_NOTE_CHARS:
        raise FieldError("trial_note", f"must be text of at most {MAX_TRIAL_NOTE_CHARS} characters")
    run.study.set_user_attr(record.TRIAL_NOTE.member(str(number)), note.strip())
