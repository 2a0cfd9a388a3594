"""Sweetspot's benchmarks against the plain scripts people write; run them with ``python -m bench``."""
