"""What each spec field may hold: one rule per field, declared beside it in its dataclass.

A rule reads a field's JSON value (checking and converting it), dumps the stored value
back to JSON, and says in a few words what it allows (the docs table and its test read
that). Spec dataclasses attach a rule to each field with ``spec_field``; ``read_fields``
and ``dump_fields`` then derive reading, the known keys and serialisation from the
dataclass fields, so each field is written once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field
from enum import Enum
from typing import Any, Protocol

from tuning.errors import FieldError, SpecError

RULE = "rule"
SHOWN_CHARS = 60  # a refused value is quoted up to this length: a 5 MB string is not echoed back


def shown(value: Any) -> str:
    """``repr(value)``, cut short so that a huge refused value does not flood a message."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}… ({len(text):,} characters)"


def number(value: float) -> str:
    """A bound as people write it: ``86,400``, ``0.5``."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def is_int(value: Any) -> bool:
    """A JSON whole number: an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A finite JSON number that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class Rule(Protocol):
    """How one field is read from JSON, written back, and described."""

    @property
    def missing(self) -> Any:
        """The JSON value a missing key stands for when the field has no dataclass default."""
        ...

    def read(self, field: str, value: Any) -> Any:
        """The checked, converted value; raises FieldError (or SpecError for several)."""
        ...

    def load(self, field: str, value: Any) -> Any:
        """A value read back from a stored run: its type is checked, today's bounds are not.

        A run stored before a bound was tightened must still load, or every listing of
        the storage would fail on it.
        """
        ...

    def dump(self, value: Any) -> Any:
        """The JSON form of a stored value."""
        ...

    def allowed(self) -> str:
        """What the rule allows, as the docs table says it."""
        ...


