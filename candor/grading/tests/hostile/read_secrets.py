# ruff: noqa
# mypy: ignore-errors
"""Hostile: read host users, the app's settings, database and keys, and look around."""

import errno
import json
import os

CONFIG = json.loads("{}")  # the test substitutes the real paths here

out = {"files": {}, "dirs": {}}
for path in CONFIG["files"]:
    try:
        with open(path, "rb") as fh:
            out["files"][path] = "READ " + fh.read(300).decode("latin-1")
    except OSError as exc:
        out["files"][path] = type(exc).__name__
for path in CONFIG["dirs"]:
    try:
        out["dirs"][path] = sorted(os.listdir(path))
    except OSError as exc:
        out["dirs"][path] = type(exc).__name__
out["uid"] = [os.getuid(), os.geteuid(), os.getgid()]
try:
    os.setuid(0)
    out["setuid0"] = "ROOT"
except OSError as exc:
    out["setuid0"] = errno.errorcode.get(exc.errno, type(exc).__name__)
print("PROBE " + json.dumps(out))
