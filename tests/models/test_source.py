"""Describing a user's code in a process of its own: what it declares, or why it cannot be used."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.code_files import TINY_MODEL, write_code
from tuning.errors import FieldError
from tuning.models.reference import CodeKind
from tuning.models.source import CodeMismatch, describe

#: Counts its imports in a file beside it: the probe's cache must import a file once per version.
COUNTING = """
from pathlib import Path
marker = Path(__file__).with_suffix(".imports")
marker.write_text(marker.read_text() + "x" if marker.exists() else "x")
SPACE = {"width": {"type": "int", "low": 1, "high": 4}}
def build(config, data_info):
    return None
"""


def test_a_model_file_is_described_with_its_text_hash_space_and_data(code_root: Path) -> None:
    path = write_code(code_root, "tiny.py", TINY_MODEL)
    source = describe(CodeKind.MODEL, "tiny.py")
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source.text == path.read_text()
    assert list(source.space) == ["width", "lr", "batch_size", "epochs"]
    assert source.hooks == ("data",)
    assert source.defaults == {"strategy": "random", "budget": {"n_trials": 2}, "seed": 0}
    assert source.data == {
        "rows": 60, "input_shape": [3], "task": "classification", "classes": 2,
        "class_counts": source.data["class_counts"], "ready": False,  # type: ignore[index]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("import json\n\nimport not_a_module_anywhere\n", r", line 3: ModuleNotFoundError: No module named"),
        ("SPACE = {'a': 1}\ndef build(config, data_info)\n", r", line 2: SyntaxError"),
        ("raise SystemExit('bye')\n", r", line 1: SystemExit: bye"),
        (
            "def build(config, data_info):\n    return None\n",
            r"declares no SPACE \(got none\): a model file needs SPACE",
        ),
        ("SPACE = {'a': 1}\n", r"has no build\(config, data_info\) function"),
        ("SPACE = {'a': 1}\nbuild = 3\n", r"has no build\(config, data_info\) function"),
        (
            "SPACE = {'a': 1}\ndef build(config):\n    pass\n",
            r"build\(config\) cannot be called as build\(config, data_info\): too many positional arguments",
        ),  # every trial failed with a TypeError (QA pass)
        ("SPACE = {'a': object()}\ndef build(c, d):\n    pass\n", r"SPACE must be plain data"),
    ],
)
def test_an_unusable_model_file_is_refused_naming_the_file_line_and_what_is_wrong(
    code_root: Path, text: str, message: str
) -> None:
    path = write_code(code_root, "broken.py", text)
    with pytest.raises(FieldError, match=message) as caught:
        describe(CodeKind.MODEL, "broken.py")
    assert caught.value.field == "model"
    assert str(path) in caught.value.message


def test_an_objective_needs_its_function_and_may_carry_defaults(code_root: Path) -> None:
    text = "DEFAULTS = {'strategy': 'random'}\ndef objective(trial):\n    return 1.0\n"
    write_code(code_root, "objective.py", text)
    source = describe(CodeKind.OBJECTIVE, "objective.py:objective")
    assert (source.space, source.defaults) == ({}, {"strategy": "random"})
    with pytest.raises(FieldError, match="has no function 'nope'") as caught:
        describe(CodeKind.OBJECTIVE, "objective.py:nope")
    assert caught.value.field == "objective"


def test_a_file_is_imported_once_per_version(code_root: Path) -> None:
    path = write_code(code_root, "counting.py", COUNTING)
    marker = path.with_suffix(".imports")
    describe(CodeKind.MODEL, "counting.py")
    describe(CodeKind.MODEL, "counting.py")
    assert marker.read_text() == "x"
    path.write_text(path.read_text().replace('"high": 4', '"high": 5'))
    assert describe(CodeKind.MODEL, "counting.py").space["width"]["high"] == 5
    assert marker.read_text() == "xx"


def test_a_refusal_is_tried_again_once_a_file_beside_it_changes(code_root: Path) -> None:
    """The file imports a helper that is missing, then written: the picker kept the refusal
    until the dashboard restarted (found in a QA pass)."""
    write_code(code_root, "net.py", "from helper_here import WIDTH\n" + TINY_MODEL)
    with pytest.raises(FieldError, match="No module named 'helper_here'"):
        describe(CodeKind.MODEL, "net.py")
    write_code(code_root, "helper_here.py", "WIDTH = 4")
    assert "width" in describe(CodeKind.MODEL, "net.py").space


def test_the_public_demo_refuses_before_importing_anything(
    code_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_code(code_root, "counting.py", COUNTING)
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    with pytest.raises(FieldError, match="the public demo runs no code of yours") as caught:
        describe(CodeKind.MODEL, "counting.py")
    assert caught.value.field == "model"
    assert not path.with_suffix(".imports").exists()


def test_a_workers_copy_must_be_the_runs(code_root: Path) -> None:
    path = write_code(code_root, "counting.py", COUNTING)
    source = describe(CodeKind.MODEL, "counting.py")
    assert source.check_copy() == path.resolve()
    path.write_text(path.read_text() + "\n# edited\n")
    with pytest.raises(CodeMismatch, match="differs from the model stored with the run") as caught:
        source.check_copy()
    assert "put the same file at the same place" in str(caught.value)
    path.unlink()
    with pytest.raises(CodeMismatch, match="cannot find the run's model: no file 'counting.py'"):
        source.check_copy()
