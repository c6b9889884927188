"""Every write of the signals app.

``do_ingest_signals`` stores a learner's own summaries (no audit entry: writing your own data
is not an access by someone else — DESIGN-NOTES §3). ``do_erase_my_signals`` crypto-shreds
them and is audited, like every erasure (PRODUCT.md §5 rule 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from candor.privacy.audit import record_event
from candor.signals.access import owner_for
from candor.signals.ingestion import IngestResult, ingest
from candor.signals.models import SignalSummary
from candor.signals.schemas import SignalBatch
from candor.vault import api as vault


def do_ingest_signals(user: Any, batch: SignalBatch) -> IngestResult:
    """Store a validated batch for ``user`` (raises ``NotFound`` or ``Conflict``)."""
    return ingest(user, batch)


@dataclass(frozen=True)
class ErasedSignals:
    rows_deleted: int
    keys_destroyed: int


def do_erase_my_signals(user: Any) -> ErasedSignals:
    """Erase every signal summary of ``user``: destroy their data keys, then the rows.

    The vault logs the erasure before destroying keys (so a restored key store is shredded
    again by ``replay-erasures``); the audit entry follows once the keys are gone, and names
    only the pseudonym-level facts (counts), never a signal value.
    """
    owner = owner_for(user)
    # erase_owner must run outside a longer transaction: keys it destroys cannot come back.
    report = vault.erase_owner(owner)
    rows = int(report.rows_deleted.get(SignalSummary._meta.db_table, 0))
    with transaction.atomic():
        record_event(
            actor=user,
            subject=user,
            action="signals.erase",
            purpose="data_subject_request",
            object_ref=f"rows={rows};keys={report.keys_destroyed}",
        )
    return ErasedSignals(rows_deleted=rows, keys_destroyed=report.keys_destroyed)
