"""``candor purge``: enforce the signal retention (PRODUCT.md §5 rule 6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from candor.vault.errors import VaultError
from candor.vault.retention import plan, purge_expired, retention_days


class Command(BaseCommand):
    help = (
        "Enforce signal retention: destroy expired periods' keys, delete their rows.\n"
        "Destroys the data keys of expired retention periods, then deletes their signal rows, "
        "and report what was removed. Safe to run again: a second run removes nothing. "
        "Schedule it daily (cron or a systemd timer; see docs/privacy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="only report what would be removed"
        )
        parser.add_argument(
            "--retention-days",
            type=int,
            metavar="N",
            help="override CANDOR_SIGNAL_RETENTION_DAYS (default 180) for this run",
        )
        parser.add_argument(
            "--now",
            metavar="ISO-DATETIME",
            help="pretend it is this time (catching up after downtime, or rehearsing)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(
                    f"--now must be an ISO date-time, not {options['now']!r}"
                ) from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now, timezone.get_fixed_timezone(0))
        days = options["retention_days"] or retention_days()
        if days < 31:
            raise CommandError("--retention-days must be at least 31 (one period)")
        total = sum(sum(counts.values()) for counts in plan(now, days).values())
        bar = tqdm(total=total, unit="rows", desc="purging", disable=None if total else True)
        try:
            report = purge_expired(now, days, dry_run=options["dry_run"], progress=bar.update)
        except VaultError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        verb = "Would remove" if report.dry_run else "Removed"
        self.stdout.write(
            f"Retention: {days} days; a period expires when its first day is older than that "
            f"(now {now:%Y-%m-%d %H:%M} UTC)."
        )
        for entry in report.periods:
            tables = ", ".join(f"{t} {n}" for t, n in sorted(entry.rows_deleted.items()) if n)
            self.stdout.write(
                f"  {entry.period}: {entry.keys_destroyed} data keys, "
                f"{sum(entry.rows_deleted.values())} rows" + (f" ({tables})" if tables else "")
            )
        if not report.periods and not report.erasure_log_removed:
            self.stdout.write("Nothing to purge: no expired period, no stale erasure-log line.")
            return
        self.stdout.write(
            f"{verb} {len(report.periods)} expired period(s): {report.keys_destroyed} data keys "
            f"destroyed, {report.rows_deleted} signal rows deleted, "
            f"{report.erasure_log_removed} erasure-log line(s) aged out."
        )
