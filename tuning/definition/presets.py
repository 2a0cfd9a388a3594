"""Built-in runs: the article's grid and Optuna study, a richer synthetic-houses search (and
the same as a trade-off of loss against size), the penguins species (a real classification
table), and a small CNN of your own kind.

Presets are plain spec dicts, validated like any user's spec. A preset naming a model file
(``digits-cnn``) takes the rest from the file's ``DEFAULTS``, as ``launch --model`` does.
"""

from __future__ import annotations

from typing import Any

from tuning.definition.spec import RunSpec
from tuning.models.reference import CodeKind

ARTICLE_SPLIT: dict[str, Any] = {
    # Four houses: hold one out for the winner's test, validate leave-one-out on the rest.
    "dataset": {"name": "article"},
    "test_fraction": 0.25,
    "cv_folds": 3,
}

PRESETS: dict[str, dict[str, Any]] = {
    "article-grid": {
        **ARTICLE_SPLIT,
        "strategy": "grid",
        "space": {
            "hidden_size": {"type": "choice", "values": [8, 16, 32]},
            "lr": {"type": "choice", "values": [0.01, 0.001]},
            "dropout": {"type": "choice", "values": [0.1, 0.2]},
            "batch_size": {"type": "choice", "values": [1, 2]},
            "epochs": 50,
        },
    },
    "article-optuna": {
        **ARTICLE_SPLIT,
        "strategy": "bayesian",
        "budget": {"n_trials": 20},
        "space": {
            "hidden_size": {"type": "int", "low": 8, "high": 32},
            "lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True},
            "dropout": {"type": "float", "low": 0.1, "high": 0.5},
            "batch_size": {"type": "int", "low": 1, "high": 4},
            "epochs": 50,
        },
    },
    "houses": {
        "dataset": {"name": "synthetic-houses", "rows": 2000, "seed": 0},
        "strategy": "bayesian",
        "budget": {"n_trials": 60},
        "workers": 2,
        "space": {
            "n_layers": {"type": "int", "low": 1, "high": 3},
            "hidden_size": {"type": "int", "low": 8, "high": 128, "log": True},
            "lr": {"type": "float", "low": 1e-4, "high": 3e-2, "log": True},
            "dropout": {"type": "float", "low": 0.0, "high": 0.4},
            "batch_size": {"type": "choice", "values": [16, 32, 64, 128]},
            "weight_decay": {"type": "float", "low": 1e-6, "high": 1e-2, "log": True},
            "epochs": 30,
        },
    },
    "houses-tradeoff": {
        # The houses search as a trade-off: validation MSE against the network's size. NSGA-II
        # breeds toward the front; no pruner (it judges one score).
        "dataset": {"name": "synthetic-houses", "rows": 2000, "seed": 0},
        "strategy": "nsga2",
        "objectives": ["mse", "params"],
        "budget": {"n_trials": 60},
        "workers": 2,
        "space": {
            "n_layers": {"type": "int", "low": 1, "high": 3},
            "hidden_size": {"type": "int", "low": 4, "high": 128, "log": True},
            "lr": {"type": "float", "low": 1e-4, "high": 3e-2, "log": True},
            "batch_size": {"type": "choice", "values": [16, 32, 64, 128]},
            "epochs": 30,
        },
    },
    "penguins": {
        # A real table: text categories, NA cells, three species; selected by log loss,
        # stratified 5-fold cross-validation so the smallest species (68 birds) is in every fold.
        # Every baseline: gradient boosting's five fits (about a second) are more than a tenth
        # of this short search, but on a real table it is the comparison that matters.
        "dataset": {"name": "penguins"},
        "strategy": "random",
        "budget": {"n_trials": 12},
        "cv_folds": 5,
        "space": {
            "n_layers": {"type": "int", "low": 1, "high": 2},
            "hidden_size": {"type": "int", "low": 8, "high": 64, "log": True},
            "lr": {"type": "float", "low": 1e-3, "high": 3e-2, "log": True},
            "batch_size": 32,
            "epochs": 40,
        },
        "baselines": "all",
    },
    # A model file of the user's kind: a CNN on scikit-learn's bundled 8×8 digits; its
    # DEFAULTS give the strategy and budget, its SPACE the space, its data() the data.
    "digits-cnn": {"model": "examples/digits_cnn.py"},
}

PRESET_HELP: dict[str, str] = {
    "article-grid": "the article's 24-configuration grid on its four houses, 50 epochs",
    "article-optuna": "the article's Optuna space on its four houses, 20 TPE trials",
    "houses": "2,000 synthetic houses, 7 hyperparameters, 60 Bayesian trials, 2 workers",
    "houses-tradeoff": "the houses search trading MSE against parameter count: 60 NSGA-II trials, 2 workers",
    "penguins": "Palmer penguins species (text categories, gaps, 3 classes), 12 random trials, 5 folds",
    "digits-cnn": "your own PyTorch model: a small CNN on 8×8 digits (examples/digits_cnn.py), 6 trials",
}


def preset_code(name: str) -> tuple[CodeKind, str] | None:
    """The model file or objective a preset runs, or None (the public demo offers only those)."""
    return next(((kind, PRESETS[name][kind.value]) for kind in CodeKind if kind.value in PRESETS[name]), None)


def preset_spec(name: str) -> RunSpec:
    """The validated spec of a preset; KeyError lists the known presets."""
    if name not in PRESETS:
        raise KeyError(f"no preset named {name!r}; presets are {sorted(PRESETS)}")
    code = preset_code(name)
    return RunSpec.for_code(*code, PRESETS[name]) if code else RunSpec.from_dict(PRESETS[name])
