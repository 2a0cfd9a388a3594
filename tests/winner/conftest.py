"""The model-folder tests share winners trained once per session (tests/winner/winners.py)."""

from tests.winner.winners import winner  # noqa: F401  (a fixture)
