"""Families built from a user's code: a model file's SPACE as hyperparameters, and the spec read against them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.code_files import write_code
from tuning.definition.batching import population_size
from tuning.definition.spec import RunSpec
from tuning.errors import SpecError
from tuning.models.hyperparameters import WidgetKind
from tuning.models.training_space import TRAINING

#: A model file whose build is not needed to read its space (no torch: a quick probe).
LIGHT = """
SPACE = {
    "width": {"type": "choice", "values": [4, 8]},
    "lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True},
    "depth": {"type": "int", "low": 1, "high": 6},
    "epochs": 3,
}
def data():
    import numpy as np
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    return x, np.arange(20) % 2
def build(config, data_info):
    raise NotImplementedError
"""
BASE = {"model": "light.py", "strategy": "random", "budget": {"n_trials": 2}}


@pytest.fixture
def light(code_root: Path) -> Path:
    return write_code(code_root, "light.py", LIGHT)


def refusals(raw: dict) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        RunSpec.from_dict(raw)
    return caught.value.by_field()


def test_space_declares_the_rows_and_the_training_loop_adds_its_own(light: Path) -> None:
    spec = RunSpec.from_dict(BASE)
    known = spec.family.hyperparameters
    assert list(known) == ["width", "lr", "depth", "epochs", "optimizer", "weight_decay", "batch_size"]
    assert known["width"].kind is WidgetKind.SELECT and known["width"].domain.choices == (4, 8)
    assert known["lr"].kind is WidgetKind.LOG_SLIDER
    assert known["lr"].widget.ladder[0] == 0.001 and known["lr"].widget.ladder[-1] == 0.1
    assert known["depth"].kind is WidgetKind.SLIDER and known["depth"].widget.slider == (1, 6, 1)
    assert known["optimizer"] == TRAINING["optimizer"]
    assert known["epochs"].domain.default == 3 and known["epochs"].domain.high == 10_000
    # The declared space is the run's unless the spec says otherwise; it needs no dataset.
    assert sorted(spec.searched()) == ["depth", "lr", "width"]
    assert spec.fixed_values()["epochs"] == 3 and spec.dataset.name == "code"
    assert not spec.family.batched and population_size(spec, features=2, members=1) == 1
    assert RunSpec.from_dict(spec.to_dict()).to_dict() == spec.to_dict()


def test_the_spec_may_narrow_the_declared_space_but_not_leave_it(light: Path) -> None:
    narrowed = {
        **BASE,
        "space": {"lr": {"type": "float", "low": 0.01, "high": 0.05, "log": True}, "width": 8},
    }
    assert RunSpec.from_dict(narrowed).fixed_values()["width"] == 8
    assert refusals({**BASE, "space": {"lr": {"type": "float", "low": 0.0001, "high": 0.05}}}) == {
        "space.lr": "low must be >= 0.001, got 0.0001"
    }
    assert refusals({**BASE, "space": {"width": 16}}) == {"space.width": "must be one of [4, 8], got 16"}
    assert refusals({**BASE, "space": {"width": {"type": "int", "low": 4, "high": 8}}}) == {
        "space.width": "is categorical; use a choice of [4, 8]"
    }
    unknown = refusals({**BASE, "space": {"n_layers": 2}})["space.n_layers"]
    assert unknown.startswith("unknown hyperparameter; known ones are ['batch_size', 'depth', 'epochs'")


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (
            "{'lr': {'type': 'float', 'low': 0.0, 'high': 0.1, 'log': True}}",
            "SPACE['lr'] a log range must stay above 0",
        ),
        ("{'epochs': 0}", "SPACE['epochs'] must be >= 1, got 0"),
        ("{'lr': {'type': 'float', 'low': 0.0, 'high': 0.1}}", "SPACE['lr'] low must be > 0, got 0.0"),
        ("{'flag': True}", "SPACE['flag'] holds [True]; a hyperparameter's values are all whole numbers"),
        ("{'width': {'type': 'int', 'low': 9, 'high': 2}}", "SPACE['width'] low <= high must hold"),
    ],
)
def test_a_declared_entry_keeps_the_spec_rules_and_the_training_loops(
    code_root: Path, space: str, message: str
) -> None:
    write_code(code_root, "bad.py", f"SPACE = {space}\ndef build(config, data_info):\n    pass\n")
    problems = refusals({**BASE, "model": "bad.py", "dataset": "diabetes"})
    assert re.search(re.escape(message), problems["model"]), problems
    assert problems["model"].startswith("bad.py: ") or "bad.py" in problems["model"]


def test_a_model_with_data_may_still_train_on_a_dataset_and_the_mlp_may_not_take_code_data(
    light: Path,
) -> None:
    assert RunSpec.from_dict({**BASE, "dataset": "diabetes"}).dataset.name == "diabetes"
    mlp = {"dataset": "code", "strategy": "random", "budget": 2}
    assert "brings no data() of its own" in refusals(mlp)["dataset"]


def test_code_data_gets_the_task_its_probe_found(light: Path) -> None:
    spec = RunSpec.from_dict(BASE).with_code_task()
    assert spec.task.value == "classification" and spec.metric == "log_loss"


def test_an_objective_spec_says_what_does_not_apply_to_it(code_root: Path) -> None:
    write_code(code_root, "objective.py", "def objective(trial):\n    return 1.0\n")
    raw = {"objective": "objective.py:objective", "strategy": "random", "budget": 2}
    spec = RunSpec.from_dict({**raw, "direction": "maximize"})
    assert spec.space == {} and spec.dataset.name == "code" and spec.selection.name == "objective_max"
    assert refusals({**raw, "space": {"x": 1}}) == {
        "space": "an Optuna objective's space is in its code (trial.suggest_*); leave space out"
    }
    assert "an objective's is in its code" in refusals({**raw, "strategy": "grid"})["strategy"]
    assert "leave dataset out" in refusals({**raw, "dataset": "diabetes"})["dataset"]
    assert "does not apply to an objective" in refusals({**raw, "metric": "mse", "cv_folds": 3})["cv_folds"]
    assert "only an objective has a direction" in refusals({**BASE, "direction": "maximize"})["direction"]
    both = refusals({**raw, "model": "objective.py"})
    assert both["objective"] == "a spec names a model or an objective, not both"
