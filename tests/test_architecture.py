"""The boundaries: the engine never imports streamlit; the UI never imports torch, reaches
the engine only through ``tuning`` and never handles Optuna objects."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

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
    """Engine modules reachable from ``module`` by any import, with the chain that reaches each."""
    chains = {module: [module]}
    todo = [module]
    while todo:
        current = todo.pop()
        path = tuning_module_path(current)
        assert path is not None, current
        for name in sorted(imports_of(path)):
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


#: The engine's subpackages, lowest first: each imports only from those before it (and from
#: the leaf modules errors, registry and demo_mode). The model seam sits below the definition
#: of a run (a spec reads its space against its family); the trainers sit above everything.
LAYERS = ("models", "data", "definition", "storage", "views", "training")
LEAVES = ("tuning.errors", "tuning.registry", "tuning.demo_mode")
#: Known exceptions, each with its reason: data's modules name the task of a table, and
#: ``Task`` lives in definition/metrics.py until it moves to a leaf module (issue 19.9).
ALLOWED = {("data", "tuning.definition.metrics")}


def runtime_imports(path: Path) -> set[str]:
    """The engine modules ``path`` imports when it runs (``TYPE_CHECKING`` imports left out)."""
    tree = ast.parse(path.read_text(), str(path))
    checking = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for child in ast.walk(node)
    }
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and id(node) not in checking
        if node.module.startswith("tuning.")
    }


def test_each_engine_subpackage_imports_only_the_ones_below_it() -> None:
    offenders = []
    for rank, layer in enumerate(LAYERS):
        allowed = {f"tuning.{below}" for below in LAYERS[: rank + 1]}
        for path in sorted((ROOT / "tuning" / layer).rglob("*.py")):
            for module in sorted(runtime_imports(path)):
                home = ".".join(module.split(".")[:2])
                if home not in allowed and module not in LEAVES and (layer, module) not in ALLOWED:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == [], f"the order is {' < '.join(LAYERS)}"
