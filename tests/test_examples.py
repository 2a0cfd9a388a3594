"""The shipped examples keep their promises (the CLI runs each one: tests/test_cli_code.py)."""

from __future__ import annotations

import torch

from tuning.definition.spec import RunSpec
from tuning.models.reference import CodeKind
from tuning.training.custom import ModuleObjective
from tuning.training.members import evaluate_test


def test_the_digits_cnn_reaches_97_percent_on_its_test_digits() -> None:
    """One mid-space configuration at the file's default epochs: its winner does as well or
    better (the whole default search, about a minute on 2 cores, is benchmarked in bench/)."""
    spec = RunSpec.for_code(CodeKind.MODEL, "examples/digits_cnn.py").with_code_task()
    assert spec.strategy.value == "bayesian" and spec.budget.n_trials == 6
    trainer = ModuleObjective(spec, None, "cpu")
    trainer.ready()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as a worker trains: on a busy machine more threads only contend
    try:
        trained = trainer.train({**spec.fixed_values(), "channels": 16, "dropout": 0.0, "lr": 0.01})
    finally:
        torch.set_num_threads(threads)
    report = evaluate_test(trainer.data, trainer.split, trainer.members, trained.models)
    assert report.metrics["accuracy"] >= 0.97, report.metrics
