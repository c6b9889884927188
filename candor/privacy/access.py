"""The one door through which anyone reads another person's personal data.

``access_personal_data`` takes a registered purpose, checks that one of the reader's roles may
use it, and writes the audit entry in the same transaction as the read — so a read without an
entry cannot happen, and a learner can see every access to their data.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from candor.privacy.audit import record_event
from candor.privacy.purposes import ROLE_PURPOSES, Purpose, PurposeRefused, parse_purpose


def access_personal_data(
    reader: Any, subject: Any, purpose: str | Purpose, *, object_ref: str, action: str = "read"
) -> Purpose:
    """Check and audit one read of ``subject``'s data by ``reader``. Call it inside the
    transaction (or request) that performs the read; raises ``PurposeRefused`` otherwise."""
    chosen = parse_purpose(str(purpose))
    if reader is None or not getattr(reader, "is_authenticated", False):
        raise PurposeRefused("Sign in first.")
    if subject is not None and subject.pk == reader.pk:
        return chosen  # your own data: no access by someone else to record
    role = next(
        (
            r
            for r in sorted(reader.roles)
            if reader.has_role(r) and chosen in ROLE_PURPOSES.get(r, ())
        ),
        None,
    )
    if role is None:
        raise PurposeRefused(f"Your roles do not allow reading personal data for '{chosen}'.")
    with transaction.atomic():
        record_event(
            actor=reader,
            actor_role=role,
            subject=subject,
            action=f"{action}",
            purpose=str(chosen),
            object_ref=object_ref,
        )
    return chosen
