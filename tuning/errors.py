"""Errors the engine raises for things a user can fix; each message says what to do."""

from __future__ import annotations


class TuningError(Exception):
    """Base class: anything the UI or CLI should show to the user as it is."""


class FieldError(TuningError, ValueError):
    """One field of a run spec (or an uploaded file) is not acceptable."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SpecError(TuningError, ValueError):
    """A run spec was refused; ``errors`` lists every field that is wrong."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        """Messages keyed by field, so a UI can show each next to its widget; a field's
        several messages joined, so none is lost."""
        messages: dict[str, list[str]] = {}
        for error in self.errors:
            messages.setdefault(error.field, []).append(error.message)
        return {field: "; ".join(texts) for field, texts in messages.items()}


class StorageUnavailable(TuningError):
    """The storage URL is malformed, its server cannot be reached, or its files (the journal,
    the local data folder) cannot be read or written."""


class RunNotFound(TuningError, LookupError):
    """No run of that name exists in the storage."""


class RunExists(TuningError):
    """A run of that name already exists; names are unique per storage."""


class RunBusy(TuningError):
    """The run is active, and the change asked for needs it ended (e.g. an extension)."""


class UnknownName(TuningError, LookupError):
    """A name that no registry entry has: an extension point asked for something not registered."""

    def __init__(self, kind: str, name: object, known: list[str]) -> None:
        super().__init__(f"unknown {kind} {name!r}; known ones are {known}")
        self.kind = kind
        self.name = name
        self.known = known
