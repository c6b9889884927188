"""Reminder emails: plan them (idempotently), then send what is pending (at most once each).

``plan_reminders`` creates at most one row per (assignment, kind, schedule point) — the most
recent point of the schedule that has arrived, so a missed cron run catches up with one
reminder rather than a burst — and unique constraints make a second or overlapping run create
nothing. ``send_pending`` claims each row before sending (an UPDATE … WHERE status='pending'
that only one run can win), marks it sent only after the mail server accepted it, and puts it
back to pending when the server is down, so nothing is lost and nothing is sent twice.

The one window no mail protocol closes: a process killed after the server accepted a message
but before the row was marked sent. Its claim expires after the lease and the message is sent
again — with the same Message-ID, so mail systems can recognise the duplicate.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from candor.accounts.models import User
from candor.learning.manager_views import team_rows
from candor.learning.models import Assignment, ModuleCompletion, Reminder
from candor.learning.opsconf import Schedule, base_url, schedule
from candor.learning.progress import Status

Kind = Reminder.Kind


def schedule_point(due: dt.date, today: dt.date, cfg: Schedule) -> tuple[str, dt.date] | None:
    """The reminder an open assignment due on ``due`` should have had by ``today``, if any."""
    if due >= today:
        points = [due - dt.timedelta(days=d) for d in cfg.days_before]
        kind = Kind.BEFORE_DUE
    else:
        points = [due + dt.timedelta(days=d) for d in cfg.days_overdue]
        kind = Kind.OVERDUE
    arrived = [p for p in points if p <= today]
    return (kind, max(arrived)) if arrived else None


def digest_day(today: dt.date, cfg: Schedule) -> dt.date | None:
    """This week's digest day if it has arrived (a run on Tuesday still sends Monday's)."""
    if cfg.digest_weekday is None:
        return None
    return today - dt.timedelta(days=(today.weekday() - cfg.digest_weekday) % 7)


def _open_mandatory() -> Any:
    return Assignment.objects.filter(
        mandatory=True,
        user__is_active=True,
        module__is_retired=False,
        module__track__is_retired=False,
    )


def _completed(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    users = {u for u, _ in pairs}
    modules = {m for _, m in pairs}
    return set(
        ModuleCompletion.objects.filter(user_id__in=users, module_id__in=modules).values_list(
            "user_id", "module_id"
        )
    )


def plan_reminders(today: dt.date | None = None, cfg: Schedule | None = None) -> dict[str, int]:
    """Create the reminders due by today that do not exist yet. Safe to run any number of
    times, also concurrently: the unique constraints drop doubles."""
    today = today or timezone.localdate()
    cfg = cfg or schedule()
    rows = list(
        _open_mandatory()
        .filter(due_on__isnull=False)
        .values_list("pk", "user_id", "module_id", "due_on")
    )
    done = _completed([(u, m) for _, u, m, _ in rows])
    wanted: dict[tuple[int, str, dt.date], Reminder] = {}
    for pk, user_id, module_id, due in rows:
        if (user_id, module_id) in done:
            continue
        point = schedule_point(due, today, cfg)
        if point is None:
            continue
        kind, when = point
        wanted[(pk, kind, when)] = Reminder(
            recipient_id=user_id, assignment_id=pk, kind=kind, scheduled_on=when
        )
    day = digest_day(today, cfg)
    digests: dict[int, Reminder] = {}
    if day is not None:
        open_teams = (
            _open_mandatory()
            .filter(user__manager__is_active=True, user__manager__is_manager=True)
            .values_list("user_id", "module_id", "user__manager_id")
        )
        team_rows_open = list(open_teams)
        done_team = _completed([(u, m) for u, m, _ in team_rows_open])
        for user_id, module_id, manager_id in team_rows_open:
            if (user_id, module_id) not in done_team:
                digests[manager_id] = Reminder(
                    recipient_id=manager_id, kind=Kind.DIGEST, scheduled_on=day
                )
    existing = set(
        Reminder.objects.filter(
            assignment_id__in={k[0] for k in wanted}, kind__in=[Kind.BEFORE_DUE, Kind.OVERDUE]
        ).values_list("assignment_id", "kind", "scheduled_on")
    )
    new = [r for k, r in wanted.items() if k not in existing]
    new_digests: list[Reminder] = []
    if day is not None:  # no digest day, no digests to plan
        have_digest = set(
            Reminder.objects.filter(kind=Kind.DIGEST, scheduled_on=day).values_list(
                "recipient_id", flat=True
            )
        )
        new_digests = [r for m, r in digests.items() if m not in have_digest]
    Reminder.objects.bulk_create([*new, *new_digests], batch_size=500, ignore_conflicts=True)
    return {"reminders": len(new), "digests": len(new_digests)}


@dataclass
class SendReport:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0  # stale claims of a crashed run, put back to pending

    def line(self) -> str:
        return (
            f"{self.sent} sent, {self.retry_later} waiting for the mail server (will be retried), "
            f"{self.failed} given up, {self.cancelled} no longer needed"
        )


def pending_ids(today: dt.date) -> list[int]:
    return list(
        Reminder.objects.filter(status=Reminder.Status.PENDING, scheduled_on__lte=today)
        .order_by("scheduled_on", "pk")
        .values_list("pk", flat=True)
    )


def send_pending(
    today: dt.date | None = None,
    cfg: Schedule | None = None,
    progress: Callable[[], None] | None = None,
) -> SendReport:
    today = today or timezone.localdate()
    cfg = cfg or schedule()
    report = SendReport()
    stale = timezone.now() - dt.timedelta(minutes=cfg.lease_minutes)
    report.released = Reminder.objects.filter(
        status=Reminder.Status.SENDING, claimed_at__lt=stale
    ).update(status=Reminder.Status.PENDING, claimed_at=None)
    connection = get_connection(fail_silently=False)
    try:
        for pk in pending_ids(today):
            _send_one(pk, today, cfg, connection, report)
            if progress:
                progress()
    finally:
        connection.close()
    return report


def _send_one(pk: int, today: dt.date, cfg: Schedule, connection: Any, report: SendReport) -> None:
    claimed = Reminder.objects.filter(pk=pk, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.SENDING, claimed_at=timezone.now()
    )
    if not claimed:
        return  # another run has it
    reminder = Reminder.objects.select_related(
        "recipient", "assignment__module__track", "assignment__user"
    ).get(pk=pk)
    try:
        why_not = _obsolete(reminder, today)
        composed = None if why_not else _compose(reminder, today)
    except Exception as exc:
        # A bug or a missing dependency (e.g. the key store for the digest's audit entries):
        # give the claim back at once rather than leave it to the lease, and stop the run.
        _finish(reminder, status=Reminder.Status.PENDING, last_error=repr(exc)[:300])
        raise
    if composed is None:
        _finish(
            reminder, status=Reminder.Status.CANCELLED, last_error=why_not or "nothing to report"
        )
        report.cancelled += 1
        return
    subject, body = composed
    message = EmailMessage(
        subject,
        body,
        to=[reminder.recipient.email],
        connection=connection,
        headers={"Message-ID": _message_id(reminder)},
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        connection.close()  # a broken connection is reopened for the next message
        attempts = reminder.attempts + 1
        permanent = _permanent(exc)
        gave_up = permanent and attempts >= cfg.max_attempts
        _finish(
            reminder,
            status=Reminder.Status.FAILED if gave_up else Reminder.Status.PENDING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
        )
        if gave_up:
            report.failed += 1
        else:
            report.retry_later += 1
        return
    _finish(
        reminder,
        status=Reminder.Status.SENT,
        attempts=reminder.attempts + 1,
        sent_at=timezone.now(),
        email_subject=subject[:200],
        body=body,
        last_error="",
    )
    report.sent += 1


def _finish(reminder: Reminder, **fields: Any) -> None:
    Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING).update(
        claimed_at=None, **fields
    )


def _permanent(exc: BaseException) -> bool:
    """A 5xx refusal will not change by retrying; a server that is down (connection refused,
    timeout, 4xx) will — those reminders stay pending however long the outage lasts."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _message_id(reminder: Reminder) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "candor.invalid"
    return f"<reminder-{reminder.pk}.{reminder.created_at:%Y%m%d%H%M%S}@{domain}>"


