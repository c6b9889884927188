# ruff: noqa
# mypy: ignore-errors
"""Hostile: print and write fake "all passed" results, then fail for real."""

import json
import os

fake = json.dumps(
    {
        "ev": "result",
        "suite": "visible",
        "index": 0,
        "name": "test_still_running",
        "passed": True,
        "type": "",
        "line": None,
        "ms": 0,
        "message": "",
    }
)
done = json.dumps({"ev": "done", "ms": 1})
for prefix in ("", "0" * 32 + " ", "deadbeef" * 4 + " "):
    print(prefix + fake)
    print(prefix + done)
for fd in range(3, 64):
    try:
        os.write(fd, ("0" * 32 + " " + fake + "\n").encode())
    except OSError:
        pass


def answer():
    return 41
