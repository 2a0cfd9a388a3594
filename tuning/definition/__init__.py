"""The run's definition: the spec, its search space, strategies and presets (plain data, no training)."""
