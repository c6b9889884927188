"""Audit log, consent history and the organisation's privacy switch."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One entry of the hash-chained, append-only access log. Pseudonyms only, never values."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=64, blank=True)  # pseudonym; "" for the system
    actor_role = models.CharField(max_length=32, blank=True)
    subject = models.CharField(max_length=64, blank=True, db_index=True)  # pseudonym
    action = models.CharField(max_length=64)
    purpose = models.CharField(max_length=32, blank=True)
    object_ref = models.CharField(max_length=200, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]


class AuditHead(models.Model):
    """The chain head: one row, locked by every append so appends are serialised."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class ConsentRecord(models.Model):
    """Every consent choice a learner made (the latest one is in force); kept as history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_records"
    )
    learner_help = models.BooleanField()
    course_improvement = models.BooleanField()
    notice_version = models.CharField(max_length=64)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]


class OrgPrivacy(models.Model):
    """The organisation's switch: signals stay off for everyone until a DPIA is recorded."""

    signals_enabled = models.BooleanField(default=False)
    dpia_reference = models.CharField(max_length=120, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
