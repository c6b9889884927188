"""The signals app's tables: sealed summaries, and the rate limiter's counters.

``SignalSummary`` has no column of its own (DESIGN-NOTES §1): the exercise, the attempt, the
time it arrived, every feature and the client id live inside the sealed blob. Idempotency
needs no plaintext client-id column either: the row's primary key *is* a keyed hash of
(owner pseudonym, client id) — see ``ingestion.row_id_for`` and docs/privacy.md.
"""

from __future__ import annotations

from django.db import models

from candor.vault.models import SealedRow


class SignalSummary(SealedRow):
    """One attempt's interaction summary, sealed under its owner's data key for its period."""

    # v1: {"v", "summary" (the wire fields), "received_at", "server" (grader indicators)}
    vault_schema_version = 1

    class Meta:
        db_table = "signals_summary"
        verbose_name = "interaction-signal summary"
        verbose_name_plural = "interaction-signal summaries"


class RateWindow(models.Model):
    """Requests counted in the current fixed window, per learner (one row each, reused).

    ``bucket`` is a keyed pseudonym under its own purpose (``signals_rate``), so it cannot be
    matched to the owner pseudonym on signal rows nor to a user id without the secret.
    ``window`` is the window's number (epoch seconds // window length), not a timestamp of any
    signal.
    """

    bucket = models.CharField(max_length=64, primary_key=True)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        db_table = "signals_ratewindow"

    def __str__(self) -> str:
        return f"{self.bucket[:8]}… window {self.window}: {self.count}"
