"""The boundary: the engine never imports streamlit; the UI never imports torch."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_engine_never_imports_streamlit() -> None:
    offenders = [p.name for p in (ROOT / "tuning").rglob("*.py") if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_ui_never_imports_torch() -> None:
    ui_files = [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]
    assert len(ui_files) > 5, "the pages are not where the spec puts them"
    offenders = [str(p.relative_to(ROOT)) for p in ui_files if "torch" in imported_modules(p)]
    assert offenders == []


def test_the_engine_api_loads_without_torch() -> None:
    code = "import sys, tuning; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
