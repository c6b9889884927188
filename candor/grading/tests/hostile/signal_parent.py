# ruff: noqa
# mypy: ignore-errors
"""Hostile: kill the parent, the sandbox's init, the app's process and a sibling."""

import json
import os
import signal

CONFIG = json.loads("{}")  # the test substitutes host pids here

out = {"ppid": os.getppid(), "pid": os.getpid(), "kills": {}}
for label, pid in (
    ("parent", os.getppid()),
    ("init", 1),
    ("app", CONFIG["app_pid"]),
    ("sibling", CONFIG["sibling_pid"]),
):
    try:
        os.kill(pid, signal.SIGKILL)
        out["kills"][label] = "SENT"
    except OSError as exc:
        out["kills"][label] = type(exc).__name__
print("PROBE " + json.dumps(out), flush=True)
