# ruff: noqa
# mypy: ignore-errors
"""Hostile: spawn host tools and a shell; a child Python stays in the same sandbox."""

import json
import os
import subprocess
import sys

out = {}
for tool in (["ls", "/"], ["/bin/sh", "-c", "id"], ["/usr/bin/curl", "https://example.com"]):
    try:
        subprocess.run(tool, capture_output=True, timeout=5)
        out[tool[0]] = "RAN"
    except OSError as exc:
        out[tool[0]] = type(exc).__name__
out["os.system"] = os.system("cat /etc/passwd")
child = subprocess.run(
    [sys.executable, "-c", "import os; print(os.getuid()); open('/etc/passwd')"],
    capture_output=True,
    text=True,
    timeout=10,
)
out["child"] = [
    child.returncode,
    child.stdout.strip(),
    (child.stderr.strip().splitlines() or [""])[-1],
]
out["parent_uid"] = os.getuid()
print("PROBE " + json.dumps(out))
