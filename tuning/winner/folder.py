"""The model folder: what a finished run's winner is on disk, in a zip, and in the storage.

Four files, none of them a pickle that Sweetspot loads:

- ``model.json``: the run, its spec, the winning configuration, the columns with their
  kinds and categories, the classes, test metrics and baselines, package versions, and
  the SHA-256 of every other file;
- ``weights.safetensors``: every member's network weights (``members.<i>.<layer>``);
- ``preprocessing.json``: every member's fitted preprocessing as plain numbers and words
  (``tuning.winner.preprocessing``);
- ``network.torchscript.pt`` (when the network could be scripted): the members as one
  TorchScript module, so the network runs with torch alone (libtorch too). It is a
  TorchScript archive, which carries its own pickle-format records read by TorchScript's
  restricted loader: Sweetspot never opens it, and a reader should load it only from a
  folder they trust, like any TorchScript file.

A folder travels as a zip (the Monitor's download, the copy stored with the run); the
same bytes unpack to the folder ``python -m tuning model`` writes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tuning.errors import FieldError

#: Bumped when a reader of an older folder could misread a newer one.
FORMAT = "sweetspot-model-v1"
CARD = "model.json"
WEIGHTS = "weights.safetensors"
PREPROCESSING = "preprocessing.json"
TORCHSCRIPT = "network.torchscript.pt"
FILES = (CARD, WEIGHTS, PREPROCESSING, TORCHSCRIPT)


class Source(StrEnum):
    """Which model of a run: the one selected on validation, or it refit on train + validation."""

    SELECTED = "selected"
    REFIT = "refit"


@dataclass(frozen=True)
class ModelFolder:
    """A model folder's files by name, held in memory."""

    files: dict[str, bytes]

    @classmethod
    def build(cls, card: dict[str, Any], files: dict[str, bytes]) -> ModelFolder:
        """A folder of ``files`` with ``card`` as its model.json, each file's hash in it."""
        hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
        document = {"format": FORMAT, **card, "files": hashes}
        return cls({CARD: json.dumps(document, indent=1).encode("utf-8"), **files})

    @property
    def card(self) -> dict[str, Any]:
        return json.loads(self.files[CARD])

    def to_zip(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files.items():
                archive.writestr(name, data)
        return buffer.getvalue()

    @classmethod
    def from_zip(cls, data: bytes, where: str = "the model archive") -> ModelFolder:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                files = {n: archive.read(n) for n in archive.namelist() if n in FILES}
        except zipfile.BadZipFile:
            raise FieldError("model", f"{where} is not a zip file") from None
        return cls(files).checked(where)

    def write(self, folder: Path) -> Path:
        """Write the files into ``folder`` (created; existing model files are replaced)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return folder

    @classmethod
    def read(cls, folder: Path) -> ModelFolder:
        files = {name: (folder / name).read_bytes() for name in FILES if (folder / name).is_file()}
        return cls(files).checked(str(folder))

    def checked(self, where: str) -> ModelFolder:
        """Refuse a folder that is not one, of another format, or whose files changed."""
        if CARD not in self.files:
            raise FieldError("model", f"{where} has no {CARD}: it is not a Sweetspot model folder")
        card = self.card
        if card.get("format") != FORMAT:
            raise FieldError(
                "model", f"{where} is in format {card.get('format')!r}; this reader knows {FORMAT}"
            )
        for name, digest in card.get("files", {}).items():
            data = self.files.get(name)
            if data is None:
                raise FieldError("model", f"{where} lacks {name}, which its {CARD} lists")
            if hashlib.sha256(data).hexdigest() != digest:
                raise FieldError("model", f"{where}: {name} does not match the hash in its {CARD}")
        return self
