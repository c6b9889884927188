from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.catalog.content import read_content


class Command(BaseCommand):
    help = (
        "Validate a content folder and report every error as path:line: message.\n\n"
        "PATH is the content root (a folder of track folders) or one track folder. Code "
        "exercises' reference solutions are run against all their tests in the sandbox "
        "(--no-run skips that). Exit status 1 when there is any error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="content root or track folder, e.g. content/")
        parser.add_argument(
            "--no-run", action="store_true", help="do not run code exercises' reference solutions"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tree = read_content(options["path"], run_reference=not options["no_run"])
        for error in tree.errors:
            self.stderr.write(str(error))
        tracks = len(tree.tracks)
        modules = sum(len(t.modules) for t in tree.tracks)
        items = sum(len(m.items) for t in tree.tracks for m in t.modules)
        if tree.errors:
            raise CommandError(
                f"{len(tree.errors)} error(s) in {tracks} track(s); fix them and check again."
            )
        self.stdout.write(
            self.style.SUCCESS(f"OK: {tracks} track(s), {modules} module(s), {items} item(s).")
        )
