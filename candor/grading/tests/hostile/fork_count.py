# ruff: noqa
# mypy: ignore-errors
"""Hostile: fork children that sleep, until the kernel refuses; they must all die with the run."""

import json
import os
import time

count, error = 0, ""
try:
    while count < 10_000:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        count += 1
except OSError as exc:
    error = type(exc).__name__
print("PROBE " + json.dumps({"forked": count, "error": error}), flush=True)
