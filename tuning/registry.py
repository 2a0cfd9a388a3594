"""A registry: the one place an extension point (datasets, strategies, …) lists its entries.

Reading a name that is not registered raises ``UnknownName`` listing the known names,
so a missing entry is an error and never a silent fall-through to some other entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from tuning.errors import UnknownName

K = TypeVar("K", bound=str)
V = TypeVar("V")


class Registry(Mapping[K, V], Generic[K, V]):
    """A read-only mapping of name → entry, in the order the entries were written."""

    def __init__(self, kind: str, entries: Mapping[K, V]) -> None:
        self.kind = kind
        self._entries = dict(entries)

    def __getitem__(self, name: K) -> V:
        try:
            return self._entries[name]
        except (KeyError, TypeError):  # TypeError: an unhashable name read from JSON
            raise UnknownName(self.kind, name, [str(k) for k in self._entries]) from None

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._entries
        except TypeError:
            return False

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)})"
