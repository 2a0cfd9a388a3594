"""What is written beside predictions: the predictions CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import pandas as pd

from tuning.winner.output import predictions_csv


def test_a_class_named_like_a_formula_is_written_as_text() -> None:
    """Class names come from the user's table: one that starts like a formula must not run
    when the predictions are opened in a spreadsheet (issue 23.3 covers every CSV written)."""
    frame = pd.DataFrame(
        {"prediction": ['=HYPERLINK("http://evil.example","x")', "Adelie"], "p(Adelie)": [0.1, 0.9]}
    )
    text = predictions_csv(frame)
    assert "'=HYPERLINK" in text
    assert text.splitlines()[2] == '"Adelie",0.9'


def test_probabilities_are_written_with_every_digit() -> None:
    """The page shows probabilities rounded; the file people take away must not be."""
    frame = pd.DataFrame({"predicted_species": ["Adelie"], "probability_Gentoo": [2.220446049250313e-16]})
    assert predictions_csv(frame).splitlines()[1] == '"Adelie",2.220446049250313e-16'
