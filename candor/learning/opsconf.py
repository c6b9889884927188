"""Settings of mandatory-training operations, read from the environment when used.

Read here rather than in settings.py so the operations code owns its knobs; parsed strictly
(a typo fails loudly instead of silently sending no reminders). See docs/operations.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _days(name: str, default: str) -> tuple[int, ...]:
    raw = os.environ.get(name, "").strip() or default
    if raw.lower() in {"off", "none"}:
        return ()
    try:
        days = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be days like '7,1' (or 'off'), not {raw!r}"
        ) from exc
    if any(d < 0 or d > 365 for d in days):
        raise ImproperlyConfigured(f"{name}: each number of days must be between 0 and 365")
    return tuple(days)


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, not {value}")
    return value


@dataclass(frozen=True)
class Schedule:
    days_before: tuple[int, ...]  # reminders this many days before the due date
    days_overdue: tuple[int, ...]  # and this many days after it (1 = the first day overdue)
    digest_weekday: int | None  # 0 = Monday; None: no manager digest
    max_attempts: int  # a mail server that keeps refusing an address: give up after this
    lease_minutes: int  # a claim older than this is from a crashed run: retry it


def schedule() -> Schedule:
    raw_day = os.environ.get("CANDOR_DIGEST_WEEKDAY", "").strip().lower() or "monday"
    if raw_day in {"off", "none"}:
        weekday = None
    elif raw_day in WEEKDAYS:
        weekday = WEEKDAYS.index(raw_day)
    else:
        raise ImproperlyConfigured(
            f"CANDOR_DIGEST_WEEKDAY must be a weekday name or 'off', not {raw_day!r}"
        )
    overdue = _days("CANDOR_REMINDER_DAYS_OVERDUE", "1,7,14")
    if 0 in overdue:
        raise ImproperlyConfigured("CANDOR_REMINDER_DAYS_OVERDUE: 1 is the first day overdue")
    return Schedule(
        days_before=_days("CANDOR_REMINDER_DAYS_BEFORE", "7,1"),
        days_overdue=overdue,
        digest_weekday=weekday,
        max_attempts=_int("CANDOR_REMINDER_MAX_ATTEMPTS", 5, 1, 1000),
        lease_minutes=_int("CANDOR_REMINDER_LEASE_MINUTES", 15, 1, 24 * 60),
    )


def base_url(fallback: str = "") -> str:
    """Where people reach Candor, for links in emails and on certificates: CANDOR_BASE_URL,
    else ``fallback`` (e.g. the address of the current request), else the local default."""
    configured = os.environ.get("CANDOR_BASE_URL", "").strip()
    return (configured or fallback or "http://127.0.0.1:8000").rstrip("/")


def verify_limit() -> tuple[int, int]:
    """(lookups, per seconds) allowed per address on the public certificate-verification page."""
    return _int("CANDOR_VERIFY_LIMIT", 20, 1, 10_000), _int("CANDOR_VERIFY_WINDOW", 600, 10, 86400)
