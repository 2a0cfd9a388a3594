"""Every registry refuses a name it lacks, listing the known ones: never a fall-through."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tuning import (
    DATASETS,
    HYPERPARAMETERS,
    MODELS,
    PRUNERS,
    STRATEGIES,
    VIEWS,
    DatasetOption,
    Task,
    UnknownName,
)
from tuning.definition.baselines import BASELINES
from tuning.registry import Registry


@pytest.mark.parametrize(
    ("registry", "kind", "some_known"),
    [
        (DATASETS, "dataset", ["article", "synthetic-houses", "diabetes", "penguins", "csv"]),
        (STRATEGIES, "strategy", ["grid", "random", "bayesian", "gp", "cmaes", "nsga2"]),
        (PRUNERS, "pruner", ["none", "median", "hyperband"]),
        (HYPERPARAMETERS, "hyperparameter", ["n_layers", "hidden_size", "lr", "batch_size", "epochs"]),
        (VIEWS, "analysis view", ["importance", "slice", "contour", "parallel", "edf"]),
        (BASELINES, "baseline", ["constant", "linear", "gradient_boosting"]),
        (MODELS, "model family", ["mlp"]),
    ],
)
def test_an_unknown_name_raises_listing_the_known_ones(
    registry: Registry, kind: str, some_known: list[str]
) -> None:
    with pytest.raises(UnknownName) as caught:
        registry["nope"]
    assert str(caught.value) == f"unknown {kind} 'nope'; known ones are {[str(k) for k in registry]}"
    assert set(some_known) <= set(caught.value.known)
    assert "nope" not in registry


def test_an_unhashable_name_from_json_is_unknown_too() -> None:
    with pytest.raises(UnknownName, match="unknown dataset"):
        DATASETS[["article"]]  # type: ignore[index]
    assert ["article"] not in DATASETS


SPEC_DOC = Path(__file__).resolve().parents[1] / "docs" / "spec.md"


def _table_row(first_cell: str) -> str:
    """The row of docs/spec.md's tables whose first cell is ``first_cell``."""
    return next(line for line in SPEC_DOC.read_text().splitlines() if line.startswith(f"| {first_cell} |"))


def _named(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


@pytest.mark.parametrize(
    ("field", "registry", "also_named"),
    [
        ("`dataset`", DATASETS, {o.value for o in DatasetOption}),
        ("`strategy`", STRATEGIES, set()),
        ("`pruner`", PRUNERS, set()),
        ("`model`", MODELS, {"MODELS", "path/to/file.py", "package.module", "SPACE", "build", "space"}),
    ],
)
def test_the_spec_doc_names_every_entry_and_no_other(field: str, registry: Registry, also_named: set) -> None:
    named = _named(_table_row(field).split("|")[2])
    assert set(registry) <= named
    assert named - set(registry) <= also_named


def test_the_spec_doc_lists_every_hyperparameter_in_order() -> None:
    lines = SPEC_DOC.read_text().splitlines()
    start = lines.index("| hyperparameter | values | default |") + 2
    table = lines[start : lines.index("", start)]
    assert [re.findall(r"^\| `(\w+)`", line)[0] for line in table] == list(HYPERPARAMETERS)


def test_the_spec_doc_lists_every_baseline_with_its_labels() -> None:
    for name, info in BASELINES.items():
        cells = [cell.strip() for cell in _table_row(f"`{name}`").split("|")[2:4]]
        assert cells == [info.label(task) for task in Task]
