"""Reminders against a real SMTP server on loopback (aiosmtpd), with a frozen clock
(time-machine): sent at the right times, once; kept and retried while the server is down."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from candor.learning.assignments import sync_assignments
from candor.learning.models import Assignment, ModuleCompletion, Reminder
from candor.learning.reminders import plan_reminders, send_pending
from candor.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

UTC = dt.UTC
START = dt.datetime(2026, 3, 4, 7, 0, tzinfo=UTC)  # a Wednesday: no digest on the first days
LEARNERS = {"lena", "leo", "maya", "ari", "priya", "adam", "otto", "sam"}


def day(n: int, hour: int = 7) -> dt.datetime:
    return START + dt.timedelta(days=n, hours=hour - 7)


def run() -> str:
    out = StringIO()
    call_command("send_reminders", "--quiet", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def on_start(course: Any, people: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Everyone assigned the fixture track on START, due 14 days later; digests off."""
    monkeypatch.setenv("CANDOR_DIGEST_WEEKDAY", "off")
    with time_machine.travel(START, tick=False):
        sync_assignments()
    return people


def learner_mail(mailbox: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in mailbox.messages:
        out.setdefault(m["To"].split("@")[0], []).append(str(m["Subject"]).strip())
    return out


def test_reminders_go_out_at_the_right_times_and_once(on_start: Any, mailbox: Any) -> None:
    due = dt.date(2026, 3, 18)
    assert set(Assignment.objects.values_list("due_on", flat=True)) == {due}
    with time_machine.travel(day(0), tick=False):
        run()
    with time_machine.travel(day(6), tick=False):
        run()
    assert mailbox.messages == []  # nothing before 7 days ahead

    with time_machine.travel(day(7), tick=False):  # 7 days before the due date
        run()
        run()  # a rerun the same day sends nothing twice
    mail = learner_mail(mailbox)
    assert set(mail) == LEARNERS
    assert all(
        subjects == ["Reminder: “How Candor works” is due in 7 days"] for subjects in mail.values()
    )

    first = Assignment.objects.first()
    assert first is not None
    ModuleCompletion.objects.create(user=on_start.lena, module=first.module)
    with time_machine.travel(day(13), tick=False):  # the day before: lena is done, no mail
        run()
    mail = learner_mail(mailbox)
    assert len(mail["lena"]) == 1 and mail["leo"][-1].endswith("is due tomorrow")
    with time_machine.travel(day(14), tick=False):
        run()  # the due day itself: the 1-day reminder was already sent
    with time_machine.travel(day(15), tick=False):  # the first day overdue
        run()
    with time_machine.travel(day(16), tick=False):
        run()
    mail = learner_mail(mailbox)
    assert mail["leo"][-1] == "Overdue: “How Candor works” was due on 18 March 2026"
    assert len(mail["leo"]) == 3 and len(mail["lena"]) == 1
    assert len(mailbox.messages) == 8 + 7 + 7
    # Exactly one row per message, each sent once, with the text the learner can read again.
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sent.count() == len(mailbox.messages)
    assert all(r.attempts == 1 for r in sent)
    body = mailbox.to("leo@example.test")[-1].get_content()
    assert "was due on Wednesday 18 March 2026" in body and "/messages/" in body


def test_a_missed_run_catches_up_with_one_reminder_not_a_burst(on_start: Any, mailbox: Any) -> None:
    with time_machine.travel(day(25), tick=False):  # no run for 25 days: 10 days overdue
        run()
    mail = learner_mail(mailbox)
    assert all(
        len(subjects) == 1 and subjects[0].startswith("Overdue") for subjects in mail.values()
    )
    assert set(Reminder.objects.values_list("scheduled_on", flat=True)) == {dt.date(2026, 3, 25)}


def test_mail_server_down_keeps_reminders_pending_and_retries(
    on_start: Any, smtp_settings: Any
) -> None:
    from .conftest import Mailbox

    with time_machine.travel(day(7), tick=False):
        out = StringIO()
        err = StringIO()
        call_command("send_reminders", stdout=out, stderr=err)  # nothing listens on the port
        assert "0 sent, 8 waiting for the mail server" in out.getvalue()
        assert "stay pending" in err.getvalue()
        assert Reminder.objects.filter(status=Reminder.Status.PENDING, attempts=1).count() == 8
        run()
        assert Reminder.objects.filter(status=Reminder.Status.PENDING, attempts=2).count() == 8
        first = Reminder.objects.first()
        assert first is not None and "Connection" in first.last_error
    box = Mailbox(port=smtp_settings.EMAIL_PORT)
    box.start()
    try:
        with time_machine.travel(day(8), tick=False):  # the server is back
            run()
            run()
    finally:
        box.stop()
    assert len(box.messages) == 8  # none lost, none doubled
    assert Reminder.objects.filter(status=Reminder.Status.SENT, attempts=3).count() == 8


def test_a_permanent_refusal_gives_up_after_the_limit(
    on_start: Any, smtp_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller

    class Refusing:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if address.startswith("otto@"):
                return "550 5.1.1 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    monkeypatch.setenv("CANDOR_REMINDER_MAX_ATTEMPTS", "2")
    controller = Controller(Refusing(), hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    controller.start()
    try:
        with time_machine.travel(day(7), tick=False):
            run()
            otto = Reminder.objects.get(recipient=on_start.otto)
            assert (otto.status, otto.attempts) == (Reminder.Status.PENDING, 1)
            run()
            otto.refresh_from_db()
            assert otto.status == Reminder.Status.FAILED and "550" in otto.last_error
    finally:
        controller.stop()
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 7


def test_overlapping_runs_never_send_a_reminder_twice(
    on_start: Any, mailbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMessage

    with time_machine.travel(day(7), tick=False):
        plan_reminders()
        plan_reminders()  # planning twice (or concurrently) creates nothing new
        assert Reminder.objects.count() == 8
        # A second run starts while the first holds a claim on its first reminder and is
        # talking to the mail server: the claim is one UPDATE … WHERE status = 'pending',
        # which only one run wins, so the second run sends only the seven others.
        original = EmailMessage.send
        inner: list[Any] = []

        def racing(message: Any, *args: Any, **kwargs: Any) -> int:
            if not inner:
                inner.append(None)
                assert Reminder.objects.filter(status=Reminder.Status.SENDING).count() == 1
                inner[0] = send_pending()
            return int(original(message, *args, **kwargs))

        monkeypatch.setattr(EmailMessage, "send", racing)
        outer = send_pending()
    assert (inner[0].sent, outer.sent) == (7, 1)
    assert len(mailbox.messages) == 8
    assert len({m["To"] for m in mailbox.messages}) == 8
    assert len({m["Message-ID"] for m in mailbox.messages}) == 8


def test_a_crashed_run_is_resumed_after_the_lease(on_start: Any, mailbox: Any) -> None:
    with time_machine.travel(day(7), tick=False):
        plan_reminders()
        stuck = Reminder.objects.first()
        assert stuck is not None
        Reminder.objects.filter(pk=stuck.pk).update(
            status=Reminder.Status.SENDING, claimed_at=day(7) - dt.timedelta(minutes=5)
        )
        send_pending()
        assert Reminder.objects.get(pk=stuck.pk).status == Reminder.Status.SENDING  # leased
    with time_machine.travel(day(7, hour=9), tick=False):
        report = send_pending()
    assert report.released == 1
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 8
    assert len(mailbox.messages) == 8


def test_managers_get_a_weekly_digest_of_completion_only(
    on_start: Any, mailbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANDOR_DIGEST_WEEKDAY", "monday")
    monkeypatch.setenv("CANDOR_REMINDER_DAYS_BEFORE", "off")
    monkeypatch.setenv("CANDOR_REMINDER_DAYS_OVERDUE", "off")
    first = Assignment.objects.first()
    assert first is not None
    module = first.module
    ModuleCompletion.objects.create(user=on_start.lena, module=module)
    with time_machine.travel(day(5), tick=False):  # Monday 9 March
        run()
    with time_machine.travel(day(6), tick=False):  # Tuesday: same week, nothing new
        run()
    assert sorted(m["To"] for m in mailbox.messages) == ["maya@example.test", "sam@example.test"]
    [digest] = mailbox.to("maya@example.test")
    assert str(digest["Subject"]).strip() == "Your team's mandatory training: 1 of 2 completed"
    body = digest.get_content()
    assert "Completed: 1" in body and "Not started: 1" in body
    # Built from team_rows: each report's read is audited under "compliance", as a manager.
    reads = AuditEntry.objects.filter(action="read", purpose="compliance", actor_role="manager")
    assert reads.count() == 3  # maya → lena, leo; sam → otto
    with time_machine.travel(day(12), tick=False):  # the next Monday: a new digest
        run()
    assert len(mailbox.to("maya@example.test")) == 2


def test_learners_see_what_was_sent_to_them(on_start: Any, mailbox: Any, client_for: Any) -> None:
    with time_machine.travel(day(7), tick=False):
        run()
    page = client_for(on_start.lena).get(reverse("learning:messages")).content.decode()
    assert "Reminder: “How Candor works” is due in 7 days" in page
    assert "Hello Lena" in page
    assert "Hello Leo" not in page


def test_a_completed_or_removed_assignment_cancels_its_pending_reminder(
    on_start: Any, smtp_settings: Any, mailbox: Any
) -> None:
    with time_machine.travel(day(7), tick=False):
        plan_reminders()
        lena = Reminder.objects.get(recipient=on_start.lena)
        assert lena.assignment is not None
        ModuleCompletion.objects.create(user=on_start.lena, module=lena.assignment.module)
        Assignment.objects.filter(user=on_start.leo).delete()
        report = send_pending()
    assert report.cancelled == 2 and report.sent == 6
    assert Reminder.objects.get(pk=lena.pk).status == Reminder.Status.CANCELLED


def test_the_dry_run_changes_and_sends_nothing(on_start: Any, mailbox: Any) -> None:
    with time_machine.travel(day(7), tick=False):
        out = StringIO()
        call_command("send_reminders", "--dry-run", stdout=out)
    assert "8 reminder(s) and 0 digest(s) would be planned" in out.getvalue()
    assert not Reminder.objects.exists() and mailbox.messages == []


def test_bad_schedule_settings_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from candor.learning.opsconf import schedule

    for name, value in [
        ("CANDOR_REMINDER_DAYS_BEFORE", "seven"),
        ("CANDOR_REMINDER_DAYS_OVERDUE", "0,3"),
        ("CANDOR_DIGEST_WEEKDAY", "caturday"),
        ("CANDOR_REMINDER_MAX_ATTEMPTS", "0"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ImproperlyConfigured):
            schedule()
        monkeypatch.delenv(name)


def test_unique_constraints_refuse_a_second_row(on_start: Any) -> None:
    from django.db import IntegrityError, transaction

    a = Assignment.objects.first()
    assert a is not None and a.due_on is not None
    Reminder.objects.create(
        recipient=a.user, assignment=a, kind="before_due", scheduled_on=a.due_on
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            recipient=a.user, assignment=a, kind="before_due", scheduled_on=a.due_on
        )
    Reminder.objects.create(recipient=on_start.maya, kind="digest", scheduled_on=a.due_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(recipient=on_start.maya, kind="digest", scheduled_on=a.due_on)


def test_an_unexpected_error_gives_the_claim_back(
    on_start: Any, mailbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import candor.learning.reminders as reminders

    def broken(manager: Any) -> Any:
        raise RuntimeError("key store unavailable")

    monkeypatch.setenv("CANDOR_DIGEST_WEEKDAY", "monday")
    monkeypatch.setattr(reminders, "team_rows", broken)
    with time_machine.travel(day(5), tick=False):
        plan_reminders()
        with pytest.raises(RuntimeError):
            send_pending()
    assert not Reminder.objects.filter(status=Reminder.Status.SENDING).exists()
    failed = Reminder.objects.filter(last_error__contains="key store unavailable")
    assert failed.count() == 1 and failed.get().status == Reminder.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_each_reminder_once(
    on_start: Any, smtp_settings: Any
) -> None:
    """Real threads, each with its own database connection, against a slow mail server."""
    import asyncio
    import threading

    from aiosmtpd.controller import Controller
    from django.db import connection

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memory"):
        pytest.skip("an in-memory SQLite test database has no concurrent writers")
    received: list[str] = []

    class Slow:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            await asyncio.sleep(0.05)
            received.extend(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Slow(), hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    controller.start()
    reports: list[Any] = []

    def worker() -> None:
        try:
            with time_machine.travel(day(7), tick=False):
                reports.append(send_pending())
        finally:
            connection.close()

    try:
        with time_machine.travel(day(7), tick=False):
            plan_reminders()
        threads = [threading.Thread(target=worker) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        controller.stop()
    assert len(reports) == 3
    assert sum(r.sent for r in reports) == 8
    assert sum(1 for r in reports if r.sent) >= 2  # the runs really overlapped
    assert sorted(received) == sorted(set(received)) and len(received) == 8
