"""Every write of the learning app: atomic, idempotent where a browser may retry."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from candor.accounts.models import User
from candor.catalog.models import Exercise, Lesson, Module
from candor.grading.base import AnswerError, GradeResult
from candor.grading.registry import get_grader
from candor.learning.certificates import issue_certificate_for
from candor.learning.models import (
    Attempt,
    ExerciseProgress,
    LessonView,
    ModuleCompletion,
)

log = logging.getLogger(__name__)


class SubmissionRefused(Exception):
    """The learner may not submit now (e.g. attempts used up); the message says why."""


@dataclass(frozen=True)
class Submitted:
    attempt: Attempt
    created: bool  # False when the same form was sent twice: the first attempt is returned


def do_record_lesson_view(user: User, lesson: Lesson) -> None:
    with transaction.atomic():
        _, created = LessonView.objects.get_or_create(user=user, lesson=lesson)
        if created:
            _maybe_complete_module(user, lesson.module)


def do_submit_answer(
    user: User, exercise: Exercise, raw: Any, token: uuid.UUID, mode: str = Attempt.Mode.SUBMIT
) -> Submitted:
    """Grade (or queue) one answer. The form's token makes a double-click count once."""
    grader = get_grader(exercise.kind)
    if mode == Attempt.Mode.RUN and not grader.runs_async:
        raise SubmissionRefused("Only code exercises can be run before submitting.")
    existing = Attempt.objects.filter(user=user, exercise=exercise, client_token=token).first()
    if existing is not None:
        return Submitted(existing, created=False)
    answer = grader.parse_answer(exercise.spec, raw)  # AnswerError goes back to the form
    try:
        with transaction.atomic():
            progress, _ = ExerciseProgress.objects.select_for_update().get_or_create(
                user=user, exercise=exercise
            )
            if mode == Attempt.Mode.SUBMIT and _attempts_used_up(exercise, progress):
                raise SubmissionRefused(
                    f"You have used all {exercise.max_attempts} attempts for this exercise; "
                    "the answer and explanation are shown below."
                )
            number = (
                Attempt.objects.filter(user=user, exercise=exercise).aggregate(n=Max("number"))["n"]
                or 0
            ) + 1
            attempt = Attempt.objects.create(
                user=user,
                exercise=exercise,
                number=number,
                mode=mode,
                answer=_stored(answer),
                client_token=token,
                status=Attempt.Status.QUEUED if grader.runs_async else Attempt.Status.GRADED,
            )
            if grader.runs_async:
                transaction.on_commit(lambda: _enqueue(attempt.pk))
            else:
                _record(attempt, grader.grade(exercise.spec, answer), progress)
    except IntegrityError:
        # The same token raced in from a second request: return the attempt it created.
        existing = Attempt.objects.filter(user=user, exercise=exercise, client_token=token).first()
        if existing is None:
            raise
        return Submitted(existing, created=False)
    return Submitted(attempt, created=True)


def _enqueue(attempt_id: int) -> None:
    from candor.grading import queue  # the pool starts only in processes that grade code

    queue.enqueue(grade_queued_attempt, attempt_id)


# A code run takes at most 30 s of wall time (the sandbox's hard cap); an attempt still
# "running" well after that was being graded by a process that died.
STALE_RUNNING_SECONDS = 120
# The queue lives in memory: after a restart, queued attempts must be queued again. Enqueueing
# twice is harmless — grading starts only by moving the attempt from queued to running.
STALE_QUEUED_SECONDS = 30


def requeue_stale_attempts(attempt_ids: list[int] | None = None) -> int:
    """Queue again the code attempts a restarted or crashed process left behind."""
    now = timezone.now()
    qs = (
        Attempt.objects.all() if attempt_ids is None else Attempt.objects.filter(pk__in=attempt_ids)
    )
    running = qs.filter(
        status=Attempt.Status.RUNNING,
        created_at__lt=now - dt.timedelta(seconds=STALE_RUNNING_SECONDS),
        graded_at__isnull=True,
    )
    running.update(status=Attempt.Status.QUEUED)
    stale = list(
        qs.filter(
            status=Attempt.Status.QUEUED,
            created_at__lt=now - dt.timedelta(seconds=STALE_QUEUED_SECONDS),
        ).values_list("pk", flat=True)
    )
    for attempt_id in stale:
        _enqueue(attempt_id)
    return len(stale)


