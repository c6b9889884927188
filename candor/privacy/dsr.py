"""Data-subject requests: export and signal erasure (self-service, seconds), account deletion
and questions (the privacy officer, within a month). Every write is atomic and audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from candor.privacy import conf
from candor.privacy.audit import record_event
from candor.privacy.export import build_archive, row_count
from candor.privacy.inventory import declarations
from candor.privacy.models import DataSubjectRequest as DSR
from candor.privacy.purposes import Purpose

MAX_MESSAGE = 1000


class RequestRefused(Exception):
    """A request that cannot be made or handled as asked; the message says why."""


def due_on(received: dt.datetime) -> dt.date:
    return timezone.localdate(received) + dt.timedelta(days=conf.RESPONSE_DAYS)


def _completed(user: Any, kind: str, outcome: str) -> DSR:
    now = timezone.now()
    return DSR.objects.create(
        user=user,
        kind=kind,
        status=DSR.Status.COMPLETED,
        received_at=now,
        due_on=due_on(now),
        handled_at=now,
        outcome=outcome[:MAX_MESSAGE],
    )


def do_export(user: Any, *, base_url: str) -> dict[str, Any]:
    """The learner's archive; the export is recorded and audited with it, or not at all."""
    with transaction.atomic():
        archive = build_archive(user, base_url)
        rows = row_count(archive)
        statements = len(archive["xapi"]["statements"])
        request = _completed(
            user, DSR.Kind.EXPORT, f"Exported {rows} records and {statements} xAPI statements."
        )
        record_event(
            actor=user,
            subject=user,
            action="data.export",
            purpose=Purpose.DATA_SUBJECT_REQUEST,
            object_ref=f"dsr:{request.pk};rows={rows};xapi={statements}",
        )
    return archive


@dataclass(frozen=True)
class SignalErasure:
    rows_deleted: int
    keys_destroyed: int

    @property
    def nothing_left(self) -> bool:
        return self.rows_deleted == 0 and self.keys_destroyed == 0

    def message(self) -> str:
        if self.nothing_left:
            return "There was nothing to erase: no interaction signal of yours is stored."
        return (
            f"Erased: {self.rows_deleted} signal summar{'y' if self.rows_deleted == 1 else 'ies'}"
            f" and {self.keys_destroyed} key{'s' if self.keys_destroyed != 1 else ''} destroyed. "
            "They can no longer be read by anyone, backups included."
        )


def do_erase_signals(user: Any) -> SignalErasure:
    """Crypto-shred the learner's signals now (signals' own action), then record the request.

    The erasure runs outside a transaction on purpose: destroyed keys cannot be rolled back,
    so the record follows what actually happened. Running it twice is harmless; the second
    time says there was nothing left.
    """
    from candor.signals.actions import do_erase_my_signals

    erased = do_erase_my_signals(user)
    result = SignalErasure(int(erased.rows_deleted), int(erased.keys_destroyed))
    with transaction.atomic():
        _completed(user, DSR.Kind.ERASURE, result.message())
    return result


def _open_request(user: Any, kind: str, message: str) -> tuple[DSR, bool]:
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise RequestRefused(f"Please keep the message under {MAX_MESSAGE} characters.")
    existing = DSR.objects.filter(user=user, kind=kind, status=DSR.Status.OPEN).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            request = DSR.objects.create(
                user=user, kind=kind, message=message, received_at=now, due_on=due_on(now)
            )
            record_event(
                actor=user,
                subject=user,
                action=f"dsr.{kind}.request",
                purpose=Purpose.DATA_SUBJECT_REQUEST,
                object_ref=f"dsr:{request.pk}",
            )
    except IntegrityError:  # the same request sent twice at once: one request
        return DSR.objects.get(user=user, kind=kind, status=DSR.Status.OPEN), False
    return request, True


def do_request_account_deletion(user: Any, message: str = "") -> tuple[DSR, bool]:
    return _open_request(user, DSR.Kind.ACCOUNT_DELETION, message)


def do_ask_question(user: Any, message: str) -> tuple[DSR, bool]:
    if not (message or "").strip():
        raise RequestRefused("Write your question for the privacy officer.")
    return _open_request(user, DSR.Kind.ACCESS, message)


def _check_officer(officer: Any, request: DSR) -> None:
    if not officer.has_role("privacy_officer"):
        raise RequestRefused("Only a privacy officer handles data-subject requests.")
    if request.status != DSR.Status.OPEN:
        raise RequestRefused(
            f"This request was already {request.get_status_display().lower()} on "
            f"{timezone.localtime(request.handled_at):%d %b %Y %H:%M}; nothing was changed."
        )


def do_delete_account(officer: Any, request: DSR) -> dict[str, int]:
    """Carry out an account-deletion request: every declaration's eraser, then close it.

    Signals first and outside the transaction (crypto-shredding cannot be rolled back); then
    everything else, the request's status and the audit entry in one transaction. If that
    part fails, the request stays open and can be run again: every eraser is idempotent.
    """
    request = DSR.objects.select_related("user").get(pk=request.pk)
    if request.kind != DSR.Kind.ACCOUNT_DELETION:
        raise RequestRefused("This is not an account-deletion request.")
    _check_officer(officer, request)
    person = request.user
    counts: dict[str, int] = {}
    erasers = [d for d in declarations() if d.erase is not None]
    for decl in (d for d in erasers if d.category == "signals"):
        counts[decl.model] = decl.erase(person)  # type: ignore[misc]
    with transaction.atomic():
        request = DSR.objects.select_for_update().get(pk=request.pk)
        _check_officer(officer, request)  # a second officer may have finished it meanwhile
        for decl in (d for d in erasers if d.category != "signals"):
            counts[decl.model] = decl.erase(person)  # type: ignore[misc]
        kept = [d.title for d in declarations() if d.erase is None]
        request.status = DSR.Status.COMPLETED
        request.handled_by = officer
        request.handled_at = timezone.now()
        request.outcome = (
            f"Account deactivated; {sum(counts.values())} records erased. Kept, as the notice "
            f"says: {', '.join(kept)}."
        )[:MAX_MESSAGE]
        request.save()
        record_event(
            actor=officer,
            subject=person,
            action="dsr.account_deletion.complete",
            purpose=Purpose.DATA_SUBJECT_REQUEST,
            object_ref=f"dsr:{request.pk};erased={sum(counts.values())}",
        )
    return counts


def do_close_request(officer: Any, request: DSR, *, declined: bool, outcome: str) -> DSR:
    """Answer a question, or decline a request — always with the reason written down."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise RequestRefused("Write what was done or why the request is declined.")
    if len(outcome) > MAX_MESSAGE:
        raise RequestRefused(f"Please keep the answer under {MAX_MESSAGE} characters.")
    with transaction.atomic():
        request = DSR.objects.select_for_update().get(pk=request.pk)
        _check_officer(officer, request)
        if request.kind == DSR.Kind.ACCOUNT_DELETION and not declined:
            raise RequestRefused("An account deletion is completed with 'Delete the account'.")
        request.status = DSR.Status.DECLINED if declined else DSR.Status.COMPLETED
        request.handled_by = officer
        request.handled_at = timezone.now()
        request.outcome = outcome
        request.save()
        record_event(
            actor=officer,
            subject=request.user,
            action=f"dsr.{request.kind}.{'decline' if declined else 'answer'}",
            purpose=Purpose.DATA_SUBJECT_REQUEST,
            object_ref=f"dsr:{request.pk}",
        )
    return request
