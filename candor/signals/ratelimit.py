"""A per-learner fixed-window rate limit on signal uploads, kept in the database.

Why the database and not Django's cache: the default cache is per process, so with N
gunicorn workers a learner would get N times the limit; the database is shared by every
worker and every application server, so the count is exact everywhere without adding a
service. The cost is one statement per request: an upsert that starts a new window or counts
one more in the current one, and returns the count (``INSERT … ON CONFLICT … RETURNING``,
atomic on SQLite ≥ 3.35 and PostgreSQL alike, so two workers never lose an increment). A
learner's counter row is keyed by a pseudonym under its own purpose.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.db import connection

from candor.signals import conf
from candor.signals.models import RateWindow
from candor.vault import api as vault

_TABLE = RateWindow._meta.db_table
_UPSERT = (
    f'INSERT INTO "{_TABLE}" (bucket, "window", count) VALUES (%s, %s, 1) '  # noqa: S608
    'ON CONFLICT (bucket) DO UPDATE SET count = CASE WHEN "{t}"."window" = excluded."window" '
    'THEN "{t}".count + 1 ELSE 1 END, "window" = excluded."window" RETURNING count'
).replace("{t}", _TABLE)


def hit(user: Any, now: float | None = None) -> int | None:
    """Count one request; return the seconds to wait when over the limit, else None."""
    limit, length = conf.rate_limit(), conf.rate_window_seconds()
    now = time.time() if now is None else now
    window = int(now // length)
    bucket = vault.pseudonym("signals_rate", str(user.pk))
    # One statement in autocommit mode is its own transaction: no BEGIN/COMMIT round trip.
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [bucket, window])
        (count,) = cursor.fetchone()
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * length - now))
