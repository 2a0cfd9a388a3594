"""A plain Optuna objective, as people write them: Sweetspot runs it as it is.

    python -m tuning launch --spec examples/optuna_objective.json --wait

The spec names ``examples/optuna_objective.py:objective``, a strategy, a budget and the
direction (``maximize``: the objective returns an accuracy). Sweetspot supplies the
sampler, the pruner, the storage, the workers and the dashboard; the objective's own
``trial.suggest_*`` calls define the space, and its ``trial.report`` values become each
trial's learning curve. Run this file directly and it optimizes itself, as before.
"""

from __future__ import annotations

import numpy as np
import optuna
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, y = load_breast_cancer(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_valid = scaler.transform(X_train), scaler.transform(X_valid)


def objective(trial: optuna.Trial) -> float:
    alpha = trial.suggest_float("alpha", 1e-6, 1e-1, log=True)
    loss = trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])
    classifier = SGDClassifier(alpha=alpha, loss=loss, random_state=0)
    for step in range(20):
        classifier.partial_fit(X_train, y_train, classes=np.unique(y))
        accuracy = classifier.score(X_valid, y_valid)
        trial.report(accuracy, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return classifier.score(X_valid, y_valid)


if __name__ == "__main__":
    study = optuna.create_study(direction="maximize")
    study.optimize(objective, n_trials=20)
    print(study.best_params, study.best_value)
