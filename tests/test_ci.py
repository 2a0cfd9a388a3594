"""CI's cleanliness check: a test suite that rewrites tracked files must fail the build."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check_clean.sh"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed repository with one tracked picture and an ignored artifacts folder."""
    if not shutil.which("git"):
        pytest.skip("needs git")
    git(tmp_path, "init", "-q")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "monitor.png").write_bytes(b"picture")
    (tmp_path / ".gitignore").write_text("test-artifacts/\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    return tmp_path


def check(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(CHECK), str(repo)], capture_output=True, text=True)


def test_a_clean_tree_passes_and_ignored_output_is_fine(repo: Path) -> None:
    (repo / "test-artifacts").mkdir()
    (repo / "test-artifacts" / "monitor.png").write_bytes(b"new picture")
    done = check(repo)
    assert done.returncode == 0, done.stderr
    assert "working tree clean" in done.stdout


@pytest.mark.parametrize(
    ("change", "listed"),
    [
        (lambda repo: (repo / "docs" / "monitor.png").write_bytes(b"rewritten"), " M docs/monitor.png"),
        (lambda repo: (repo / "docs" / "new.txt").write_text("x"), "?? docs/new.txt"),
    ],
    ids=["tracked file rewritten", "untracked file left"],
)
def test_a_changed_tree_fails_listing_the_files(
    repo: Path, change: Callable[[Path], object], listed: str
) -> None:
    change(repo)
    done = check(repo)
    assert done.returncode == 1
    assert "not clean after the tests" in done.stderr
    assert listed in done.stderr.splitlines()


def test_ci_lints_and_type_checks_then_tests_then_checks_the_tree() -> None:
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.startswith((".venv", "bash "))
    ]
    assert lines[-2:] == ['bash scripts/test.sh "$@"', "bash scripts/check_clean.sh"]
    assert {".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/mypy"} <= set(lines[:-2])


def test_no_test_writes_into_docs() -> None:
    """The e2e screenshot used to be copied over docs/images/monitor.png on every run."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path != Path(__file__) and ("docs/images" in (text := path.read_text()) or '"images" /' in text)
    ]
    assert offenders == []


@pytest.mark.parametrize("status", [0, 3])
def test_ci_says_how_long_it_took_and_how_it_ended(tmp_path: Path, status: int) -> None:
    """.ci/run around stand-ins for the suite and the cleanliness check."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "test.sh").write_text(f'echo "suite $*"; exit {status}\n')
    (tmp_path / "scripts" / "check_clean.sh").write_text('echo "working tree clean"\n')
    (tmp_path / "scripts" / "venv.sh").write_text("exit 0\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    for linter in ("ruff", "mypy"):  # the lint and type checks pass silently here
        (tmp_path / ".venv" / "bin" / linter).write_text("#!/bin/sh\nexit 0\n")
        (tmp_path / ".venv" / "bin" / linter).chmod(0o755)
    done = subprocess.run(["bash", str(tmp_path / ".ci" / "run"), "-x"], capture_output=True, text=True)
    assert done.returncode == status
    lines = done.stdout.splitlines()
    assert lines[0] == "suite -x" and ("working tree clean" in lines) == (status == 0)
    assert re.fullmatch(rf"ci: 0 min \d+ s, exit {status}", lines[-1]), done.stdout
