"""The model seam: what a model family is to the engine (``family.py``), the families it
ships (``builtin.py``: the MLP), and a user's model file or Optuna objective, described
from outside (``source.py``) and turned into a family (``user.py``). No torch here."""
