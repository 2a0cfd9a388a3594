"""The digits CNN as a user trains it without Sweetspot: the baseline of ``bench.models``.

A plain PyTorch loop, as people write one: the same module (``examples/digits_cnn.py``'s
``build``), Adam, cross-entropy, shuffled batches, and each epoch's validation accuracy in
eval mode. Run as a script it trains the configurations given as JSON (one per trial) on
its own split, as ``launch --wait`` does for the same trials; ``train`` is also timed
inside one process against Sweetspot's loop on the same rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from examples.digits_cnn import build, data  # noqa: E402  (the script runs from anywhere)


def train(
    config: dict[str, Any],
    x: torch.Tensor,
    y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    seed: int = 0,
) -> list[float]:
    """Train one configuration; returns each epoch's validation accuracy."""
    torch.manual_seed(seed)
    model = build(config, {"input_shape": tuple(x.shape[1:]), "outputs": 10})
    optimizer = torch.optim.Adam(
        model.parameters(), lr=config["lr"], weight_decay=config.get("weight_decay", 0.0)
    )
    loss_fn = nn.CrossEntropyLoss()
    order = torch.Generator().manual_seed(seed)
    accuracies = []
    for _ in range(config["epochs"]):
        model.train()
        for batch in torch.randperm(len(x), generator=order).split(config["batch_size"]):
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracies.append((model(val_x).argmax(1) == val_y).float().mean().item())
    return accuracies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", required=True, help="a JSON list of configurations")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as a Sweetspot worker trains
    images, digits = data()
    x, y = torch.as_tensor(images), torch.as_tensor(digits)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    test, val, train_rows = order[:360], order[360:720], order[720:]
    best = max(
        (train(config, x[train_rows], y[train_rows], x[val], y[val])[-1], index)
        for index, config in enumerate(json.loads(args.configs))
    )
    print(f"best configuration {best[1]}: validation accuracy {best[0]:.4f}; test rows {len(test)}")


if __name__ == "__main__":
    main()
