"""Retention periods and the purge that enforces them.

A period is a calendar month in UTC, written ``YYYY-MM``; each owner gets one data key per
period. A period expires when its *first* day is ``CANDOR_SIGNAL_RETENTION_DAYS`` (180 by
default) in the past: then no signal is ever kept longer than the retention — the month's
last days are kept about a month less, which errs on the learner's side.

Purge destroys the expired periods' data keys first (after that the rows are unreadable
everywhere, backups included), then deletes their rows from every ``SealedRow`` table, and
finally drops erasure-log lines too old to matter. Running it twice does nothing the second
time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.db import models
from django.utils import timezone

from candor.vault.errors import InvalidInput

PERIOD_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
# An erasure-log line is needed only while a key created before it can still exist; keys
# live at most retention + one month (the period's length), so this margin covers them.
ERASURE_LOG_MARGIN = timedelta(days=62)
DELETE_BATCH = 2000


def period_for(moment: datetime | None = None) -> str:
    """The period a signal recorded at ``moment`` (default: now) belongs to."""
    moment = moment or timezone.now()
    if timezone.is_aware(moment):
        moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


@functools.lru_cache(maxsize=1024)
def period_start(period: str) -> datetime:
    match = PERIOD_RE.fullmatch(period) if isinstance(period, str) else None
    if not match:
        raise InvalidInput(f"period {period!r} must look like 2026-11")
    return datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)


def retention_days() -> int:
    from candor.vault.keystore import state

    return state().conf.retention_days


def is_expired(period: str, now: datetime | None = None, days: int | None = None) -> bool:
    days = retention_days() if days is None else days
    return period_start(period) + timedelta(days=days) <= (now or timezone.now())


def sealed_models() -> list[type[models.Model]]:
    """Every concrete table of sealed rows, whichever app defines it."""
    from candor.vault.models import SealedRow

    return [
        model
        for model in apps.get_models()
        if issubclass(model, SealedRow) and not model._meta.proxy
    ]


def known_periods() -> set[str]:
    from candor.vault.models import DataKey

    periods = set(DataKey.objects.values_list("period", flat=True).distinct())
    for model in sealed_models():
        periods.update(model._default_manager.values_list("period", flat=True).distinct())
    return {p for p in periods if PERIOD_RE.fullmatch(p)}


@dataclass
class PeriodPurge:
    period: str
    keys_destroyed: int = 0
    rows_deleted: dict[str, int] = field(default_factory=dict)


@dataclass
class PurgeReport:
    now: datetime
    retention_days: int
    periods: list[PeriodPurge] = field(default_factory=list)
    erasure_log_removed: int = 0
    dry_run: bool = False

    @property
    def rows_deleted(self) -> int:
        return sum(sum(p.rows_deleted.values()) for p in self.periods)

    @property
    def keys_destroyed(self) -> int:
        return sum(p.keys_destroyed for p in self.periods)


def plan(now: datetime | None = None, days: int | None = None) -> dict[str, dict[str, int]]:
    """Expired periods and, per table, how many rows each still holds (nothing is changed)."""
    now = now or timezone.now()
    days = retention_days() if days is None else days
    expired = sorted(p for p in known_periods() if is_expired(p, now, days))
    return {
        period: {
            model._meta.db_table: model._default_manager.filter(period=period).count()
            for model in sealed_models()
        }
        for period in expired
    }


def purge_expired(
    now: datetime | None = None,
    days: int | None = None,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> PurgeReport:
    """Destroy the keys of expired periods, then their rows; report what was removed."""
    from candor.vault.events import emit
    from candor.vault.keystore import shred_period
    from candor.vault.models import DataKey, ErasureLog

    now = now or timezone.now()
    days = retention_days() if days is None else days
    report = PurgeReport(now=now, retention_days=days, dry_run=dry_run)
    for period, counts in plan(now, days).items():
        entry = PeriodPurge(period)
        report.periods.append(entry)
        if dry_run:
            entry.keys_destroyed = DataKey.objects.filter(period=period).count()
            entry.rows_deleted = counts
            continue
        # Keys first: if the purge stops halfway, the rows left behind are already unreadable.
        entry.keys_destroyed = shred_period(period)
        for model in sealed_models():
            entry.rows_deleted[model._meta.db_table] = _delete_rows(model, period, progress)
    cutoff = now - timedelta(days=days) - ERASURE_LOG_MARGIN
    old_log = ErasureLog.objects.filter(erased_at__lt=cutoff)
    report.erasure_log_removed = old_log.count() if dry_run else old_log.delete()[0]
    if not dry_run and (report.periods or report.erasure_log_removed):
        emit(
            "purge",
            periods=[p.period for p in report.periods],
            keys_destroyed=report.keys_destroyed,
            rows_deleted=report.rows_deleted,
        )
    return report


def _delete_rows(
    model: type[models.Model], period: str, progress: Callable[[int], None] | None
) -> int:
    """Delete in batches: short write locks, and a progress bar that moves."""
    manager = model._default_manager
    deleted = 0
    while True:
        ids = list(manager.filter(period=period).values_list("pk", flat=True)[:DELETE_BATCH])
        if not ids:
            return deleted
        count, _ = manager.filter(pk__in=ids).delete()
        deleted += count
        if progress is not None:
            progress(count)
