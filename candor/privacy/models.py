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


class DataSubjectRequest(models.Model):
    """A request a person made about their data, and how it was handled.

    Exports and signal erasures are self-service: they are recorded here already completed,
    so the privacy officer's queue shows every right exercised. Account deletion and access
    questions wait for the privacy officer, who has one month to answer (GDPR Art. 12(3)).
    """

    class Kind(models.TextChoices):
        EXPORT = "export", "Export of my data"
        ERASURE = "erasure", "Erasure of my interaction signals"
        ACCOUNT_DELETION = "account_deletion", "Deletion of my account"
        ACCESS = "access", "Question about my data"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the privacy officer"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined, with reasons"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_requests"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    message = models.TextField(blank=True, max_length=1000)  # the person's own words
    received_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_data_requests",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            # Asking twice for the same pending thing is one request, not two.
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(status="open"),
                name="privacy_one_open_request_per_kind",
            )
        ]


class NoticeSnapshot(models.Model):
    """The exact text of each consent-notice version, kept so a learner's choice can always
    be shown next to the words they were shown."""

    version = models.CharField(max_length=64, unique=True)
    digest = models.CharField(max_length=64)
    text = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now)
