from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from candor.learning.certificates import issue_certificates
from candor.learning.models import Reminder
from candor.learning.opsconf import schedule
from candor.learning.reminders import pending_ids, plan_reminders, send_pending


class Command(BaseCommand):
    help = (
        "Send due-date and overdue reminders and the managers' weekly digest; issue earned "
        "certificates.\n\n"
        "Safe to run as often as you like (cron, a systemd timer): each reminder is planned once "
        "and sent once. When the mail server is down, reminders stay pending and go out on a "
        "later run. The schedule comes from CANDOR_REMINDER_DAYS_BEFORE (default 7,1), "
        "CANDOR_REMINDER_DAYS_OVERDUE (default 1,7,14) and CANDOR_DIGEST_WEEKDAY (default "
        "monday); see docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would be planned and sent; change and send nothing",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="put reminders the mail server refused back in the queue first",
        )
        parser.add_argument("--quiet", action="store_true", help="print only problems")

    def handle(self, *args: Any, **options: Any) -> None:
        cfg = schedule()  # a bad setting fails here, before anything is planned
        today = timezone.localdate()
        quiet = options["quiet"]
        if options["dry_run"]:
            with transaction.atomic():
                planned = plan_reminders(today, cfg)
                waiting = len(pending_ids(today))
                transaction.set_rollback(True)
            self.stdout.write(
                f"Dry run: {planned['reminders']} reminder(s) and {planned['digests']} digest(s) "
                f"would be planned; {waiting} message(s) would be sent. Nothing was changed."
            )
            return
        if options["retry_failed"]:
            again = Reminder.objects.filter(status=Reminder.Status.FAILED).update(
                status=Reminder.Status.PENDING, attempts=0
            )
            if not quiet:
                self.stdout.write(f"{again} refused reminder(s) put back in the queue.")
        issued = issue_certificates()
        planned = plan_reminders(today, cfg)
        total = len(pending_ids(today))
        with tqdm(
            total=total, desc="Sending", unit="email", disable=quiet or None, file=self.stderr
        ) as bar:
            report = send_pending(today, cfg, progress=lambda: bar.update(1))
        if not quiet:
            self.stdout.write(
                f"{len(issued)} certificate(s) issued; {planned['reminders']} reminder(s) and "
                f"{planned['digests']} digest(s) planned."
            )
            if report.released:
                self.stdout.write(
                    f"{report.released} reminder(s) left half-sent by an interrupted run were "
                    "put back in the queue."
                )
            self.stdout.write(report.line() + ".")
        if report.retry_later:
            self.stderr.write(
                self.style.WARNING(
                    f"The mail server did not take {report.retry_later} message(s); they stay "
                    "pending and are retried on the next run."
                )
            )
        if report.failed:
            self.stderr.write(
                self.style.WARNING(
                    f"{report.failed} message(s) were refused for good (see the admin overview); "
                    "fix the address and run with --retry-failed."
                )
            )
