"""``MODELS``: the model families Sweetspot ships, one entry each.

A spec that names no ``model`` trains the first (the MLP), so every spec written before
models were an extension point means what it meant. Adding a family is one entry here
(a ``ModelFamily``: its hyperparameters, cost model, demo caps and trainer) and its trainer
in ``tuning/training/``; docs/spec.md lists every entry (tests/test_registry.py checks).
"""

from __future__ import annotations

from tuning.models.family import ModelFamily
from tuning.models.mlp import MLP
from tuning.registry import Registry

MODELS: Registry[str, ModelFamily] = Registry("model family", {MLP.name: MLP})
DEFAULT_MODEL = MLP
