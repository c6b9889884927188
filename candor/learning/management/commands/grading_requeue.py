from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from candor.learning.actions import requeue_stale_attempts


class Command(BaseCommand):
    help = (
        "Queue again the code attempts that a restarted or crashed server left waiting.\n\n"
        "The grading queue lives in each application process's memory; run this after a "
        "deploy or restart (pages also do it by themselves when a learner's result is late). "
        "Queueing twice is harmless: an attempt is graded once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        n = requeue_stale_attempts()
        self.stdout.write(f"{n} waiting attempt(s) queued again.")
