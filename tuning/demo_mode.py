"""Whether this process serves the public demo (``SWEETSPOT_DEMO=1``), known to every layer.

A leaf module: the demo's caps live in ``tuning/demo.py``, which imports most of the
engine, but the model seam must also know (the demo runs no code of a visitor's: it does
not even import a model file to describe it) without importing all that.
"""

from __future__ import annotations

import os

DEMO_ENV = "SWEETSPOT_DEMO"


def demo_on() -> bool:
    """True when ``$SWEETSPOT_DEMO`` is 1, true, yes or on."""
    return os.environ.get(DEMO_ENV, "").strip().lower() in ("1", "true", "yes", "on")
