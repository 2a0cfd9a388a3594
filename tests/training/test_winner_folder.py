"""The model folder's TorchScript: the network runs with torch alone and predicts what the
engine predicted; a network that cannot be scripted still gets a folder saying why."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn

from tests.winner.winners import Winner, one_thread_winners
from tuning.training.winner_folder import Trained, model_folder
from tuning.winner.folder import TORCHSCRIPT, Source
from tuning.winner.model import WinnerModel


@pytest.fixture(scope="session")
def winner() -> Callable[[str, Source], Winner]:
    """``winner(case, source)``: case "classification", "regression" or "plain", each
    trained once per session (tests/winner/winners.py)."""
    return one_thread_winners()


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("case", ["classification", "regression"])
def test_torchscript_predictions_equal_the_engines(
    winner: Callable[[str, Source], Winner], case: str
) -> None:
    trained = winner(case, Source.SELECTED)
    model = WinnerModel(trained.folder)
    prepared = model.check(trained.rows).prepared
    inputs = np.stack([pre.encode(prepared) for pre, _ in model.members])  # (members, rows, inputs)
    scripted = torch.jit.load(io.BytesIO(trained.folder.files[TORCHSCRIPT]))
    with torch.no_grad():
        got = scripted(torch.as_tensor(inputs, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(got, trained.engine, rtol=1e-5, atol=1e-6)
    assert model.card["torchscript"]["file"] == TORCHSCRIPT


class Unscriptable(nn.Module):
    """A forward TorchScript cannot compile (a generator expression), as a user's model might have."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum(layer(x) for layer in [self.linear])  # type: ignore[return-value]


def test_a_network_that_cannot_be_scripted_keeps_its_weights_and_says_why(
    winner: Callable[[str, Source], Winner],
) -> None:
    trained = winner("plain", Source.SELECTED)
    objective = trained.objective
    member = objective.members[0]
    folder = model_folder(
        "own", None, Source.SELECTED,
        Trained(objective.spec, {"activation": "relu"}, objective.data, [member.encoder], [member.scaler],
                [Unscriptable()], {"test_metrics": None}),
    )  # fmt: skip
    card = folder.card
    assert TORCHSCRIPT not in folder.files and card["torchscript"]["file"] is None
    assert "why_not" in card["torchscript"] and set(card["files"]) == {
        "weights.safetensors",
        "preprocessing.json",
    }
