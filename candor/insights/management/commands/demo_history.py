from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from candor.accounts.models import User
from candor.catalog.models import Track
from candor.insights.demo.history import EMAIL_DOMAIN, generate

DEFAULT_TRACKS = ("ai-foundations",)


class Command(BaseCommand):
    help = (
        "Generate realistic synthetic learning history through the real paths.\n\n"
        "Each synthetic learner records a consent choice, reads lessons, answers exercises "
        "(learning.actions.do_submit_answer) and sends one interaction summary per attempt "
        "through the signals ingestion, which seals it and feeds the insights running "
        "totals: the demo, the benchmarks and production share one path. Some exercises are "
        "made clearly hard, so course reports have something to show. Refused unless "
        "CANDOR_ENV is demo, dev or test; switches interaction signals on (with a demo DPIA "
        "reference) if they are off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=200, help="synthetic learners (200)")
        parser.add_argument("--days", type=int, default=45, help="days of history (45)")
        parser.add_argument(
            "--tracks",
            default=",".join(DEFAULT_TRACKS),
            help="comma-separated track slugs, or 'all' (default: ai-foundations)",
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
        parser.add_argument(
            "--hard", type=int, default=3, help="clearly hard exercises per track (3)"
        )
        parser.add_argument(
            "--consent-share",
            type=float,
            default=0.85,
            help="share of learners with signals on who also allow course improvement (0.85)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if synthetic learners exist already (for make run)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CANDOR_DEMO:
            raise CommandError(
                "Synthetic history is only generated with CANDOR_ENV=demo, dev or test."
            )
        learners, days = options["learners"], options["days"]
        if not 1 <= learners <= 200_000:
            raise CommandError("--learners must be between 1 and 200000.")
        if not 1 <= days <= 170:
            raise CommandError("--days must be between 1 and 170 (signals are kept 180 days).")
        if not 0 <= options["consent_share"] <= 1:
            raise CommandError("--consent-share must be between 0 and 1.")
        existing = User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).count()
        if options["if_empty"] and existing:
            self.stdout.write(f"Synthetic history present ({existing} learners): nothing to do.")
            return
        slugs = options["tracks"]
        tracks = Track.objects.filter(is_retired=False)
        if slugs != "all":
            wanted = [s.strip() for s in slugs.split(",") if s.strip()]
            tracks = tracks.filter(slug__in=wanted)
            missing = set(wanted) - set(tracks.values_list("slug", flat=True))
            if missing:
                raise CommandError(
                    f"No such track: {', '.join(sorted(missing))}. Import content first "
                    "(candor content-import content/)."
                )
        if not tracks:
            raise CommandError("No tracks to practise on: import content first.")
        with tqdm(total=learners, unit="learner", disable=options["verbosity"] == 0) as bar:
            report = generate(
                list(tracks),
                learners=learners,
                days=days,
                seed=options["seed"],
                hard_per_track=options["hard"],
                consent_share=options["consent_share"],
                progress=bar.update,
            )
        self.stdout.write(
            f"{report.learners} synthetic learners, {report.attempts} attempts, "
            f"{report.summaries} signal summaries; {report.contributing} learners contribute "
            "to course statistics."
        )
        self.stdout.write("Clearly hard exercises: " + "; ".join(report.hard))
        if report.skipped_exercises:
            self.stdout.write(
                f"Not practised ({len(report.skipped_exercises)}, no grader here for their "
                "kind): " + "; ".join(report.skipped_exercises[:8])
            )
        self.stdout.write("Authors see the reports under Course reports (/insights/courses/).")
