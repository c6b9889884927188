"""The signals app's settings: Django settings when present, else the environment, strictly.

Read at call time (not import time) so tests can override them with pytest-django's
``settings`` fixture and operators with the environment.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _int(name: str, default: int, minimum: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name, "")
        try:
            value = int(raw) if raw.strip() else default
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if int(value) < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return int(value)


def rate_limit() -> int:
    """Batches a learner may post per window (the collector sends one or two per attempt)."""
    return _int("CANDOR_SIGNALS_RATE_LIMIT", 60, 1)


def rate_window_seconds() -> int:
    return _int("CANDOR_SIGNALS_RATE_WINDOW", 60, 1)


def retry_base_ms() -> int:
    """The collector's first retry delay (doubles up to five minutes); tests shorten it."""
    return _int("CANDOR_SIGNALS_RETRY_BASE_MS", 2000, 10)


def idle_hint_seconds() -> int:
    """Seconds without progress before the page offers a hint."""
    return _int("CANDOR_SIGNALS_IDLE_HINT_SECONDS", 90, 1)
