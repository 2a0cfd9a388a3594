"""Tables the tests write: every kind of column and target the real-tables issue names.

Each builder returns CSV text; rows are generated from a seed so every test sees the same
table, and the target depends on the features so a model has something to learn.
"""

from __future__ import annotations

import numpy as np


def mixed_table(rows: int = 60, classes: int = 3, seed: int = 0, index: bool = False) -> str:
    """Numbers with gaps, a text category with gaps, a yes/no column, an ID-like name, and a
    class target (``classes`` of them) decided by the number and the category; with
    ``index`` an unnamed leading row-number column as R's ``write.csv`` writes it."""
    rng = np.random.default_rng(seed)
    colours = ("red", "green", "blue")
    lines = [("," if index else "") + "size,colour,garden,name,label"]
    for i in range(rows):
        size = rng.uniform(0, 10)
        colour = colours[i % 3]
        garden = "yes" if rng.random() < 0.5 else "no"
        score = size + 4 * (colour == "blue") + 2 * (garden == "yes")
        label = f"c{min(int(score / (16 / classes)), classes - 1)}"
        size_cell = "" if i % 11 == 3 else f"{size:.3f}"
        colour_cell = ("NA", "?", "null")[i % 3] if i % 13 == 5 else colour
        prefix = f'"{i + 1}",' if index else ""
        lines.append(f"{prefix}{size_cell},{colour_cell},{garden},person-{i},{label}")
    return "\n".join(lines) + "\n"


def with_labels(labels: list[str], seed: int = 0) -> str:
    """A numeric feature and the given class labels, one row each."""
    rng = np.random.default_rng(seed)
    lines = ["x,kind"] + [f"{rng.normal():.4f},{label}" for label in labels]
    return "\n".join(lines) + "\n"


def regression_table(rows: int = 40, seed: int = 0) -> str:
    """A yes/no amenity, a category and a number predicting a price (the house-price case)."""
    rng = np.random.default_rng(seed)
    lines = ["area,pool,district,price"]
    for i in range(rows):
        area = rng.uniform(50, 200)
        pool = "Yes" if i % 3 == 0 else "No"
        district = ("north", "south")[i % 2]
        price = 2 * area + 30 * (pool == "Yes") + 20 * (district == "south") + rng.normal(0, 5)
        lines.append(f"{area:.1f},{pool},{district},{price:.2f}")
    return "\n".join(lines) + "\n"
