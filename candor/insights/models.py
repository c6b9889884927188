"""Running totals (sealed), learners' contribution records (sealed), budgets and the ledger.

Running totals and contribution records are ``SealedRow`` tables: plaintext running sums would
let anyone holding two copies of the database subtract them and recover one learner's values
(DESIGN-NOTES §2). Budgets and releases hold only what was released with noise, and who asked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from candor.catalog.models import Module, Track
from candor.vault.models import SealedRow

SHARDS = 8


class Accumulator(SealedRow):
    """Per (exercise, quarter, shard): the sums of every contributing learner's vector.

    ``owner`` is the system pseudonym of the insights app; ``period`` is the quarter's last
    month, so the purge drops the totals with that month. The blob holds the integer sums.
    Sharded by a keyed hash of the learner so concurrent ingestion does not queue on one row.
    """

    exercise_id = models.PositiveIntegerField()
    quarter = models.CharField(max_length=7)  # "2026-Q4"
    shard = models.PositiveSmallIntegerField()

    vault_schema_version = 1

    class Meta:
        db_table = "insights_accumulator"
        constraints = [
            models.UniqueConstraint(
                fields=["exercise_id", "quarter", "shard"], name="insights_accumulator_unique"
            )
        ]


class Contribution(SealedRow):
    """One learner's contribution record for one quarter, sealed under *their* data key.

    It holds their state per exercise (totals over their summaries) so a re-attempt, a consent
    withdrawal or an erasure can subtract exactly what they added. Erasing the learner
    crypto-shreds it with their signals. Its id is a keyed hash of (owner, quarter): no
    plaintext column says which quarter or exercise it covers.
    """

    vault_schema_version = 1

    class Meta:
        db_table = "insights_contribution"


class Budget(models.Model):
    """A course's privacy budget for one quarter: how much ε its releases have spent.

    The row is locked (``select_for_update``) by every release request, which serialises the
    check-and-charge: two requests can never both spend the last of it.
    """

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="+")
    quarter = models.CharField(max_length=7)
    spent_epsilon = models.DecimalField(max_digits=9, decimal_places=4, default=0)
    spent_delta = models.FloatField(default=0.0)

    class Meta:
        db_table = "insights_budget"
        constraints = [
            models.UniqueConstraint(fields=["track", "quarter"], name="insights_budget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.track} {self.quarter}: ε {self.spent_epsilon} spent"


class Release(models.Model):
    """The ledger: one row per report release — what was asked, by whom, what it spent, and
    the released (noisy) numbers, which are shown again from here without spending more."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Adding noise"
        DONE = "done", "Released"
        REFUSED = "refused", "Nothing released"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.DONE)

    canonical_key = models.CharField(max_length=64)
    canonical_query = models.CharField(max_length=400)
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="+")
    module = models.ForeignKey(
        Module, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quarter = models.CharField(max_length=7)
    metrics = models.JSONField(default=list)
    edition = models.PositiveIntegerField(default=1)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=80, blank=True)
    epsilon = models.DecimalField(max_digits=9, decimal_places=4)
    delta = models.FloatField()
    min_group = models.PositiveIntegerField()
    noise_scale = models.FloatField(null=True, blank=True)  # σ per normalised slot
    sensitivity = models.FloatField(null=True, blank=True)  # L2, normalised slots
    result = models.JSONField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "insights_release"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One live release per canonical query: a second identical request finds it.
            models.UniqueConstraint(
                fields=["canonical_key"],
                condition=models.Q(status__in=["queued", "running", "done"]),
                name="insights_release_one_per_query",
            )
        ]
        indexes = [models.Index(fields=["track", "quarter"])]

    def __str__(self) -> str:
        return f"release {self.pk} ({self.canonical_query})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.REFUSED, self.Status.FAILED}
