"""The task-specific end of a network: its output width, its loss, and its predictions.

Every trainer (one model at a time, or a population trained as one batch) calls these,
so regression and classification differ in this module only: MSE on the standardized
target with one output, or cross-entropy on class codes with one output per class.
Predictions come back in the units the metrics registry scores: target units for
regression, class probabilities for classification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tuning.data.splits import Scaler
from tuning.definition.metrics import Metric, Task, metrics_of, score_all


@dataclass(frozen=True)
class Head:
    """What the network predicts: an amount, or one of ``n_classes`` classes."""

    task: Task
    n_classes: int = 0

    @property
    def outputs(self) -> int:
        return self.n_classes if self.task is Task.CLASSIFICATION else 1

    def loss(self) -> nn.Module:
        """The training loss: cross-entropy on logits, or MSE on the standardized target."""
        return nn.CrossEntropyLoss() if self.task is Task.CLASSIFICATION else nn.MSELoss()

    def target_tensor(self, target: np.ndarray, scaler: Scaler, device: torch.device) -> torch.Tensor:
        """What the loss compares outputs with: class codes, or the standardized target as a column."""
        if self.task is Task.CLASSIFICATION:
            return torch.as_tensor(target, dtype=torch.long, device=device)
        return torch.as_tensor(scaler.target(target), dtype=torch.float32, device=device).unsqueeze(1)

    def predict(self, model: nn.Module, x: torch.Tensor, scaler: Scaler) -> np.ndarray:
        """Predictions in scoring units, in eval mode (dropout off) and without gradients."""
        model.eval()
        with torch.no_grad():
            out = model(x)
            if self.task is Task.CLASSIFICATION:
                return torch.softmax(out.double(), dim=1).cpu().numpy()
            return out.squeeze(1).double().cpu().numpy() * scaler.target_std + scaler.target_mean

    def score(self, metric: Metric, truth: np.ndarray, predicted: np.ndarray) -> float:
        """``metric`` on these predictions; NaN when the network produced non-finite outputs."""
        if not np.isfinite(predicted).all():
            return float("nan")
        return metric(truth, predicted)

    def score_all(self, truth: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
        """Every metric of the task (None where undefined, or where outputs are not finite)."""
        if not np.isfinite(predicted).all():
            return dict.fromkeys((m.name for m in metrics_of(self.task)), None)
        return score_all(self.task, truth, predicted)
