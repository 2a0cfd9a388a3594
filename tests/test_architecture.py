"""The boundaries: the engine never imports streamlit; the UI never imports torch, reaches
the engine only through ``tuning`` and never handles Optuna objects."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tuning import EXPORTS

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]


def imports_of(path: Path, *, absolute_only: bool = True) -> set[str]:
    """Every module ``path`` imports, anywhere in the file (lazy imports inside functions too)."""
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def tuning_module_path(module: str) -> Path | None:
    """The file of an engine module, or None when ``module`` is not one (a name inside one)."""
    relative = Path(*module.split("."))
    for candidate in (ROOT / relative / "__init__.py", ROOT / relative.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def reachable_from(module: str) -> dict[str, list[str]]:
    """Engine modules reachable from ``module`` by any import, with the chain that reaches each
    (the API's lazy imports, ``tuning.EXPORTS``, count as imports of ``tuning``)."""
    chains = {module: [module]}
    todo = [module]
    while todo:
        current = todo.pop()
        path = tuning_module_path(current)
        assert path is not None, current
        lazy = set(EXPORTS) if current == "tuning" else set()
        for name in sorted(imports_of(path) | lazy):
            parts = name.split(".")
            # importing a.b.c runs a/__init__ and a/b/__init__ too
            for depth in range(1, len(parts) + 1):
                prefix = ".".join(parts[:depth])
                if prefix.split(".")[0] == "tuning" and prefix not in chains and tuning_module_path(prefix):
                    chains[prefix] = [*chains[current], prefix]
                    todo.append(prefix)
    return chains


def test_engine_never_imports_streamlit() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tuning").rglob("*.py")
        if any(name.split(".")[0] == "streamlit" for name in imports_of(p))
    ]
    assert offenders == []


def test_ui_never_imports_torch_or_optuna() -> None:
    assert len(UI_FILES) > 5, "the pages are not where the spec puts them"
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in UI_FILES
        for name in imports_of(p)
        if name.split(".")[0] in ("torch", "optuna")
    ]
    assert offenders == []


def test_ui_imports_the_engine_only_through_its_api() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in UI_FILES
        for name in imports_of(p)
        if name.startswith("tuning.") and tuning_module_path(name) is not None
    ]
    assert offenders == [], "pages import from `tuning` only (tuning/__init__.py), no engine submodule"


def test_ui_never_reaches_into_optuna_objects() -> None:
    """A run handle goes back into the engine as it is; its study and storage stay there."""
    pattern = re.compile(r"\.(study|storage|get_trials|user_attrs|system_attrs)\b|FrozenTrial")
    offenders = [
        f"{p.relative_to(ROOT)}:{number}: {line.strip()}"
        for p in UI_FILES
        for number, line in enumerate(p.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_nothing_the_api_reaches_imports_torch() -> None:
    """Checked on the import graph, lazy imports included, not only on what one run loads."""
    chains = reachable_from("tuning")
    offenders = [
        " → ".join(chain) + " → torch"
        for module, chain in chains.items()
        if any(name.split(".")[0] == "torch" for name in imports_of(tuning_module_path(module)))  # type: ignore[arg-type]
    ]
    assert offenders == []
    assert "tuning.views.snapshot" in chains  # the walk does follow the API's imports


def test_the_engine_api_loads_without_torch() -> None:
    """Every name of the API loaded (each is imported on first use), and still no torch."""
    code = "import sys, tuning; [getattr(tuning, n) for n in tuning.__all__]; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


MAX_FUNCTION_LINES = 50


def test_no_engine_function_is_over_fifty_lines() -> None:
    """Long functions hide several jobs; issue 10 split the last ones (the spec reader, the worker)."""
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted((ROOT / "tuning").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"split these by job: {long}"


#: The engine's layers, lowest first: a module may import its own package and the layers
#: below it, never one above. Leaves (errors, the registry type, the field rules, whether
#: the demo is on) import nothing of the engine but errors; models is the model seam (a
#: family's hyperparameters, cost and trainer's name; a user's file described in a process
#: of its own); data knows tables, definition what a run is (its space read against its
#: family), storage where runs live, reading how the dashboard reads them (rows made once),
#: views what it shows, training how they run; the top modules act for users (the demo's
#: rules, starting workers, actions on runs, the CLI).
LAYERS = (
    "errors", "registry", "rules", "demo_mode", "models", "data", "definition", "storage", "reading", "views",
    "winner", "training",
    "demo", "demo_capacity", "launcher", "actions", "winner_commands", "cli", "__main__",
)  # fmt: skip


def layer_of(module: str) -> str:
    """``tuning.data.csv_data`` → ``data``; ``tuning.cli`` → ``cli``."""
    return module.split(".")[1]


def test_the_engine_s_packages_import_only_the_layers_below_them() -> None:
    """Type-only imports count too: a cycle that only type checkers see is still a cycle."""
    rank = {name: index for index, name in enumerate(LAYERS)}
    modules = sorted(
        p for p in (ROOT / "tuning").rglob("*.py") if p.name != "__init__.py" or p.parent.name != "tuning"
    )
    unplaced = sorted(
        {layer_of(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in modules} - set(rank)
    )
    assert unplaced == [], f"add these to LAYERS where they belong: {unplaced}"
    upward = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in modules
        for name in imports_of(p)
        if name.startswith("tuning.")
        and rank[layer_of(name)] > rank[layer_of(".".join(p.relative_to(ROOT).with_suffix("").parts))]
    ]
    assert upward == []


def test_test_files_have_unique_names() -> None:
    """The test folders are not packages: two ``test_export.py`` stop pytest at collection
    (the merged suite of issues 20 and 22 did)."""
    names = Counter(path.name for path in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
