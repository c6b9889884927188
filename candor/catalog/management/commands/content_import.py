from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from candor.catalog.actions import do_import_content
from candor.catalog.content import read_content


class Command(BaseCommand):
    help = (
        "Import a content folder into the catalogue, idempotently.\n\n"
        "Edited items update in place and keep learners' progress; items whose files are gone "
        "are retired (hidden, attempts kept), never deleted. Nothing is imported if any file "
        "has an error: the import is one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="content root or track folder, e.g. content/")
        parser.add_argument(
            "--no-run", action="store_true", help="do not run code exercises' reference solutions"
        )
        parser.add_argument("--quiet", action="store_true", help="print only errors")

    def handle(self, *args: Any, **options: Any) -> None:
        tree = read_content(options["path"], run_reference=not options["no_run"])
        if tree.errors:
            for error in tree.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(tree.errors)} error(s); nothing imported.")
        bar = tqdm(
            total=len(tree.tracks),
            desc="Importing tracks",
            unit="track",
            disable=options["quiet"],
            file=self.stderr,
        )
        report = do_import_content(tree, progress=lambda _slug: bar.update(1))
        bar.close()
        if not options["quiet"]:
            for line in report.lines():
                self.stdout.write(line)
            self.stdout.write(self.style.SUCCESS("Content imported."))