class Plain:
    """A rule whose JSON form is the value itself and whose missing key means null."""

    missing: Any = None

    def read(self, field: str, value: Any) -> Any:
        raise NotImplementedError

    def load(self, field: str, value: Any) -> Any:
        return self.read(field, value)

    def dump(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Whole(Plain):
    """A whole number within inclusive bounds."""

    low: int
    high: int

    def read(self, field: str, value: Any) -> int:
        if not is_int(value) or not self.low <= value <= self.high:
            raise FieldError(
                field, f"must be a whole number from {self.low} to {self.high}, got {shown(value)}"
            )
        return int(value)

    def load(self, field: str, value: Any) -> int:
        return Whole(-(2**63), 2**63).read(field, value)

    def allowed(self) -> str:
        return f"{self.low:,}–{self.high:,}"


@dataclass(frozen=True)
class Fraction(Plain):
    """A share strictly between 0 and 1."""

    def read(self, field: str, value: Any) -> float:
        if not is_number(value) or not 0 < value < 1:
            raise FieldError(field, f"must be a fraction between 0 and 1, got {shown(value)}")
        return float(value)

    def allowed(self) -> str:
        return "0 < x < 1"


@dataclass(frozen=True)
class Seconds(Plain):
    """A duration in seconds: from ``low`` (above it when ``low_open``) to ``high``, inclusive."""

    low: float
    high: float
    low_open: bool = False

    def read(self, field: str, value: Any) -> float:
        if not is_number(value) or not self._within(value):
            raise FieldError(field, f"must be a number of seconds {self.allowed()}, got {shown(value)}")
        return float(value)

    def load(self, field: str, value: Any) -> float:
        return Seconds(0, math.inf, low_open=True).read(field, value)

    def _within(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def allowed(self) -> str:
        low = f"> {number(self.low)}" if self.low_open else f">= {number(self.low)}"
        return f"{low} and <= {number(self.high)}"


@dataclass(frozen=True)
class OneOf:
    """A name from a closed set: an enum's values, or a registry's names."""

    known: Callable[[], Iterable[str]]
    make: Callable[[str], Any] = str
    missing: Any = None

    @classmethod
    def enum(cls, enum: type[Enum]) -> OneOf:
        return cls(lambda: [member.value for member in enum], enum)

    def load(self, field: str, value: Any) -> Any:
        return self.read(field, value)

    def read(self, field: str, value: Any) -> Any:
        known = list(self.known())
        if not isinstance(value, str) or value not in known:
            raise FieldError(field, f"must be one of {known}, got {shown(value)}")
        return self.make(value)

    def dump(self, value: Any) -> Any:
        return value.value if isinstance(value, Enum) else value

    def allowed(self) -> str:
        return ", ".join(self.known())


@dataclass(frozen=True)
class Text(Plain):
    """A non-empty string of at most ``max_chars``; ``name_only`` also refuses path separators."""

    what: str
    max_chars: int = 255
    name_only: bool = False

    def read(self, field: str, value: Any) -> str:
        bad = ("/", "\\") if self.name_only else ()
        if (
            not isinstance(value, str)
            or not 1 <= len(value) <= self.max_chars
            or any(ord(c) < 32 or ord(c) == 127 for c in value)
            or any(c in value for c in bad)
        ):
            raise FieldError(field, f"must be {self.allowed()}, got {shown(value)}")
        return value

    def load(self, field: str, value: Any) -> str:
        return Text(self.what, max_chars=2**31).read(field, value)

    def allowed(self) -> str:
        without = "'/', '\\' or control characters" if self.name_only else "control characters"
        return f"{self.what}: a string of 1 to {self.max_chars} characters without {without}"


@dataclass(frozen=True)
class Flag(Plain):
    """true or false (a JSON boolean, not 0/1 or a string)."""

    def read(self, field: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise FieldError(field, f"must be true or false, got {shown(value)}")
        return value

    def allowed(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Optional:
    """``rule``'s value, or null."""

    rule: Rule
    missing: Any = None

    def read(self, field: str, value: Any) -> Any:
        return None if value is None else self.rule.read(field, value)

    def load(self, field: str, value: Any) -> Any:
        return None if value is None else self.rule.load(field, value)

    def dump(self, value: Any) -> Any:
        return None if value is None else self.rule.dump(value)

    def allowed(self) -> str:
        return f"{self.rule.allowed()}, or null"


def spec_field(rule: Rule, default: Any = MISSING) -> Any:
    """A dataclass field read, written and documented by ``rule``."""
    return field(default=default, metadata={RULE: rule})


def spec_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields of spec dataclass ``cls`` that a rule reads and writes, in order (a field
    without one is not part of the JSON, e.g. what the spec's model file was found to declare)."""
    return [f for f in dataclasses.fields(cls) if RULE in f.metadata]


def rule_of(cls: type, name: str) -> Rule:
    """The rule of field ``name`` of spec dataclass ``cls``."""
    return next(f.metadata[RULE] for f in spec_fields(cls) if f.name == name)


def field_names(cls: type) -> list[str]:
    """The JSON keys of spec dataclass ``cls``: its fields, in order."""
    return [f.name for f in spec_fields(cls)]


def read_fields(
    cls: type, raw: dict[str, Any], prefix: str, errors: list[FieldError], stored: bool = False
) -> dict[str, Any]:
    """Every field of ``cls`` read from ``raw`` by its rule, for ``cls(**values)``.

    Unknown keys and broken rules are appended to ``errors`` (each named ``prefix`` +
    key); a field that fails takes its default (None without one) so that every problem
    of the spec is found in one pass. ``stored``: ``raw`` was read back from a stored run
    (each rule's ``load``, not ``read``).
    """
    known = field_names(cls)
    for key in sorted(set(raw) - set(known), key=str):
        errors.append(FieldError(f"{prefix}{key}", f"unknown field; known fields are {sorted(known)}"))
    values: dict[str, Any] = {}
    for item in spec_fields(cls):
        rule: Rule = item.metadata[RULE]
        fallback = None if item.default is MISSING else item.default
        missing = rule.missing if item.default is MISSING else rule.dump(item.default)
        try:
            read = rule.load if stored else rule.read
            values[item.name] = read(f"{prefix}{item.name}", raw.get(item.name, missing))
        except FieldError as error:
            errors.append(error)
            values[item.name] = fallback
        except SpecError as error:
            errors.extend(error.errors)
            values[item.name] = fallback
    return values


def dump_fields(obj: Any, names: Iterable[str] | None = None, omit_none: bool = False) -> dict[str, Any]:
    """The JSON form of spec dataclass ``obj``: each field (or each of ``names``) by its rule.

    ``omit_none``: leave out the fields that are None (optional ones left unset).
    """
    wanted = field_names(type(obj)) if names is None else list(names)
    return {
        name: rule_of(type(obj), name).dump(getattr(obj, name))
        for name in wanted
        if not (omit_none and getattr(obj, name) is None)
    }
