"""model.json: everything a reader needs to know about a model folder, as plain JSON.

Written by the worker that stores a winner (``tuning.training.winner_folder``), read by
``tuning.winner.model`` (columns, classes, the network's shape) and shown to people (the
run, its spec, metrics, baselines, the versions that made it).
"""

from __future__ import annotations

import platform
import time
from importlib import metadata
from typing import TYPE_CHECKING, Any

from tuning.winner.folder import Source
from tuning.winner.preprocessing import Preprocessing

if TYPE_CHECKING:
    from tuning.data.dataset import Dataset
    from tuning.definition.spec import RunSpec

#: The packages whose versions a model folder records (those that made or can read it).
PACKAGES = ("numpy", "pandas", "scikit-learn", "torch", "safetensors", "optuna")


def package_versions() -> dict[str, str | None]:
    """This interpreter's and the packages' versions (None for one not installed)."""

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {"python": platform.python_version(), **{name: version(name) for name in PACKAGES}}


def columns(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The training columns in order, each with its treatment and (text columns) every
    category seen in some member's training rows."""
    first = Preprocessing(members[0])
    seen: dict[str, set[str]] = {}
    for raw in members:
        for name, categories in Preprocessing(raw).categories().items():
            seen.setdefault(name, set()).update(categories)
    return [
        {"name": name, "treatment": kind, **({"categories": sorted(seen[name])} if name in seen else {})}
        for name, kind in first.treatments().items()
    ]


def model_card(
    run: str,
    spec: RunSpec,
    params: dict[str, Any],
    trial: int | None,
    source: Source,
    data: Dataset,
    preprocessing: list[dict[str, Any]],
    evaluation: dict[str, Any],
) -> dict[str, Any]:
    """model.json's content; ``evaluation`` holds ``test_metrics`` and ``baselines``, and for
    a refit model ``refit`` (rows, epochs)."""
    return {
        "run": run,
        "source": source.value,
        "trial": trial,
        "created_at": time.time(),
        "task": data.task.value,
        "target": {"name": data.target_name, "unit": data.target_unit, "classes": list(data.classes)},
        "columns": columns(preprocessing),
        "params": params,
        "network": {"kind": "mlp", "members": len(preprocessing), "inputs": preprocessing[0]["width"]},
        **evaluation,
        "spec": spec.to_dict(),
        "versions": package_versions(),
    }
