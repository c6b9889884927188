"""The insights app's settings: Django settings when present, else the environment, strictly.

Read at call time (not import time) so tests can override them with pytest-django's
``settings`` fixture and operators with the environment (docs/privacy.md lists them).
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# PRODUCT.md §5 rule 3: no statistic over fewer than k learners, and k is never below 5.
MIN_GROUP_FLOOR = 5
DEFAULT_MIN_GROUP = 10
# A course's privacy budget per calendar quarter, and what one release of a report spends.
DEFAULT_EPSILON_PER_QUARTER = Decimal("4")
DEFAULT_EPSILON_PER_RELEASE = Decimal("2")
DEFAULT_DELTA_PER_RELEASE = 1e-7


def _raw(name: str) -> object | None:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name, "").strip()
        return raw or None
    return value


def _int(name: str, default: int, minimum: int) -> int:
    raw = _raw(name)
    try:
        value = default if raw is None else int(str(raw))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def _decimal(name: str, default: Decimal, low: Decimal, high: Decimal) -> Decimal:
    raw = _raw(name)
    try:
        value = default if raw is None else Decimal(str(raw))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None
    if not value.is_finite() or not low < value <= high:
        raise ImproperlyConfigured(f"{name} must be above {low} and at most {high}, not {raw}")
    return value.quantize(Decimal("0.0001"))


def min_group() -> int:
    """k: the fewest distinct learners a released number may describe (never below 5)."""
    return _int("CANDOR_INSIGHTS_MIN_GROUP", DEFAULT_MIN_GROUP, MIN_GROUP_FLOOR)


def epsilon_per_quarter() -> Decimal:
    return _decimal(
        "CANDOR_INSIGHTS_EPSILON_PER_QUARTER", DEFAULT_EPSILON_PER_QUARTER, Decimal(0), Decimal(100)
    )


def epsilon_per_release() -> Decimal:
    return _decimal(
        "CANDOR_INSIGHTS_EPSILON_PER_RELEASE", DEFAULT_EPSILON_PER_RELEASE, Decimal(0), Decimal(50)
    )


def delta_per_release() -> float:
    raw = _raw("CANDOR_INSIGHTS_DELTA_PER_RELEASE")
    try:
        value = DEFAULT_DELTA_PER_RELEASE if raw is None else float(str(raw))
    except ValueError:
        raise ImproperlyConfigured(
            f"CANDOR_INSIGHTS_DELTA_PER_RELEASE: not a number: {raw}"
        ) from None
    if not 0 < value <= 1e-5:
        raise ImproperlyConfigured("CANDOR_INSIGHTS_DELTA_PER_RELEASE must be in (0, 1e-5]")
    return value


def workers() -> int:
    """Threads that build releases in each web process (0: only `candor insights-worker`)."""
    return _int("CANDOR_INSIGHTS_WORKERS", 1, 0)


def inline() -> bool:
    """Build releases in the request thread right after commit (tests, one-off scripts)."""
    raw = _raw("CANDOR_INSIGHTS_INLINE")
    if isinstance(raw, bool):
        return raw
    return str(raw or "").lower() in {"1", "true", "yes", "on"}
