# ruff: noqa
# mypy: ignore-errors
"""Hostile: allocate 50 MB blocks until something gives."""

blocks = []
while True:
    blocks.append(bytearray(50 * 2**20))
