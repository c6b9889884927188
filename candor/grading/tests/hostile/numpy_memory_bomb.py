# ruff: noqa
# mypy: ignore-errors
"""Hostile: ask numpy for an 80 GB array."""

import numpy as np

grid = np.ones((100_000, 100_000))
