"""The tamper-evident audit log: append, and verify the chain.

Each entry's hash is SHA-256 over a canonical JSON encoding of its fields and the previous
entry's hash, so editing, deleting, inserting or reordering any entry breaks the chain from
that point on. Appends lock the chain head (one row) inside the caller's transaction, so the
entry commits or rolls back with the audited work and two appends never share a predecessor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from candor.privacy.models import AuditEntry, AuditHead
from candor.vault import api as vault

GENESIS = "0" * 64
ROLE_ORDER = ("admin", "privacy_officer", "manager", "author", "learner")


def subject_pseudonym(user: Any) -> str:
    """The pseudonym under which a person appears in the audit log."""
    return vault.pseudonym("audit", str(user.pk)) if user is not None else ""


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    canonical = json.dumps(
        {**fields, "prev_hash": prev_hash}, sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": int(entry.seq),
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "subject": entry.subject,
        "action": entry.action,
        "purpose": entry.purpose,
        "object_ref": entry.object_ref,
    }


def _role_of(actor: Any) -> str:
    if actor is None:
        return "system"
    return next((role for role in ROLE_ORDER if actor.has_role(role)), "")


def record_event(
    *,
    actor: Any,
    action: str,
    subject: Any = None,
    purpose: str = "",
    object_ref: str = "",
    actor_role: str = "",
) -> AuditEntry:
    """Append one entry, in the caller's transaction (call it inside the audited action)."""
    if not action or len(action) > 64:
        raise ValueError("an audit action is a short dotted verb, e.g. 'signals.export'")
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(pk=1, seq=0, hash=GENESIS)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=subject_pseudonym(actor),
            actor_role=actor_role or _role_of(actor),
            subject=subject_pseudonym(subject),
            action=action,
            purpose=purpose,
            object_ref=object_ref[:200],
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(hashed_fields(entry), entry.prev_hash)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None = None
    problem: str = ""


def verify_entries(
    entries: Iterable[AuditEntry], *, start_seq: int = 1, prev_hash: str = GENESIS
) -> Verification:
    """Check the chain; ``start_seq``/``prev_hash`` resume it after a trusted (signed) head."""
    expected_seq = start_seq
    prev = prev_hash
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            what = "missing or deleted" if entry.seq > expected_seq else "out of order or inserted"
            return Verification(
                False,
                count,
                expected_seq - 1,
                prev,
                expected_seq,
                f"entry {expected_seq} is {what} (found {entry.seq} next)",
            )
        if entry.prev_hash != prev:
            return Verification(
                False,
                count,
                expected_seq - 1,
                prev,
                entry.seq,
                f"entry {entry.seq} does not point to entry {entry.seq - 1}",
            )
        if entry_hash(hashed_fields(entry), entry.prev_hash) != entry.hash:
            return Verification(
                False,
                count,
                expected_seq - 1,
                prev,
                entry.seq,
                f"entry {entry.seq} was changed after it was written",
            )
        prev = entry.hash
        expected_seq += 1
    return Verification(True, count, expected_seq - 1, prev)


def iter_log() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq", "pk").iterator(chunk_size=2000)


def verify() -> Verification:
    return verify_entries(iter_log())
