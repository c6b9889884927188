from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from candor.accounts.orgcsv import MAX_BYTES
from candor.learning.people import do_org_import


class Command(BaseCommand):
    help = (
        "Import the organisation from a CSV file: people, their department, manager and roles.\n\n"
        "The people file has the columns email, full_name, department (slug or name) and "
        "optionally manager_email, roles (e.g. learner;manager) and joined_on (YYYY-MM-DD). It "
        "is the whole organisation: active people missing from it are deactivated (never "
        "deleted) and their sessions end, unless --keep-missing. Departments must exist or come "
        "from --departments (columns slug, name, parent). The whole file is checked first; any "
        "problem is reported with its line and nothing is imported. Re-importing the same file "
        "changes nothing. Files must be UTF-8."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the people CSV, e.g. people.csv")
        parser.add_argument(
            "--departments", metavar="FILE", help="a departments CSV to apply first"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; change nothing"
        )
        parser.add_argument(
            "--keep-missing",
            action="store_true",
            help="do not deactivate active people who are missing from the file",
        )

    def _read(self, name: str) -> bytes:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
        return path.read_bytes()

    def handle(self, *args: Any, **options: Any) -> None:
        names = [options["file"], *([options["departments"]] if options["departments"] else [])]
        data = [self._read(name) for name in names]
        bars: list[Any] = []

        def progress(total_or_step: int) -> None:
            # Told the total first, then -1 per person written.
            if not bars:
                bars.append(
                    tqdm(
                        total=total_or_step,
                        desc="Importing",
                        unit="person",
                        file=self.stderr,
                        disable=None,
                    )
                )
            else:
                bars[0].update(1)

        result = do_org_import(
            None,
            data[0],
            data[1] if len(data) > 1 else None,
            dry_run=options["dry_run"],
            keep_missing=options["keep_missing"],
            people_name=Path(options["file"]).name,
            departments_name=Path(options["departments"]).name if options["departments"] else "",
            progress=progress,
        )
        for bar in bars:
            bar.close()
        if not result.plan.ok:
            for line in result.lines():
                self.stderr.write(line)
            raise CommandError("Nothing was imported.")
        for line in result.lines():
            self.stdout.write(line)
        if result.applied is not None:
            self.stdout.write(self.style.SUCCESS("Organisation imported."))
