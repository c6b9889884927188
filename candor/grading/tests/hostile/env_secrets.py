# ruff: noqa
# mypy: ignore-errors
"""Hostile: look for secrets in the environment, ours and other processes'."""

import json
import os

out = {"environ": dict(os.environ)}
for path in ("/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline"):
    try:
        out[path] = open(path, "rb").read().decode("latin-1")
    except OSError as exc:
        out[path] = type(exc).__name__
print("PROBE " + json.dumps(out))
