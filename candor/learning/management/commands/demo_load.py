from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.learning.demo import DEMO_PASSWORD, NAMED, DemoRefused, load_demo_company


class Command(BaseCommand):
    help = (
        "Load the demo company: departments, 40+ people, roles and assignment rules.\n\n"
        "Idempotent (a rerun changes nothing). Refused unless CANDOR_ENV is demo, dev or test: "
        "production never has demo accounts. Import content first (content-import) so the "
        "demo rules can assign its tracks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the accounts")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load_demo_company()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["quiet"]:
            return
        self.stdout.write(
            f"Demo company ready: {counts['people']} people "
            f"({counts['people_created']} new), assignments +{counts['created']}."
        )
        self.stdout.write(f"\nDemo accounts (password: {DEMO_PASSWORD}):")
        for local, name, _dept, _mgr, roles in NAMED:
            role_text = ", ".join(sorted(roles | {"learner"}))
            self.stdout.write(f"  {local + '@demo.candor':<20} {name:<16} {role_text}")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"\nOpen http://127.0.0.1:{port}/ and sign in.")
