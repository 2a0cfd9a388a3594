"""The task-specific end of a network: its output width, its loss, and its predictions.

Every trainer (one model at a time, or a population trained as one batch) calls these,
so regression and classification differ in this module only: MSE on the standardized
target with one output, or cross-entropy on class codes with one output per class (for a
whole population at once too: ``batch_loss``).
Predictions come back in the units the metrics registry scores: target units for
regression, class probabilities for classification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tuning.data.splits import Scaler
from tuning.data.task import Task
from tuning.definition.metrics import Metric, metrics_of, score_all


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

    def batch_loss(self, out: torch.Tensor, y: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """The training loss of a population's step: outputs (k, rows, outputs), targets and
        row weights (k, rows, 1; 1 / batch rows, 0 on padding), summed over the members."""
        if self.task is Task.CLASSIFICATION:
            picked = torch.log_softmax(out, dim=-1).gather(-1, y.long())
            return -(picked * weights).sum()
        return ((out - y).square() * weights).sum()

    def plain_mse(self, metric: Metric) -> bool:
        """True when validation is plain MSE, which a population scores as one tensor expression."""
        return self.task is Task.REGRESSION and metric.name == "mse"

    def predictions(self, out: torch.Tensor, scaler: Scaler) -> np.ndarray:
        """Raw outputs (rows, outputs) as predictions in scoring units: class probabilities,
        or values in the target's units."""
        if self.task is Task.CLASSIFICATION:
            return torch.softmax(out.double(), dim=-1).cpu().numpy()
        out = out.unsqueeze(-1) if out.ndim == 1 else out  # a model file's regression may give a vector
        return out[..., 0].double().cpu().numpy() * scaler.target_std + scaler.target_mean

    def predict(self, model: nn.Module, x: torch.Tensor, scaler: Scaler) -> np.ndarray:
        """Predictions in scoring units, in eval mode (dropout off) and without gradients."""
        model.eval()
        with torch.no_grad():
            return self.predictions(model(x), scaler)

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
