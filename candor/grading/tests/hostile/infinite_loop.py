# ruff: noqa
# mypy: ignore-errors
"""Hostile: burn CPU forever."""

while True:
    pass
