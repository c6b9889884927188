# ruff: noqa
# mypy: ignore-errors
"""Hostile: write outside the private /tmp, then fill /tmp."""

import errno
import json
import os

CONFIG = json.loads("{}")  # the test substitutes a host path here

out = {"writes": {}}
for path in [
    "/evil.txt",
    "/opt/python/lib/python3.11/os.py",
    "/opt/python/evil.py",
    "/lib/x86_64-linux-gnu/evil.so",
    "/dev/evil",
    CONFIG["host_path"],
]:
    try:
        with open(path, "w") as fh:
            fh.write("owned")
        out["writes"][path] = "WROTE"
    except OSError as exc:
        out["writes"][path] = errno.errorcode.get(exc.errno, str(exc))
with open("/tmp/fine.txt", "w") as fh:
    fh.write("a learner may use its own /tmp")
out["tmp_ok"] = open("/tmp/fine.txt").read() != ""
# Fill /tmp: files are capped by RLIMIT_FSIZE, the whole tmpfs by its size.
written, failure = 0, ""
chunk = b"x" * (1 << 20)
try:
    for n in range(200):
        with open(f"/tmp/fill-{n}", "wb") as fh:
            for _ in range(16):
                fh.write(chunk)
                fh.flush()
                written += len(chunk)
except OSError as exc:
    failure = errno.errorcode.get(exc.errno, str(exc))
out["fill"] = [written, failure]
print("PROBE " + json.dumps(out))
