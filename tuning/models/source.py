"""A user's model file or objective as the engine knows it: described once, stored with the run.

``describe`` runs the probe (``models/probe.py``) in a process of its own, so neither the
engine nor the dashboard ever imports the user's code, and keeps the answer per reference
and file hash: the Launch page asks on every rerun, and only an edited file is imported
again. A refusal (no such file, an import error, no ``SPACE`` or ``build``) is a
FieldError naming the field, the file, the line and what is wrong. The description, with
the file's text and sha256, is stored with the run (``record.MODEL_SOURCE``): a stored run
reads its spec without importing anything, the Monitor and the reproduce command show it,
and ``check_copy`` lets a worker refuse to join when its own copy differs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuning.demo_mode import demo_on
from tuning.errors import FieldError, TuningError
from tuning.models.probe import MARK
from tuning.models.reference import MODEL_ROOT_ENV, CodeKind, Reference, file_hash, model_root

if TYPE_CHECKING:
    from tuning.models.family import ModelFamily

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
PROBE_TIMEOUT_S = 120.0


class CodeMismatch(TuningError):
    """This machine's copy of a run's model file is missing or differs from the stored one."""


@dataclass(frozen=True)
class ModelSource:
    """What the probe said of a model file or objective, with the file's text and hash."""

    reference: str
    kind: CodeKind
    sha256: str
    text: str
    space: dict[str, Any] = field(default_factory=dict)
    hooks: tuple[str, ...] = ()
    defaults: dict[str, Any] | None = None
    data: dict[str, Any] | None = None  # code_data.CodeData.info() of its data()

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ModelSource:
        """A stored (or probed) description; unknown keys are ignored."""
        return cls(
            raw["reference"], CodeKind(raw["kind"]), raw["sha256"], raw["text"], raw.get("space") or {},
            tuple(raw.get("hooks") or ()), raw.get("defaults"), raw.get("data"),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "kind": self.kind.value,
            "sha256": self.sha256,
            "text": self.text,
            "space": self.space,
            "hooks": list(self.hooks),
            "defaults": self.defaults,
            "data": self.data,
        }

    @property
    def parsed(self) -> Reference:
        return Reference.parse(self.kind, self.reference)

    @cached_property
    def family(self) -> ModelFamily:
        """The model family this code is (``user.py``): its space, cost model and trainer."""
        from tuning.models.user import code_family  # user.py builds families from sources

        return code_family(self)

    def check_copy(self, root: Path | None = None) -> Path:
        """This machine's copy of the file, when it is the one stored with the run; else
        CodeMismatch saying what differs and how to fix it."""
        how = "put the same file at the same place (or the module on PYTHONPATH; docs/your-model.md)"
        try:
            path = self.parsed.path(root)
        except FieldError as error:
            raise CodeMismatch(
                f"this worker cannot find the run's {self.kind.value}: {error.message}; {how}"
            ) from None
        here = file_hash(path)
        if here != self.sha256:
            raise CodeMismatch(
                f"{path} differs from the {self.kind.value} stored with the run (sha256 {here[:12]}… "
                f"here, {self.sha256[:12]}… in the run): this worker would train other code than the "
                f"others; {how}, e.g. `python -m tuning spec RUN` shows the stored reference"
            )
        return path


#: Probe answers by (kind, reference, file, sha256, the Python files beside it): a file is
#: imported again only once it or a module beside it (a helper it imports) is edited.
_DESCRIBED: dict[tuple[str, str, str, str, tuple[tuple[str, int], ...]], dict[str, Any]] = {}


def describe(kind: CodeKind, text: str) -> ModelSource:
    """The description of the model file or objective ``text`` names; FieldError if unusable.

    The public demo refuses before anything is imported: describing runs the file.
    """
    if demo_on():
        raise FieldError(
            kind.value,
            "the public demo runs no code of yours (a model file or objective is Python it would "
            "execute); run Sweetspot on your own machine to tune your model",
        )
    reference = Reference.parse(kind, text)
    path = reference.path()
    key = (kind.value, text, str(path), file_hash(path), _neighbours(path))
    if key not in _DESCRIBED:
        _DESCRIBED[key] = probe(kind, text)
    answer = _DESCRIBED[key]
    if answer.get("refusal"):
        raise FieldError(kind.value, answer["refusal"])
    return ModelSource.from_dict(answer)


def _neighbours(path: Path) -> tuple[tuple[str, int], ...]:
    """The Python files in ``path``'s folder and when each last changed: a missing helper
    written, or a broken one fixed, makes a refused file worth importing again."""
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in path.parent.glob("*.py")))
    except OSError:  # a file gone between the listing and its stat: the probe says what is missing
        return ()


def code_env(root: Path) -> dict[str, str]:
    """The environment of a process that imports the user's code: this package and the model
    root importable, and the root named so relative references resolve alike."""
    paths = [str(PACKAGE_ROOT), str(root), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), MODEL_ROOT_ENV: str(root)}


def probe(kind: CodeKind, text: str) -> dict[str, Any]:
    """Run the probe on ``text`` in a process of its own and read its answer."""
    root = model_root()
    argv = [sys.executable, "-m", "tuning.models.probe", kind.value, text]
    try:
        done = subprocess.run(
            argv, cwd=root, env=code_env(root), capture_output=True, text=True, timeout=PROBE_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return {
            "refusal": f"importing {text} took more than {PROBE_TIMEOUT_S:g} s; does it train at import time?"
        }
    answers = [line[len(MARK) :] for line in done.stdout.splitlines() if line.startswith(MARK)]
    if not answers:
        tail = (done.stderr or done.stdout).strip()[-500:]
        why = f"importing {text} ended the process (exit {done.returncode}) before it answered"
        return {"refusal": f"{why}: {tail}"}
    return json.loads(answers[-1])
