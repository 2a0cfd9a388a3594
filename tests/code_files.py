"""Small model files and objectives for the tests of users' code, written where a test wants them.

Each is what a user writes: a file declaring SPACE and build (and data), or an Optuna
objective. They train in a fraction of a second; the ones that must fail say how. They
import torch inside ``build``, not at the top as most files would: describing a file
imports it in a fresh process, and torch's import is most of that time.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

#: A tiny classifier on 60 seeded rows of 3 features: data(), SPACE, build and DEFAULTS.
TINY_MODEL = """
import numpy as np

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
    from torch import nn

    width = config["width"]
    return nn.Sequential(nn.Linear(data_info["features"], width), nn.ReLU(), nn.Linear(width, data_info["outputs"]))
"""

#: A model whose build raises for one of its two grid points: that trial fails alone.
FAILING_MODEL = """
import numpy as np

SPACE = {"boom": {"type": "choice", "values": [0, 1]}, "epochs": 2, "batch_size": 16}


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype(np.float32)
    return x, x[:, 0] * 2.0


def build(config, data_info):
    if config["boom"]:
        raise RuntimeError("the user's build failed on purpose")
    from torch import nn

    return nn.Linear(data_info["features"], 1)
"""

#: A plain Optuna objective: a quadratic reported step by step. By trial number, as a script
#: might misbehave: trial 1 raises, trial 2 prunes itself, trial 3 returns NaN.
QUADRATIC_OBJECTIVE = """
import math

import optuna


def objective(trial):
    x = trial.suggest_float("x", -3.0, 3.0)
    shift = trial.suggest_categorical("shift", [0.0, 1.0])
    if trial.number == 1:
        raise ValueError("the objective raised on purpose")
    value = (x - shift) ** 2
    for step in range(3):
        trial.report(value + (3 - step), step)
        if trial.number == 2:
            raise optuna.TrialPruned("asked to")
    return math.nan if trial.number == 3 else value
"""

#: An objective trading two values off (a tuple, as for ``directions=[...]``); trial 2
#: returns three values, which its run's two directions refuse.
TRADEOFF_OBJECTIVE = """
def objective(trial):
    x = trial.suggest_float("x", 0.0, 2.0)
    if trial.number == 2:
        return x, x, x
    return x**2, (x - 2.0) ** 2
"""

#: Two directions for TRADEOFF_OBJECTIVE, as a spec (or the file's DEFAULTS) says them.
TRADEOFF_RAW = {
    "objective": "tradeoff.py:objective", "direction": ["minimize", "minimize"], "strategy": "random",
    "budget": {"n_trials": 5}, "seed": 3,
}  # fmt: skip


def write_code(folder: Path, name: str, text: str) -> Path:
    """``text`` (dedented) as ``folder/name``."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path
