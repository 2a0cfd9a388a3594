"""The engine's one API (``tuning/__init__.py``): every name it lists is there, each loaded
from its module only when first used."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import tuning

ROOT = Path(__file__).resolve().parent.parent


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_each_name_comes_from_one_module_and_all_lists_exactly_those() -> None:
    listed = [name for names in tuning.EXPORTS.values() for name in names]
    assert [name for name, count in Counter(listed).items() if count > 1] == []
    assert sorted(tuning.__all__) == sorted(listed)


@pytest.mark.parametrize("name", sorted(tuning.__all__))
def test_each_name_is_the_object_of_its_module(name: str) -> None:
    module = importlib.import_module(tuning.SOURCES[name])
    assert getattr(tuning, name) is getattr(module, name)
    assert name in dir(tuning)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'no_such_thing'"):
        tuning.no_such_thing  # noqa: B018
    with pytest.raises(ImportError, match="no_such_thing"):
        exec("from tuning import no_such_thing", {})


def test_importing_the_package_loads_no_engine_module() -> None:
    assert not {name for name in loaded_after("import tuning") if name.startswith("tuning.")}


def test_a_worker_loads_neither_charts_nor_analysis() -> None:
    """``python -m tuning worker`` starts as fast as its imports: figures, Plotly and the
    analysis views are the dashboard's, not the worker's."""
    loaded = loaded_after("import tuning.cli, tuning.training.worker")
    unwanted = {
        "plotly",
        "tuning.views.figures",
        "tuning.views.analysis",
        "tuning.views.chart_data",
        "streamlit",
    }
    assert "tuning.training.population" in loaded
    assert loaded & unwanted == set()
