"""``candor breach-drill``: what a copy of the database gives an attacker without the keys."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.vault.breach.drill import render_text, run_drill
from candor.vault.breach.source import default_target, open_source


class Command(BaseCommand):
    help = (
        "Show what a copy of the database reveals without the keys (exit 1 if signals leak).\n"
        "Reads a copy of the database as an attacker without the KEK or the pseudonym secret "
        "would, and reports table by table: personal plaintext, readable signal values "
        "(expected: none) and links from signal rows to people (expected: none). "
        "Exit status 1 if any signal value or link is readable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            metavar="URL",
            help="the copy to inspect: a SQLite file path, sqlite:///path or postgresql://… "
            "(default: this deployment's main database, opened directly, read-only)",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--max-rows",
            type=int,
            default=10_000,
            metavar="N",
            help="rows examined per table (default 10000; 0 examines every row)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["database"] or default_target()
        try:
            source = open_source(target)
        except Exception as exc:  # noqa: BLE001 - any driver error becomes one clear line
            raise CommandError(f"cannot open {target}: {exc}") from exc
        try:
            report = run_drill(source, max_rows=options["max_rows"])
        finally:
            source.close()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, sort_keys=False))
        else:
            self.stdout.write(render_text(report))
        if not report.passed:
            self.stdout.flush()
            sys.exit(1)
