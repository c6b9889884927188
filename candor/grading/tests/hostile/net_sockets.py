# ruff: noqa
# mypy: ignore-errors
"""Hostile: reach the internet, the app's own port, PostgreSQL, a host unix socket."""

import errno
import json
import socket

CONFIG = json.loads("{}")  # the test substitutes its listening port and socket names here


def name(exc):
    return errno.errorcode.get(exc.errno, type(exc).__name__) if exc.errno else type(exc).__name__


out = {"tcp": {}}
for port in CONFIG["ports"]:
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        out["tcp"][str(port)] = "CONNECTED"
    except OSError as exc:
        out["tcp"][str(port)] = name(exc)
    finally:
        s.close()
# A UDP connect() sends no packet: it only asks the kernel for a route to the internet
# (192.0.2.1 is TEST-NET-1, RFC 5737). No route means no way out.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.connect(("192.0.2.1", 53))
    out["route"] = "ROUTE"
except OSError as exc:
    out["route"] = name(exc)
out["interfaces"] = sorted(n for _, n in socket.if_nameindex())
try:
    socket.getaddrinfo("pypi.org", 443)
    out["dns"] = "RESOLVED"
except OSError as exc:
    out["dns"] = type(exc).__name__
for key, address in (("abstract", "\0" + CONFIG["abstract"]), ("unix", CONFIG["unix"])):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(address)
        out[key] = "CONNECTED"
    except OSError as exc:
        out[key] = name(exc)
    finally:
        s.close()
print("PROBE " + json.dumps(out))
