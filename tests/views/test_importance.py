"""Parameter importances: each objective's importances say what reaches its good end."""

from __future__ import annotations

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from tuning.views.importance import importance_figure


def test_an_objective_to_maximise_is_ranked_by_what_reaches_its_high_values() -> None:
    """Accuracy is high only where ``a`` > 0.9 and low where ``b`` is small: for a maximised
    accuracy ``a`` matters. PED-ANOVA ranks by the low end of what it is given, so the
    accuracy handed over as it is made ``b`` the important one (found in a QA pass)."""
    rng = np.random.default_rng(0)
    study = optuna.create_study(directions=["maximize", "minimize"])
    study.set_metric_names(["accuracy", "params"])
    space = {"a": FloatDistribution(0, 1), "b": FloatDistribution(0, 1)}
    for a, b in rng.random((300, 2)):
        accuracy = 1.0 if a > 0.9 else 0.5 * b
        study.add_trial(
            create_trial(params={"a": a, "b": b}, distributions=space, values=[accuracy, 100 * a])
        )
    accuracy_bars, params_bars = importance_figure(study, None, "accuracy").data
    by_name = dict(zip(accuracy_bars.y, accuracy_bars.x, strict=True))
    assert by_name["a"] > 0.8 > by_name["b"]
    assert dict(zip(params_bars.y, params_bars.x, strict=True))["a"] > 0.8
