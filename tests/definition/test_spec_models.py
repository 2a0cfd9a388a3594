"""What a spec says about its model: the family it names, its device, what excludes what."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.code_files import TINY_MODEL, TRADEOFF_OBJECTIVE, TRADEOFF_RAW, write_code
from tests.runs_helpers import quick_spec
from tuning.definition.spec import RunSpec
from tuning.errors import SpecError
from tuning.models.mlp import MLP

BASE = quick_spec().to_dict()


def refusal(raw: dict) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        RunSpec.from_dict(raw)
    return caught.value.by_field()


def test_a_built_in_family_is_named_without_probing_anything() -> None:
    assert RunSpec.from_dict({**BASE, "model": "mlp"}).family is MLP
    assert "model" not in quick_spec().to_dict()  # omitted: specs stored before stay byte-identical


@pytest.mark.parametrize(
    ("device", "stored"), [("auto", None), ("cpu", "cpu"), ("cuda", "cuda"), ("cuda:1", "cuda:1")]
)
def test_a_device_is_auto_cpu_cuda_or_one_gpu(device: str, stored: str | None) -> None:
    spec = RunSpec.from_dict({**BASE, "device": device})
    assert spec.device == stored and spec.to_dict().get("device") == stored


@pytest.mark.parametrize("device", ["gpu", "cuda:", "cuda:x", 0, "CPU"])
def test_any_other_device_is_refused_saying_what_is_allowed(device: object) -> None:
    assert refusal({**BASE, "device": device})["device"].startswith(
        "must be auto, cpu, cuda or cuda:N (a GPU's index), got "
    )


def test_model_and_objective_exclude_each_other_and_direction_is_an_objectives() -> None:
    both = refusal({**BASE, "model": "a.py", "objective": "b.py:f"})
    assert both["objective"] == "a spec names a model or an objective, not both"
    assert "only an objective has a direction" in refusal({**BASE, "direction": "maximize"})["direction"]
    assert refusal({**BASE, "model": "a model"})["model"].startswith("'a model' is neither a .py file")


def test_only_a_family_that_trains_populations_takes_a_population(code_root: Path) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    raw = {"model": "tiny.py", "strategy": "random", "budget": 2, "population": 4}
    assert refusal(raw) == {"population": "tiny.py's trials train one at a time; leave it out"}


def test_an_objectives_values_are_its_goals_in_its_directions_order(code_root: Path) -> None:
    write_code(code_root, "tradeoff.py", TRADEOFF_OBJECTIVE)
    spec = RunSpec.from_dict({**TRADEOFF_RAW, "direction": ["minimize", "maximize"]})
    assert [(g.name, g.direction.value) for g in spec.goals] == [
        ("objective", "minimize"), ("objective_2_max", "maximize"),
    ]  # fmt: skip
    assert spec.tradeoff and spec.selection.name == "objective" and spec.to_dict()["direction"] == [
        "minimize", "maximize",
    ]  # fmt: skip
    one = RunSpec.from_dict({**TRADEOFF_RAW, "direction": "maximize"})
    assert (one.to_dict()["direction"], one.tradeoff, one.selection.name) == (
        "maximize",
        False,
        "objective_max",
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"direction": []}, "direction", "must be minimize or maximize, or a list of 1 to 3 of them"),
        ({"direction": ["minimize"] * 4}, "direction", "must be minimize or maximize, or a list of 1 to 3"),
        ({"direction": ["down"]}, "direction", "must be minimize or maximize"),
        ({"strategy": "cmaes"}, "strategy", "cmaes cannot search several objectives"),
        ({"pruner": "median"}, "pruner", "with several objectives set pruner to none"),
        ({"objectives": ["mse", "params"]}, "objectives", "return a tuple and give direction one entry per"),
        ({"constraints": {"max_params": 10}}, "constraints", "return the bounded quantity as one more value"),
        ({"refit": True}, "refit", "an objective has no model Sweetspot could train again"),
    ],
)
def test_an_objectives_trade_off_is_said_by_its_directions_alone(
    code_root: Path, change: dict, field: str, message: str
) -> None:
    write_code(code_root, "tradeoff.py", TRADEOFF_OBJECTIVE)
    assert message in refusal({**TRADEOFF_RAW, **change})[field]
