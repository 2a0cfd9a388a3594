"""Where a user's code is: a model file or module, or an objective function, found and imported.

A reference is what a spec's ``model`` or ``objective`` says: ``path/to/file.py`` or
``package.module`` (a model), the same with ``:function`` (an objective). A relative path
and a module are looked up from the *model root*: ``$SWEETSPOT_MODEL_ROOT`` (the launcher
sets it for its workers to its own directory), else the current directory; a module also
on ``sys.path``. Finding the file never runs it (no ``importlib.util.find_spec``, which
imports parent packages); only ``import_code`` does, and only the probe
(``models/probe.py``, a process of its own) and worker processes call it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import ModuleType

from tuning.errors import FieldError

MODEL_ROOT_ENV = "SWEETSPOT_MODEL_ROOT"
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
MODULE = re.compile(rf"{IDENTIFIER}(\.{IDENTIFIER})*")


class CodeKind(StrEnum):
    """What a reference names; also the spec field that holds it."""

    MODEL = "model"  # a file or module declaring SPACE and build (docs/your-model.md)
    OBJECTIVE = "objective"  # an Optuna objective(trial) -> float, as an existing script has it


@dataclass(frozen=True)
class Reference:
    """A parsed reference: its text as written, the file or module, and an objective's function."""

    text: str
    kind: CodeKind
    target: str
    function: str | None = None

    @classmethod
    def parse(cls, kind: CodeKind, text: str) -> Reference:
        """Read ``text`` as a reference of ``kind``; FieldError names the field and the forms."""
        forms = (
            "'path/to/file.py' or 'package.module'"
            if kind is CodeKind.MODEL
            else "'path/to/file.py:function' or 'package.module:function'"
        )
        target, _, function = text.rpartition(":") if kind is CodeKind.OBJECTIVE else (text, "", None)
        problem = None
        if kind is CodeKind.OBJECTIVE and not re.fullmatch(IDENTIFIER, function or ""):
            problem = "names no function after ':'"
        elif not target or not (target.endswith(".py") or MODULE.fullmatch(target)):
            problem = "is neither a .py file nor a dotted module name"
        if problem:
            raise FieldError(kind.value, f"{text!r} {problem}; write {forms}")
        return cls(text, kind, target, function or None)

    @property
    def is_file(self) -> bool:
        return self.target.endswith(".py")

    def path(self, root: Path | None = None) -> Path:
        """The file the reference names, found without running anything; FieldError if none."""
        root = root or model_root()
        if self.is_file:
            path = root / self.target
            if path.is_file():
                return path.resolve()
            raise FieldError(self.kind.value, f"no file {self.target!r} (looked in {root})")
        parts = self.target.split(".")
        for folder in [root, *(Path(entry or ".") for entry in sys.path)]:
            for candidate in (
                folder.joinpath(*parts).with_suffix(".py"),
                folder.joinpath(*parts, "__init__.py"),
            ):
                if candidate.is_file():
                    return candidate.resolve()
        raise FieldError(
            self.kind.value,
            f"no module {self.target!r} in {root} or on sys.path; put its folder on PYTHONPATH "
            "(docs/your-model.md)",
        )


def model_root() -> Path:
    """Where relative files and modules are looked up: ``$SWEETSPOT_MODEL_ROOT`` or the current directory."""
    return Path(os.environ.get(MODEL_ROOT_ENV) or os.getcwd())


def file_hash(path: Path) -> str:
    """The sha256 of the file's bytes: what a worker compares with the run's stored copy."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_code(reference: Reference, root: Path | None = None) -> ModuleType:
    """Import the user's file or module (this runs its code). A file's folder goes first on
    ``sys.path``, as when Python runs it as a script, so its own imports of neighbours work."""
    root = root or model_root()
    if not reference.is_file:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        return importlib.import_module(reference.target)
    path = reference.path(root)
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    name = f"sweetspot_user_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    spec.loader.exec_module(module)
    return module
