# ruff: noqa
# mypy: ignore-errors
"""Hostile, part 2: look for what another learner's run left behind."""

import json

out = {}
for path in ("/tmp/answer.txt", "/dev/shm/answer.txt"):
    try:
        out[path] = open(path).read()
    except OSError as exc:
        out[path] = type(exc).__name__
print("PROBE " + json.dumps(out))
