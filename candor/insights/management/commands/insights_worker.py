from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from candor.insights import dp
from candor.insights.models import Release
from candor.insights.releases import recover_stale, run_release


class Command(BaseCommand):
    help = (
        "Build queued course-report releases (the background worker).\n\n"
        "Web processes build releases in a small thread pool of their own; run this where "
        "they should not (CANDOR_INSIGHTS_WORKERS=0) or to pick up work a stopped process left "
        "queued. Releases that stopped half-way are marked failed and their budget refunded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="build what is queued, then exit")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks (1.0)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dp.warm()
        while True:
            recover_stale()
            queued = list(
                Release.objects.filter(status=Release.Status.QUEUED)
                .order_by("requested_at")
                .values_list("pk", flat=True)
            )
            for release_id in queued:
                built = run_release(release_id)
                if built is not None:
                    self.stdout.write(f"release {release_id}: {built.get_status_display()}")
            if options["once"]:
                return
            time.sleep(max(0.1, options["interval"]))
