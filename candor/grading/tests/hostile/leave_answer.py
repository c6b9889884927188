# ruff: noqa
# mypy: ignore-errors
"""Hostile, part 1: leave an answer behind in /tmp and /dev/shm for the next run to find."""

import os

with open("/tmp/answer.txt", "w") as fh:
    fh.write("the answer is 42")
try:
    with open("/dev/shm/answer.txt", "w") as fh:
        fh.write("the answer is 42")
except OSError:
    pass
print('PROBE {"left": true}')
