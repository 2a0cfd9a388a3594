"""The engine's errors: every message reaches the user, beside the field it names."""

from __future__ import annotations

from tuning.errors import FieldError, SpecError


def test_two_messages_for_one_field_are_both_kept() -> None:
    """A model file with two bad SPACE entries: Launch showed only the last (QA pass)."""
    error = SpecError(
        [
            FieldError("model", "SPACE['hidden'] has low 10 above high 2"),
            FieldError("space.lr", "must be > 0, got -1"),
            FieldError("model", "SPACE['lr'] must be > 0, got -1"),
        ]
    )
    assert error.by_field() == {
        "model": "SPACE['hidden'] has low 10 above high 2; SPACE['lr'] must be > 0, got -1",
        "space.lr": "must be > 0, got -1",
    }
