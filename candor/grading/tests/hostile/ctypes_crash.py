# ruff: noqa
# mypy: ignore-errors
"""Hostile: crash the interpreter by reading address 0 through ctypes."""

import ctypes

print("about to crash", flush=True)
ctypes.string_at(0)
