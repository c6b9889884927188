"""Retention status for the privacy officer: what is kept, how long, and what awaits purge.

Counts only. Signal periods come from the vault (one data key per learner and month); the
purge itself is the vault's ``candor purge`` command, scheduled daily.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from candor.privacy.inventory import declarations
from candor.privacy.models import AuditEntry
from candor.privacy.models import DataSubjectRequest as DSR


def signal_periods() -> list[dict[str, Any]]:
    from candor.vault.retention import is_expired, retention_days, sealed_models

    counts: dict[str, int] = {}
    for model in sealed_models():
        if model._meta.app_label == "vault":  # the vault's own self-test rows: nobody's data
            continue
        for period, n in model._default_manager.values_list("period").annotate(n=Count("pk")):
            counts[period] = counts.get(period, 0) + n
    days = retention_days()
    return [
        {"period": p, "rows": counts[p], "expired": is_expired(p, days=days)}
        for p in sorted(counts)
    ]


def retention_status() -> dict[str, Any]:
    from candor.vault.models import DataKey, ErasureLog
    from candor.vault.retention import retention_days

    periods = signal_periods()
    today = timezone.localdate()
    return {
        "retention_days": retention_days(),
        "periods": periods,
        "awaiting_purge": sum(p["rows"] for p in periods if p["expired"]),
        "keys_live": DataKey.objects.filter(wrapped__isnull=False).count(),
        "keys_destroyed": DataKey.objects.filter(wrapped__isnull=True).count(),
        "erasure_log": ErasureLog.objects.count(),
        "audit_entries": AuditEntry.objects.count(),
        "audit_since": AuditEntry.objects.aggregate(first=Min("at"))["first"],
        "requests_open": DSR.objects.filter(status=DSR.Status.OPEN).count(),
        "requests_overdue": DSR.objects.filter(status=DSR.Status.OPEN, due_on__lt=today).count(),
        "declarations": declarations(),
    }
