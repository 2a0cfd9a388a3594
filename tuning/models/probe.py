"""``python -m tuning.models.probe KIND REFERENCE``: import a user's code and describe it, as JSON.

Importing a user's file runs it, so the engine never does it in its own process (nor the
dashboard's): ``source.describe`` runs this module as a process of its own and reads the
last line it prints, ``SWEETSPOT-PROBE {json}``. The JSON holds the file's text and sha256,
and either what it declares (a model's ``SPACE``, optional hooks and ``DEFAULTS``, what its
``data()`` returns) or why it cannot be used: the file, the line and what is wrong.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from tuning.errors import FieldError
from tuning.models.code_data import read_code_data
from tuning.models.reference import CodeKind, Reference, import_code

MARK = "SWEETSPOT-PROBE "
HOOKS = ("data", "loss", "train_step")
DOCS = "docs/your-model.md"


class Unusable(Exception):
    """The code imported, but does not keep the contract; the message says what is missing."""


def where(error: BaseException, path: Path) -> str:
    """``file, line N`` of the error: in the user's file when the traceback passes through it."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}, line {error.lineno}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "importlib" not in f.filename]
    own = [f for f in frames if Path(f.filename).resolve() == path] or frames
    return f"{own[-1].filename}, line {own[-1].lineno}" if own else str(path)


def plain_json(path: Path, name: str, value: Any) -> Any:
    """``value`` as JSON data (tuples become lists); Unusable when it is not plain data."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        raise Unusable(
            f"{path}: {name} must be plain data (numbers, strings, lists, dicts), got {value!r:.80}"
        ) from None


def defaults_of(module: ModuleType, path: Path) -> dict[str, Any] | None:
    """The file's ``DEFAULTS`` (a partial run spec, model file or objective), or None."""
    defaults = getattr(module, "DEFAULTS", None)
    if defaults is not None and not isinstance(defaults, dict):
        raise Unusable(f"{path}: DEFAULTS must be a dict, a partial run spec; got {defaults!r:.60}")
    return None if defaults is None else plain_json(path, "DEFAULTS", defaults)


def describe_model(module: ModuleType, path: Path) -> dict[str, Any]:
    """SPACE, build, the optional hooks and DEFAULTS, and what data() returns."""
    space = getattr(module, "SPACE", None)
    if not isinstance(space, dict) or not space:
        got = "none" if space is None else repr(space)[:60]
        raise Unusable(
            f"{path} declares no SPACE (got {got}): a model file needs SPACE, a dict of hyperparameter "
            f"name → fixed value, range or choice ({DOCS})"
        )
    if not callable(getattr(module, "build", None)):
        raise Unusable(
            f"{path} has no build(config, data_info) function returning a torch.nn.Module ({DOCS})"
        )
    check_signature(module.build, path)
    hooks = [name for name in HOOKS if callable(getattr(module, name, None))]
    description: dict[str, Any] = {
        "space": plain_json(path, "SPACE", space),
        "hooks": hooks,
        "defaults": defaults_of(module, path),
        "data": None,
    }
    if "data" in hooks:
        try:
            description["data"] = read_code_data(module.data()).info()
        except Exception as error:
            raise Unusable(f"{where(error, path)}: data() failed: {type(error).__name__}: {error}") from None
    return description


def check_signature(build: Any, path: Path) -> None:
    """Refuse a build() that cannot take (config, data_info): every trial would fail on it."""
    try:
        signature = inspect.signature(build)
    except (TypeError, ValueError):  # no signature to read (a C function): the trials will tell
        return
    try:
        signature.bind(None, None)
    except TypeError as error:
        call = "build(config, data_info)"
        raise Unusable(f"{path}: build{signature} cannot be called as {call}: {error}") from None


def describe(kind: CodeKind, text: str) -> dict[str, Any]:
    """The description of the code ``text`` names (see the module docstring)."""
    reference = Reference.parse(kind, text)
    path = reference.path()
    source = path.read_bytes()
    found: dict[str, Any] = {
        "reference": text,
        "kind": kind.value,
        "path": str(path),
        "sha256": hashlib.sha256(source).hexdigest(),
        "text": source.decode("utf-8", errors="replace"),
    }
    try:
        module = import_code(reference)
    except BaseException as error:  # SystemExit too: the user's code must not end the probe silently
        return {**found, "refusal": f"{where(error, path)}: {type(error).__name__}: {error}"}
    try:
        if kind is CodeKind.OBJECTIVE:
            if not callable(getattr(module, reference.function or "", None)):
                raise Unusable(
                    f"{path} has no function {reference.function!r}; "
                    "an objective is a function objective(trial) -> float"
                )
            return {**found, "refusal": None, "defaults": defaults_of(module, path)}
        return {**found, "refusal": None, **describe_model(module, path)}
    except Unusable as error:
        return {**found, "refusal": str(error)}


def main(argv: list[str]) -> int:
    kind, text = CodeKind(argv[0]), argv[1]
    try:
        result = describe(kind, text)
    except FieldError as error:
        result = {"reference": text, "kind": kind.value, "refusal": error.message}
    print(MARK + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
