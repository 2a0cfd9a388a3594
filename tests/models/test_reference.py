"""A reference to the user's code: its forms, and the file found without running anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.code_files import write_code
from tuning.errors import FieldError
from tuning.models.reference import CodeKind, Reference, import_code


@pytest.mark.parametrize(
    ("kind", "text", "target", "function"),
    [
        (CodeKind.MODEL, "path/to/file.py", "path/to/file.py", None),
        (CodeKind.MODEL, "package.module", "package.module", None),
        (CodeKind.OBJECTIVE, "path/to/file.py:objective", "path/to/file.py", "objective"),
        (CodeKind.OBJECTIVE, "package.module:fit_1", "package.module", "fit_1"),
    ],
)
def test_the_forms_a_spec_names_code_by(kind: CodeKind, text: str, target: str, function: str | None) -> None:
    reference = Reference.parse(kind, text)
    assert (reference.target, reference.function) == (target, function)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (CodeKind.MODEL, "path/model.txt", "is neither a .py file nor a dotted module name"),
        (CodeKind.MODEL, "not a module", "is neither a .py file nor a dotted module name"),
        (CodeKind.OBJECTIVE, "file.py", "names no function after ':'"),
        (CodeKind.OBJECTIVE, "file.py:2bad", "names no function after ':'"),
    ],
)
def test_a_malformed_reference_names_the_field_and_the_forms(kind: CodeKind, text: str, message: str) -> None:
    with pytest.raises(FieldError, match=message) as caught:
        Reference.parse(kind, text)
    assert caught.value.field == kind.value
    assert "write '" in caught.value.message


def test_a_module_is_found_without_running_its_package(code_root: Path) -> None:
    package = code_root / "mine"
    package.mkdir()
    write_code(package, "__init__.py", "raise SystemExit('the package ran')")
    write_code(package, "net.py", "VALUE = 1")
    found = Reference.parse(CodeKind.MODEL, "mine.net").path()
    assert found == (package / "net.py").resolve()  # no SystemExit: nothing was imported


def test_a_missing_file_or_module_says_where_it_looked(code_root: Path) -> None:
    with pytest.raises(FieldError, match=f"no file 'absent.py' \\(looked in {code_root}\\)"):
        Reference.parse(CodeKind.MODEL, "absent.py").path()
    with pytest.raises(FieldError, match="no module 'absent_pkg.net'.*PYTHONPATH"):
        Reference.parse(CodeKind.MODEL, "absent_pkg.net").path()


def test_a_file_imports_its_neighbours(code_root: Path) -> None:
    write_code(code_root, "helpers.py", "WIDTH = 7")
    write_code(code_root, "net.py", "from helpers import WIDTH\nSPACE = {'width': WIDTH}")
    assert import_code(Reference.parse(CodeKind.MODEL, "net.py")).SPACE == {"width": 7}
