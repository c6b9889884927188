"""``candor vault …``: key operations for operators."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.vault import api, keystore
from candor.vault.errors import VaultError
from candor.vault.models import DataKey, ErasureLog

DEFAULT_PURPOSE = "signals"


class Command(BaseCommand):
    help = (
        "Key operations: status, replay-erasures, rotate-kek, retire-kek, shred-owner.\n"
        "replay-erasures is for after a restore of the key store; rotate-kek and retire-kek "
        "change KEK versions; shred-owner erases one learner. 'candor vault SUBCOMMAND --help' "
        "explains each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="SUBCOMMAND")
        sub.add_parser("status", help="KEK versions in use, data keys, erasure log, retention")
        sub.add_parser(
            "replay-erasures",
            help="re-destroy the keys of every logged erasure; run after restoring the key "
            "store from a backup (keys created after an erasure are kept)",
        )
        sub.add_parser(
            "rotate-kek",
            help="re-wrap every data key under a new KEK version (key file: created now; "
            "CANDOR_KEK / KMS: add the new version to the configuration first); data untouched",
        )
        retire = sub.add_parser(
            "retire-kek",
            help="destroy an old KEK version once no data key uses it (this also makes key "
            "store backups from before the rotation unreadable)",
        )
        retire.add_argument("--version", type=int, required=True, metavar="N")
        shred = sub.add_parser(
            "shred-owner",
            help="erase one learner's signals now (crypto-shredding), recorded in the erasure log",
        )
        who = shred.add_mutually_exclusive_group(required=True)
        who.add_argument("--subject-id", metavar="ID", help="the learner's user id")
        who.add_argument("--owner", metavar="PSEUDONYM", help="the signal rows' owner pseudonym")
        shred.add_argument(
            "--purpose",
            default=DEFAULT_PURPOSE,
            help=f"pseudonym purpose of the signal rows (default {DEFAULT_PURPOSE!r})",
        )
        shred.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except VaultError as exc:
            raise CommandError(str(exc)) from exc

    def do_status(self, options: dict[str, Any]) -> None:
        st = keystore.state()
        usage = keystore.kek_usage()
        self.stdout.write(f"KEK provider: {st.provider.describe()}")
        self.stdout.write(
            f"KEK versions configured: {st.provider.versions()} "
            f"(current {st.provider.current_version()})"
        )
        for version, count in sorted(usage.items()):
            self.stdout.write(f"  version {version}: wraps {count} data keys")
        self.stdout.write(
            f"Data keys: {DataKey.objects.filter(wrapped__isnull=False).count()} live, "
            f"{DataKey.objects.filter(wrapped__isnull=True).count()} destroyed by erasure"
        )
        self.stdout.write(f"Erasure log: {ErasureLog.objects.count()} lines")
        self.stdout.write(f"Retention: {st.conf.retention_days} days")

    def do_replay_erasures(self, options: dict[str, Any]) -> None:
        report = api.replay_erasures()
        self.stdout.write(
            f"Replayed {report.erasures} erasure(s): {report.keys_destroyed} data key(s) that "
            f"had come back were destroyed, {report.rows_deleted} unreadable row(s) deleted."
        )

    def do_rotate_kek(self, options: dict[str, Any]) -> None:
        report = api.rotate_kek()
        made = " (new version created)" if report.created_version else ""
        self.stdout.write(
            f"KEK version {report.kek_version}{made}: {report.rewrapped} data key(s) re-wrapped, "
            f"{report.already_current} already under it. Data rows were not touched."
        )
        old = [v for v in keystore.state().provider.versions() if v != report.kek_version]
        if old:
            self.stdout.write(
                f"Older versions {old} can now be retired: candor vault retire-kek --version N"
            )

    def do_retire_kek(self, options: dict[str, Any]) -> None:
        version = options["version"]
        if api.retire_kek(version):
            self.stdout.write(f"KEK version {version} destroyed.")
        else:
            self.stdout.write(
                f"No data key uses KEK version {version}: remove it from the configuration "
                "(CANDOR_KEK or CANDOR_KMS_KEY_ID, and schedule the KMS key's deletion)."
            )

    def do_shred_owner(self, options: dict[str, Any]) -> None:
        owner = options["owner"] or api.pseudonym(options["purpose"], options["subject_id"])
        if not options["yes"]:
            if not self.stdin_is_tty():
                raise CommandError("refusing to erase without --yes (not a terminal)")
            answer = input(f"Erase every signal of {owner} now? This cannot be undone [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("not erased")
        report = api.erase_owner(owner)
        self.stdout.write(
            f"Erased {owner}: {report.keys_destroyed} data key(s) destroyed, "
            f"{sum(report.rows_deleted.values())} row(s) deleted; recorded in the erasure log."
        )

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()
