# ruff: noqa
# mypy: ignore-errors
"""Hostile: print forever, to stdout and stderr."""

import sys

while True:
    print("spam " * 200)
    print("eggs " * 200, file=sys.stderr)
