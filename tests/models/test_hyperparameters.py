"""Every hyperparameter's widget offers only values its domain accepts."""

from __future__ import annotations

import pytest

from tuning.models.hyperparameters import WidgetKind
from tuning.models.mlp import HYPERPARAMETERS


@pytest.mark.parametrize("name", list(HYPERPARAMETERS))
def test_a_widget_offers_only_what_the_domain_accepts(name: str) -> None:
    entry = HYPERPARAMETERS[name]
    domain, widget = entry.domain, entry.widget
    assert domain.check(domain.default) is None
    offered = [*widget.suggestions, *widget.ladder]
    if entry.kind is not WidgetKind.SELECT:
        offered += list(widget.default_range)
    if widget.slider is not None:
        offered += list(widget.slider[:2])
    assert [v for v in offered if domain.check(v) is not None] == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [("n_layers", "slider"), ("lr", "log slider"), ("epochs", "numbers"), ("optimizer", "select")],
)
def test_the_widget_kind_follows_the_entry(name: str, kind: str) -> None:
    assert HYPERPARAMETERS[name].kind == kind
