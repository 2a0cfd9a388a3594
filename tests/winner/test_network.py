"""The numpy forward pass equals the torch model's, for every activation and both heads."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tuning.data.splits import Scaler
from tuning.definition.metrics import Task
from tuning.training.heads import Head
from tuning.training.model import ACTIVATION_LAYERS, build_mlp
from tuning.winner.network import ACTIVATIONS, Network, head_predictions


def test_every_activation_of_the_engine_has_a_numpy_twin() -> None:
    assert list(ACTIVATIONS) == list(ACTIVATION_LAYERS)


@pytest.mark.parametrize("activation", list(ACTIVATION_LAYERS))
@pytest.mark.parametrize("task", list(Task))
def test_numpy_outputs_equal_torch_to_float32_rounding(activation: str, task: Task) -> None:
    torch.manual_seed(0)
    outputs = 3 if task is Task.CLASSIFICATION else 1
    model = build_mlp(5, 16, 3, activation, 0.5, outputs).eval()  # dropout off in eval mode
    x = np.random.default_rng(0).normal(size=(64, 5))
    scaler = Scaler(np.zeros(5), np.ones(5), 120.0, 30.0)
    expected = Head(task, outputs if outputs > 1 else 0).predict(
        model, torch.as_tensor(x, dtype=torch.float32), scaler
    )

    state = {f"m.{k}": v.numpy() for k, v in model.state_dict().items()}
    network = Network.from_state(state, "m.", activation)
    got = head_predictions(task, network.outputs(x), 120.0, 30.0)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
