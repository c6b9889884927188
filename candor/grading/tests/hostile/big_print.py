# ruff: noqa
# mypy: ignore-errors
"""Hostile: one print of 5 MB."""

print("x" * 5_000_000)
