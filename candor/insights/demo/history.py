"""Realistic synthetic history through the real paths (DESIGN-NOTES §6).

Each synthetic learner records a consent choice (``privacy.consent.do_set_consent``), reads
lessons (``learning.actions.do_record_lesson_view``), answers exercises
(``learning.actions.do_submit_answer``) and sends one interaction summary per attempt through
the signals ingestion entry point (``candor.signals.ingestion.ingest``), which seals it and
feeds the insights running totals in the same transaction. Nothing is written around them.

The model: each learner has an ability, each exercise a difficulty (a few are clearly hard);
the chance of a right answer grows with each attempt. Time on task is log-normal per exercise
kind, and hard exercises take longer, with more idle time, corrections and hints.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from candor.accounts.models import Department, User
from candor.catalog.models import Exercise, Module, Track
from candor.insights.demo.answers import Answers, answers_for
from candor.insights.quarters import Quarter
from candor.learning.actions import (
    SubmissionRefused,
    do_record_lesson_view,
    do_submit_answer,
    grade_queued_attempt,
)
from candor.learning.models import Attempt
from candor.privacy.consent import consent_for, do_set_consent
from candor.privacy.org import do_enable_signals, signals_enabled
from candor.signals.ingestion import ingest
from candor.signals.schemas import MAX_BATCH, parse_batch

EMAIL_DOMAIN = "synthetic.candor"
# Median seconds on task and characters typed per attempt, by exercise kind.
KIND_TIME = {"single_choice": 25, "multiple_choice": 40, "numeric": 60, "short_text": 45,
             "rubric": 240, "code": 420}  # fmt: skip
KIND_CHARS = {"single_choice": 0, "multiple_choice": 0, "numeric": 5, "short_text": 18,
              "rubric": 420, "code": 320}  # fmt: skip
HARD_DIFFICULTY = 3.2


@dataclass
class HistoryReport:
    learners: int = 0
    attempts: int = 0
    summaries: int = 0
    contributing: int = 0
    hard: list[str] = field(default_factory=list)
    skipped_exercises: list[str] = field(default_factory=list)


def pick_hard(exercises: Sequence[Exercise], rng: random.Random, count: int) -> set[int]:
    """A few exercises made clearly hard: typed answers first, spread over the modules."""
    typed = [e for e in exercises if e.kind in {"numeric", "short_text", "code", "rubric"}]
    pool = typed or list(exercises)
    by_module: dict[int, list[Exercise]] = {}
    for e in pool:
        by_module.setdefault(e.module_id, []).append(e)
    modules = list(by_module)
    rng.shuffle(modules)
    chosen: set[int] = set()
    while len(chosen) < min(count, len(pool)):
        for mid in modules:
            candidates = [e for e in by_module[mid] if e.pk not in chosen]
            if candidates and len(chosen) < count:
                chosen.add(rng.choice(candidates).pk)
    return chosen


def _department() -> Department:
    dept, _ = Department.objects.get_or_create(
        slug="synthetic-learners", defaults={"name": "Synthetic learners (demo history)"}
    )
    return dept


def ensure_signals_on() -> None:
    if signals_enabled():
        return
    admin = User.objects.filter(is_admin=True, is_active=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("Signals are off and there is no admin to switch them on.")
    do_enable_signals(admin, dpia_reference="DEMO-DPIA (synthetic history)")


def summary_for(exercise: Exercise, rng: random.Random, *, hard: bool, token: uuid.UUID | None,
                attempt: int, ability: float) -> dict[str, Any]:  # fmt: skip
    """One wire-format summary consistent with every rule ``signals.schemas`` checks."""
    kind = exercise.kind
    slow = (2.3 if hard else 1.0) * math.exp(-0.15 * ability) * (0.7 if attempt > 1 else 1.0)
    seconds = max(3, round(rng.lognormvariate(math.log(KIND_TIME.get(kind, 60) * slow), 0.5)))
    idle_share = min(0.95, max(0.05, rng.betavariate(3, 4) + (0.15 if hard else 0.0)))
    idle = round(seconds * idle_share)
    active = seconds - idle
    typed = KIND_CHARS.get(kind, 10)
    pasted_chars = pastes = 0
    if typed and rng.random() < (0.25 if kind in {"code", "rubric"} else 0.05):
        pastes = rng.randint(1, 3)
        pasted_chars = max(pastes, round(typed * rng.uniform(0.1, 0.6)))
    ins = round(typed * rng.uniform(0.6, 1.4)) if typed else 0
    active = max(active, math.ceil(ins / 6) + (1 if ins else 0))  # at most ~360 chars a minute
    seconds = active + idle
    corr = min(1.0, rng.betavariate(2, 9) + (0.12 if hard else 0.0)) if ins else 0.0
    dels = round(ins * corr)
    ms_active, ms_idle = active * 1000, idle * 1000
    cpm = min(3000, round(ins * 60_000 / ms_active)) if ins and ms_active else 0
    hints = 0
    if exercise.hints and rng.random() < (0.55 if hard else 0.12) + 0.1 * (attempt - 1):
        hints = min(len(exercise.hints), 1 + int(rng.random() < 0.3))
    s15 = ms_idle // 60_000
    s2 = (ms_idle - 15_000 * s15) // 6000
    return {
        "client_id": str(uuid.uuid4()), "exercise_id": exercise.pk,
        "attempt_token": str(token) if token else None, "schema": 1,
        "ended_by": "submit" if token else "hide",
        "time_on_task_ms": ms_active + ms_idle, "active_ms": ms_active, "idle_ms": ms_idle,
        "break_ms": 0, "hidden_ms": 1000 * rng.randint(0, 20),
        "focus_losses": rng.randint(0, 2),
        "pauses": {"s2_15": s2, "s15_180": s15, "s180_600": 0, "s600_plus": 0},
        "keystrokes": ins + dels, "insertions": ins, "deletions": dels,
        "typing_speed_cpm": cpm, "correction_rate": round(dels / max(1, ins), 2),
        "undo_count": rng.randint(0, 2) if ins else 0, "pastes": pastes,
        "pasted_chars": pasted_chars, "runs": rng.randint(0, 3) if kind == "code" else 0,
        "submissions": 1 if token else 0, "hints_shown": hints, "hints_used": hints,
    }  # fmt: skip


class Simulator:
    def __init__(self, tracks: Sequence[Track], *, seed: int, days: int, hard_per_track: int,
                 consent_share: float, now: dt.datetime | None = None) -> None:  # fmt: skip
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        quarter_start = dt.datetime.combine(Quarter.of(self.now).start, dt.time(), tzinfo=dt.UTC)
        start = self.now - dt.timedelta(days=days)
        # Keep the history in this quarter when it has run a week, so its reports have data.
        self.start = (
            max(start, quarter_start) if self.now - quarter_start > dt.timedelta(7) else start
        )
        self.consent_share = consent_share
        self.report = HistoryReport()
        self.modules: list[tuple[Module, list[Any], list[Exercise]]] = []
        self.answers: dict[int, Answers] = {}
        self.hard: set[int] = set()
        for track in tracks:
            exercises: list[Exercise] = []
            for module in track.modules.filter(is_retired=False).order_by("order"):
                lessons = list(module.lessons.filter(is_retired=False).order_by("order"))
                exs = list(module.exercises.filter(is_retired=False).order_by("order"))
                usable = []
                for e in exs:
                    found = answers_for(
                        e.kind, e.spec, html.unescape(strip_tags(e.explanation_html))
                    )
                    if found is None or found.right is None:
                        self.report.skipped_exercises.append(e.title)
                        continue
                    self.answers[e.pk] = found
                    usable.append(e)
                self.modules.append((module, lessons, usable))
                exercises.extend(usable)
            self.hard |= pick_hard(exercises, self.rng, hard_per_track)
        titles = {e.pk: e.title for _, _, exs in self.modules for e in exs}
        self.report.hard = sorted(titles[pk] for pk in self.hard)

    def _moment(self, day: float) -> dt.datetime:
        moment = self.start + dt.timedelta(days=day, seconds=self.rng.randint(8 * 3600, 18 * 3600))
        return min(moment, self.now - dt.timedelta(seconds=1))

    def learner(self, index: int, run: str) -> None:
        rng = self.rng
        user = User.objects.create_user(
            f"learner-{run}-{index:05d}@{EMAIL_DOMAIN}", None,
            full_name=f"Synthetic Learner {run}-{index:05d}", department=_department(),
        )  # fmt: skip
        helps = rng.random() < 0.85
        aggregates = helps and rng.random() < self.consent_share
        do_set_consent(user, learner_help=helps, course_improvement=aggregates)
        self.report.learners += 1
        self.report.contributing += int(consent_for(user).aggregates_allowed)
        ability = rng.gauss(0, 1)
        span = max(1.0, (self.now - self.start).total_seconds() / 86400)
        day = rng.uniform(0, span * 0.5)
        for _module, lessons, exercises in self.modules:
            if day > span or rng.random() < 0.07:
                break
            moment = self._moment(day)
            for lesson in lessons:
                do_record_lesson_view(user, lesson)
            summaries = [s for e in exercises for s in self._exercise(user, e, ability)]
            if helps:
                for chunk in range(0, len(summaries), MAX_BATCH):
                    batch = parse_batch(
                        json.dumps({"summaries": summaries[chunk : chunk + MAX_BATCH]}).encode()
                    )
                    self.report.summaries += ingest(user, batch, now=moment).stored
            day += rng.uniform(0.3, 3.0)

    def _exercise(self, user: User, exercise: Exercise, ability: float) -> list[dict[str, Any]]:
        rng = self.rng
        hard = exercise.pk in self.hard
        answers = self.answers[exercise.pk]
        difficulty = HARD_DIFFICULTY if hard else rng.uniform(-0.5, 0.6)
        out = []
        if rng.random() < 0.06:  # opened, left, came back later
            out.append(
                summary_for(exercise, rng, hard=hard, token=None, attempt=1, ability=ability)
            )
        limit = exercise.max_attempts or 5
        for attempt in range(1, limit + 1):
            p = 1 / (1 + math.exp(-(1.5 + ability - difficulty + 0.6 * (attempt - 1))))
            right = answers.right is not None and rng.random() < p
            token = uuid.uuid4()
            try:
                sent = do_submit_answer(
                    user, exercise, answers.right if right else answers.wrong, token
                )
            except SubmissionRefused:
                break
            if sent.attempt.status == Attempt.Status.QUEUED:
                # Code: grade now (the queue's own job, run here) so the summary sent next
                # carries the grader's outcome, as it would after the learner waited for it.
                grade_queued_attempt(sent.attempt.pk)
                right = bool(Attempt.objects.filter(pk=sent.attempt.pk, correct=True).exists())
            self.report.attempts += 1
            out.append(summary_for(exercise, rng, hard=hard, token=token, attempt=attempt,
                                   ability=ability))  # fmt: skip
            if right or (attempt >= 2 and rng.random() < (0.5 if hard else 0.3)):
                break  # passed, or gave up for now
        return out


def generate(tracks: Sequence[Track], *, learners: int, days: int, seed: int = 7,
             hard_per_track: int = 3, consent_share: float = 0.85,
             progress: Callable[[int], None] | None = None,
             now: dt.datetime | None = None) -> HistoryReport:  # fmt: skip
    ensure_signals_on()
    sim = Simulator(tracks, seed=seed, days=days, hard_per_track=hard_per_track,
                    consent_share=consent_share, now=now)  # fmt: skip
    run = f"{seed}-{User.objects.filter(email__endswith='@' + EMAIL_DOMAIN).count()}"
    for i in range(learners):
        with transaction.atomic():
            sim.learner(i, run)
        if progress:
            progress(1)
    return sim.report
