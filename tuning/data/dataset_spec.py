"""Which data a run trains on, as validated plain data: the ``dataset`` field of a run spec.

Its options depend on the dataset's registry entry (``tuning.data.datasets``): generated
data takes rows and a seed, an uploaded table its target, file name and left-out columns.
The CSV's text itself is stored beside the spec, not in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuning.data.dataset import DatasetOption
from tuning.data.datasets import DATASETS
from tuning.errors import FieldError
from tuning.rules import OneOf, Optional, Plain, Text, Whole, dump_fields, spec_field

SEED = Whole(0, 2**31 - 1)


@dataclass(frozen=True)
class Names(Plain):
    """A list of distinct names (e.g. columns), stored as a tuple."""

    what: str

    def read(self, field: str, value: Any) -> tuple[str, ...]:
        text = Text("a name")
        if not isinstance(value, list) or len(set(map(str, value))) != len(value):
            raise FieldError(field, f"must be {self.allowed()}, got {value!r}")
        return tuple(text.read(field, name) for name in value)

    def dump(self, value: tuple[str, ...]) -> list[str]:
        return list(value)

    def allowed(self) -> str:
        return f"a list of distinct {self.what}"


@dataclass(frozen=True)
class DatasetSpec:
    """Which data to train on; ``csv`` data itself is stored beside the spec, not in it."""

    name: str = spec_field(OneOf(lambda: DATASETS))
    rows: int = spec_field(Whole(20, 1_000_000), 1000)
    seed: int = spec_field(SEED, 0)
    target: str | None = spec_field(Optional(Text("a column name")), None)
    filename: str | None = spec_field(Optional(Text("a file name", name_only=True)), None)
    exclude: tuple[str, ...] = spec_field(Names("column names to leave out of the features"), ())

    def to_dict(self) -> dict[str, Any]:
        """The name and the options this dataset takes (its registry entry says which)."""
        options = [o.value for o in DATASETS[self.name].options]
        if not self.exclude:  # left out when empty: specs stored before it existed stay byte-identical
            options = [o for o in options if o != DatasetOption.EXCLUDE]
        return dump_fields(self, ["name", *options])

    def problems(self, prefix: str) -> list[FieldError]:
        """What the dataset's registry entry requires beyond each field's own rule."""
        if DatasetOption.TARGET in DATASETS[self.name].options and not self.target:
            return [FieldError(f"{prefix}target", "a CSV dataset needs the name of its target column")]
        return []