def _stored(answer: Any) -> Any:
    """Answers are stored as the grader parsed them (bounded by the grader's parse_answer)."""
    return answer


def _attempts_used_up(exercise: Exercise, progress: ExerciseProgress) -> bool:
    return bool(
        exercise.max_attempts
        and progress.passed_at is None
        and progress.submissions >= exercise.max_attempts
    )


def grade_queued_attempt(attempt_id: int) -> None:
    """Run by the grading queue, off the request thread."""
    updated = Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.QUEUED).update(
        status=Attempt.Status.RUNNING
    )
    if not updated:
        return  # already taken by another worker, or gone
    attempt = Attempt.objects.select_related("exercise__module").get(pk=attempt_id)
    exercise = attempt.exercise
    grader = get_grader(exercise.kind)
    try:
        answer = grader.parse_answer(exercise.spec, attempt.answer)
        result = grader.grade(exercise.spec, answer)
    except AnswerError as exc:
        result = GradeResult(correct=False, score=0.0, error_kind="invalid", error_message=str(exc))
    except Exception:
        log.exception("grading attempt %s failed", attempt_id)
        Attempt.objects.filter(pk=attempt_id).update(
            status=Attempt.Status.ERROR,
            graded_at=timezone.now(),
            result=GradeResult(
                correct=False,
                score=0.0,
                error_kind="internal",
                error_message="Your answer could not be graded because of a problem on our "
                "side. It was not counted; please try again in a minute.",
            ).to_json(),
        )
        return
    with transaction.atomic():
        progress, _ = ExerciseProgress.objects.select_for_update().get_or_create(
            user_id=attempt.user_id, exercise=exercise
        )
        _record(attempt, result, progress)


def _record(attempt: Attempt, result: GradeResult, progress: ExerciseProgress) -> None:
    exercise = attempt.exercise
    now = timezone.now()
    counts = attempt.mode == Attempt.Mode.SUBMIT and result.error_kind not in {
        "sandbox_unavailable",
        "internal",
    }
    attempt.status = Attempt.Status.GRADED
    attempt.correct = result.correct
    attempt.score = result.score
    attempt.result = result.to_json()
    attempt.graded_at = now
    attempt.save(update_fields=["status", "correct", "score", "result", "graded_at"])
    if not counts:
        return
    progress.submissions += 1
    fields = ["submissions"]
    if result.correct and progress.passed_at is None:
        progress.passed_at = now
        fields.append("passed_at")
    elif (
        not result.correct
        and progress.passed_at is None
        and progress.revealed_at is None
        and exercise.max_attempts
        and progress.submissions >= exercise.max_attempts
    ):
        progress.revealed_at = now
        fields.append("revealed_at")
    progress.save(update_fields=fields)
    _maybe_complete_module(attempt.user, exercise.module)


def _maybe_complete_module(user: User | Any, module: Module) -> None:
    """Record completion once every current lesson is read and every exercise is done; the
    completion that finishes a track's mandatory modules issues its certificate, in the same
    transaction (called only inside the atomic write that recorded the last piece)."""
    user_id = user.pk
    if ModuleCompletion.objects.filter(user_id=user_id, module=module).exists():
        return
    lessons = set(module.lessons.filter(is_retired=False).values_list("pk", flat=True))
    exercises = set(module.exercises.filter(is_retired=False).values_list("pk", flat=True))
    read = set(
        LessonView.objects.filter(user_id=user_id, lesson_id__in=lessons).values_list(
            "lesson_id", flat=True
        )
    )
    done = {
        p.exercise_id
        for p in ExerciseProgress.objects.filter(user_id=user_id, exercise_id__in=exercises)
        if p.done
    }
    if lessons <= read and exercises <= done:
        _, created = ModuleCompletion.objects.get_or_create(user_id=user_id, module=module)
        if created:
            issue_certificate_for(user, module.track_id)
