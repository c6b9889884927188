"""A per-learner fixed-window rate limit on signal uploads, kept in the database.

Why the database and not Django's cache: the default cache is per process, so with N
gunicorn workers a learner would get N times the limit; the database is shared by every
worker and every application server, so the count is exact everywhere without adding a
service. The cost is one small write transaction per request (one row per learner, updated
in place). A learner's counter row is keyed by a pseudonym under its own purpose.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.db import IntegrityError, transaction

from candor.signals import conf
from candor.signals.models import RateWindow
from candor.vault import api as vault


def hit(user: Any, now: float | None = None) -> int | None:
    """Count one request; return the seconds to wait when over the limit, else None."""
    limit, length = conf.rate_limit(), conf.rate_window_seconds()
    now = time.time() if now is None else now
    window = int(now // length)
    bucket = vault.pseudonym("signals_rate", str(user.pk))
    for _ in range(2):  # a concurrent first request may create the row: count again
        try:
            count = _count(bucket, window)
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - two collisions in a row cannot happen with one row per bucket
        count = limit + 1
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * length - now))


def _count(bucket: str, window: int) -> int:
    with transaction.atomic():
        row = RateWindow.objects.select_for_update().filter(bucket=bucket).first()
        if row is None:
            RateWindow.objects.create(bucket=bucket, window=window, count=1)
            return 1
        if row.window != window:
            row.window, row.count = window, 1
        else:
            row.count += 1
        row.save(update_fields=["window", "count"])
        return row.count
