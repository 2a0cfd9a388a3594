"""Small model files and objectives for the tests of users' code, written where a test wants them.

Each is what a user writes: a file declaring SPACE and build (and data), or an Optuna
objective. They train in a fraction of a second; the ones that must fail say how.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

#: A tiny classifier on 60 seeded rows of 3 features: data(), SPACE, build and DEFAULTS.
TINY_MODEL = """
import numpy as np
from torch import nn

SPACE = {
    "width": {"type": "choice", "values": [4, 8]},
    "lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True},
    "batch_size": 16,
    "epochs": 2,
}
DEFAULTS = {"strategy": "random", "budget": {"n_trials": 2}, "seed": 0}


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def build(config, data_info):
    width = config["width"]
    return nn.Sequential(nn.Linear(data_info["features"], width), nn.ReLU(), nn.Linear(width, data_info["outputs"]))
"""

#: A model whose build raises for one of its two grid points: that trial fails alone.
FAILING_MODEL = """
import numpy as np
from torch import nn

SPACE = {"boom": {"type": "choice", "values": [0, 1]}, "epochs": 2, "batch_size": 16}


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype(np.float32)
    return x, x[:, 0] * 2.0


def build(config, data_info):
    if config["boom"]:
        raise RuntimeError("the user's build failed on purpose")
    return nn.Linear(data_info["features"], 1)
"""

#: A plain Optuna objective: a quadratic, reported step by step, pruned on request.
QUADRATIC_OBJECTIVE = """
import optuna


def objective(trial):
    x = trial.suggest_float("x", -3.0, 3.0)
    kind = trial.suggest_categorical("kind", ["plain", "shifted", "broken"])
    if kind == "broken":
        raise ValueError("the objective raised on purpose")
    value = (x - (1.0 if kind == "shifted" else 0.0)) ** 2
    for step in range(3):
        trial.report(value + (3 - step), step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value
"""


def write_code(folder: Path, name: str, text: str) -> Path:
    """``text`` (dedented) as ``folder/name``."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path