def _obsolete(reminder: Reminder, today: dt.date) -> str:
    """Why a pending reminder should no longer be sent ("" if it should)."""
    if not reminder.recipient.is_active:
        return "the recipient has left"
    if reminder.kind == Kind.DIGEST:
        return "" if reminder.recipient.has_role("manager") else "no longer a manager"
    a = reminder.assignment
    if a is None or not a.mandatory or a.due_on is None:
        return "the assignment was removed or is no longer mandatory"
    if ModuleCompletion.objects.filter(user_id=a.user_id, module_id=a.module_id).exists():
        return "completed"
    if (reminder.kind == Kind.OVERDUE) != (a.due_on < today):
        return "the due date changed"
    return ""


def _compose(reminder: Reminder, today: dt.date) -> tuple[str, str] | None:
    ctx: dict[str, Any] = {"person": reminder.recipient, "base": base_url(), "today": today}
    if reminder.kind == Kind.DIGEST:
        with transaction.atomic():  # team_rows audits each report's read in this transaction
            rows = team_rows(reminder.recipient)
        if not rows:
            return None
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in Status.LABELS}
        overdue = [r for r in rows if r["status"] == Status.OVERDUE]
        ctx.update(
            {
                "total": len(rows),
                "counts": counts,
                "labels": Status.LABELS,
                "overdue": sorted(overdue, key=lambda r: (r["due_on"], r["person"])),
            }
        )
        subject = (
            f"Your team's mandatory training: {counts[Status.COMPLETED]} of {len(rows)} completed"
        )
        return subject, render_to_string("learning/email/digest.txt", ctx)
    a = reminder.assignment
    assert a is not None and a.due_on is not None
    module = a.module
    days = (a.due_on - today).days
    ctx.update({"module": module, "track": module.track, "due_on": a.due_on, "days": days})
    ctx["open"] = (
        _open_mandatory()
        .filter(user_id=a.user_id)
        .exclude(
            module_id__in=ModuleCompletion.objects.filter(user_id=a.user_id).values("module_id")
        )
        .count()
    )
    if reminder.kind == Kind.OVERDUE:
        subject = f"Overdue: “{module.title}” was due on {a.due_on:%-d %B %Y}"
        return subject, render_to_string("learning/email/overdue.txt", ctx)
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    subject = f"Reminder: “{module.title}” is due {when}"
    return subject, render_to_string("learning/email/before_due.txt", {**ctx, "when": when})


def messages_for(user: User) -> Any:
    """What Candor sent (or is about to send) this person: their "Messages sent to you"."""
    return (
        Reminder.objects.filter(recipient=user)
        .filter(
            Q(status=Reminder.Status.SENT)
            | Q(status=Reminder.Status.PENDING)
            | Q(status=Reminder.Status.FAILED)
        )
        .select_related("assignment__module__track")
        .order_by("-scheduled_on", "-pk")
    )
