"""The built-in MLP family: first entry of MODELS, one source for its names, its own caps."""

from __future__ import annotations

from tests.runs_helpers import quick_spec
from tuning.demo import DemoLimits
from tuning.models.builtin import DEFAULT_MODEL, MODELS
from tuning.models.mlp import ACTIVATIONS, HYPERPARAMETERS, MLP
from tuning.models.training_space import OPTIMIZERS, TRAINING
from tuning.training import population_state, stacked
from tuning.training.custom import OPTIMIZER_CLASSES
from tuning.training.model import ACTIVATION_LAYERS


def test_the_mlp_is_the_default_family_and_a_spec_without_model_trains_it() -> None:
    assert list(MODELS) == ["mlp"] and DEFAULT_MODEL is MLP
    assert quick_spec().family is MLP and quick_spec().model is None


def test_names_have_one_source_and_the_torch_side_agrees() -> None:
    """The hyperparameter, optimizer and activation names are written once (models/); the
    training modules' tables are derived from them and hold every name."""
    assert list(HYPERPARAMETERS) == ["n_layers", "hidden_size", "activation", "dropout", *TRAINING]
    assert tuple(HYPERPARAMETERS) == population_state.HYPERPARAMETERS
    assert HYPERPARAMETERS["optimizer"].domain.choices == OPTIMIZERS
    assert HYPERPARAMETERS["activation"].domain.choices == ACTIVATIONS
    assert tuple(stacked.OPTIMIZER_RULES) == tuple(OPTIMIZER_CLASSES) == OPTIMIZERS
    assert tuple(ACTIVATION_LAYERS) == tuple(stacked.ACTIVATION_FUNCTIONS) == ACTIVATIONS


def test_the_mlp_caps_its_width_in_the_demo() -> None:
    spec = quick_spec(space={"hidden_size": {"type": "int", "low": 8, "high": 512}, "epochs": 3})
    (error,) = MLP.demo_caps(spec.largest, DemoLimits())
    assert (error.field, error.message) == (
        "space.hidden_size",
        "a hidden size of 512 is over the demo's cap of 256",
    )
    assert MLP.demo_caps(quick_spec().largest, DemoLimits()) == []


def test_the_cost_model_grows_with_width_depth_and_rows() -> None:
    cost = MLP.cost
    small = {"hidden_size": 8, "n_layers": 1, "batch_size": 16, "epochs": 10}
    assert cost.parameters(small, 4) == 4 * 8 + 8 + 8 + 1  # weights, biases of the hidden and output layers
    wide = {**small, "hidden_size": 256, "n_layers": 3}
    assert cost.training_seconds([wide], 1000, 4, 1) > cost.training_seconds([small], 1000, 4, 1)
    assert cost.training_seconds([small], 2000, 4, 1) > cost.training_seconds([small], 1000, 4, 1)
