"""Failed trials as their author reads them: tracebacks cut to the user's code, one line of why."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from tuning.models.reference import CodeKind
from tuning.models.source import ModelSource
from tuning.views.failures import HEADLINE_ERROR_CHARS, failure_headline, user_traceback

MODEL = """\
from torch import nn


def build(config, data_info):
    if config["width"] == 8:
        raise ValueError("width 8 is too small")
    return nn.Linear(data_info["features"], config["width"] - 9)
"""

#: Sweetspot's frames, as a worker stored them, around the user's.
OURS = """\
  File "/srv/sweetspot/tuning/training/worker.py", line 180, in run
    outcomes = self.retry(f"run trials {numbers}", lambda: self.objective(trials, publish))
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/sweetspot/tuning/training/worker.py", line 92, in __call__
    return operation()
           ^^^^^^^^^^^
  File "/srv/sweetspot/tuning/training/custom.py", line 66, in __init__
    module = code.build(dict(config), dict(data_info))
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
"""
RAISED = """\
  File "/home/ada/project/models/net.py", line 6, in build
    raise ValueError("width 8 is too small")
ValueError: width 8 is too small
"""
IN_TORCH = """\
  File "/home/ada/project/models/net.py", line 7, in build
    return nn.Linear(data_info["features"], config["width"] - 9)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/venv/lib/python3.11/site-packages/torch/nn/modules/linear.py", line 106, in __init__
    torch.empty((out_features, in_features), **factory_kwargs)
RuntimeError: Trying to create tensor with negative dimension -1: [-1, 3]
"""
HEAD = "Traceback (most recent call last):\n"


def source(reference: str = "models/net.py", text: str = MODEL) -> ModelSource:
    return ModelSource(reference, CodeKind.MODEL, "0" * 64, text)


def test_a_traceback_keeps_the_error_and_the_users_frames_and_counts_ours() -> None:
    shown = user_traceback(HEAD + OURS + RAISED, source())
    assert (
        shown
        == HEAD
        + "  … 3 frames of Sweetspot's own left out (the calls that led to your code) …\n"
        + RAISED.rstrip()
    )


def test_what_the_users_code_called_down_to_the_raise_stays() -> None:
    shown = user_traceback(HEAD + OURS + IN_TORCH, source())
    assert "tuning/training" not in shown
    assert shown.endswith(IN_TORCH.rstrip()) and "torch/nn/modules/linear.py" in shown


def test_a_traceback_that_never_reaches_the_users_code_stays_whole() -> None:
    """Sweetspot's own bug: every frame is needed to find it."""
    ours = HEAD + OURS + "KeyError: 'features'\n"
    assert user_traceback(ours, source()) == ours
    assert user_traceback(HEAD + OURS + RAISED, None) == HEAD + OURS + RAISED  # a built-in model's run


@pytest.mark.parametrize(
    ("reference", "kind", "path"),
    [
        ("models/net.py", CodeKind.MODEL, "/home/ada/project/models/net.py"),
        ("./models/net.py", CodeKind.MODEL, "/home/ada/project/models/net.py"),
        ("../project/models/net.py", CodeKind.MODEL, "/home/ada/project/models/net.py"),
        ("/home/ada/project/models/net.py", CodeKind.MODEL, "/home/ada/project/models/net.py"),
        ("models.net", CodeKind.MODEL, "/home/ada/project/models/net.py"),
        ("models.net", CodeKind.MODEL, "/home/ada/project/models/net/__init__.py"),
        ("models/net.py:objective", CodeKind.OBJECTIVE, "/home/ada/project/models/net.py"),
    ],
)
def test_the_users_file_is_found_by_how_the_reference_names_it(
    reference: str, kind: CodeKind, path: str
) -> None:
    code = ModelSource(reference, kind, "0" * 64, MODEL)
    shown = user_traceback(HEAD + OURS + RAISED.replace("/home/ada/project/models/net.py", path), code)
    assert "3 frames of Sweetspot's own left out" in shown and f'File "{path}", line 6' in shown


def test_a_file_of_ours_with_the_users_files_name_is_not_theirs() -> None:
    """A model file named model.py: Sweetspot has a tuning/training/model.py too."""
    ours = '  File "/srv/sweetspot/tuning/training/model.py", line 40, in forward\n    return self.net(x)\n'
    theirs = RAISED.replace("/home/ada/project/models/net.py", "/home/ada/model.py")
    shown = user_traceback(HEAD + OURS + ours + theirs, source("model.py"))
    assert "4 frames of Sweetspot's own left out" in shown and "tuning/training/model.py" not in shown
    assert user_traceback(HEAD + OURS + ours + "KeyError: 'x'", source("model.py")).count("File") == 4


def test_each_part_of_a_chained_traceback_is_cut_alone() -> None:
    chained = textwrap.dedent(
        """\
        {head}{ours}{raised}
        The above exception was the direct cause of the following exception:

        {head}{ours}RuntimeError: trial 3 failed
        """
    ).format(head=HEAD, ours=OURS, raised=RAISED)
    shown = user_traceback(chained, source())
    assert shown.count("frames of Sweetspot's own left out") == 1
    assert (
        shown.count('File "/srv/sweetspot/tuning/training/worker.py", line 92') == 1
    )  # the second part, whole
    assert shown.endswith("RuntimeError: trial 3 failed")


def frame(*rows: tuple[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame({"state": [state for state, _ in rows], "error": [error for _, error in rows]})


@pytest.mark.parametrize(
    ("trials", "headline"),
    [
        (frame(("complete", None), ("pruned", "pruned at epoch 3")), None),
        (
            frame(*[("failed", "ValueError: width 8 is too small")] * 3, ("complete", None)),
            "3 trials failed: ValueError: width 8 is too small",
        ),
        (
            frame(
                ("failed", "ValueError: width 8 is too small"),
                ("failed", "ValueError: width 8 is too small"),
                ("failed", "diverged: the loss is nan"),
            ),
            "3 trials failed: ValueError: width 8 is too small (2 of them; 1 with another error)",
        ),  # fmt: skip
        (
            frame(("failed", "KeyError: 'x'"), ("failed", "OSError: disk\nfull"), ("failed", "E: z")),
            "3 trials failed: KeyError: 'x' (1 of them; 2 with 2 other errors)",
        ),
        (frame(("failed", None)), "1 trial failed"),
    ],
)
def test_the_failures_headline_says_how_many_and_why(trials: pd.DataFrame, headline: str | None) -> None:
    assert failure_headline(trials) == headline


def test_the_failures_headline_quotes_one_line_of_a_long_error() -> None:
    error = "RuntimeError: " + "shapes cannot be multiplied " * 20 + "\nand more"
    headline = failure_headline(frame(("failed", error)))
    assert headline is not None and "\n" not in headline and headline.endswith("…")
    assert len(headline) == len("1 trial failed: ") + HEADLINE_ERROR_CHARS
