"""What a target asks of a model: an amount (regression) or one of several classes.

A leaf module (it imports nothing of the engine): the data decides a run's task, and the
metrics, heads and views read it, so it sits below all of them.
"""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    """What the network predicts; fixes its loss, its output width and its metrics."""

    REGRESSION = "regression"
    CLASSIFICATION = "classification"
