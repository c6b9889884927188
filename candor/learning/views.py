"""Learner pages: thin — parse, call access/actions, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from candor.catalog.models import Exercise, Track
from candor.grading.base import AnswerError, GradeResult
from candor.grading.registry import get_grader
from candor.learning import access
from candor.learning.actions import (
    SubmissionRefused,
    do_record_lesson_view,
    do_submit_answer,
    requeue_stale_attempts,
)
from candor.learning.dashboard import dashboard_context, module_context
from candor.learning.forms import FormProblem, parse_token, raw_answer
from candor.learning.models import Attempt, ExerciseProgress


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role("learner"):  # type: ignore[union-attr]
        return render(request, "learning/no_learning.html")
    ctx = dashboard_context(request.user)  # type: ignore[arg-type]
    return render(request, "learning/dashboard.html", {**ctx, "nav": "dashboard"})


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    access._require_learner(request.user)  # type: ignore[arg-type]
    tracks = Track.objects.filter(is_retired=False).prefetch_related("modules")
    return render(request, "learning/catalogue.html", {"tracks": tracks, "nav": "catalogue"})


@login_required
@require_GET
def track_page(request: HttpRequest, track: str) -> HttpResponse:
    obj = access.access_track_for(request.user, track)  # type: ignore[arg-type]
    modules = list(obj.modules.filter(is_retired=False))
    ctx = dashboard_context(request.user, modules=modules)  # type: ignore[arg-type]
    return render(request, "learning/track.html", {"track": obj, **ctx})


@login_required
@require_GET
def module_page(request: HttpRequest, track: str, module: str) -> HttpResponse:
    obj = access.access_module_for(request.user, track, module)  # type: ignore[arg-type]
    return render(request, "learning/module.html", module_context(request.user, obj))  # type: ignore[arg-type]


@login_required
@require_GET
def lesson_page(request: HttpRequest, track: str, module: str, lesson: str) -> HttpResponse:
    obj = access.access_lesson_for(request.user, track, module, lesson)  # type: ignore[arg-type]
    do_record_lesson_view(request.user, obj)  # type: ignore[arg-type]
    ctx = module_context(request.user, obj.module)  # type: ignore[arg-type]
    items = ctx["items"]
    index = next(i for i, item in enumerate(items) if item["obj"] == obj)
    return render(
        request,
        "learning/lesson.html",
        {
            **ctx,
            "lesson": obj,
            "previous": items[index - 1] if index > 0 else None,
            "next": items[index + 1] if index + 1 < len(items) else None,
        },
    )


def _exercise_page(
    request: HttpRequest,
    exercise: Exercise,
    attempt: Attempt | None,
    error: str = "",
    status: int = 200,
    draft: Any = None,
) -> HttpResponse:
    user = request.user
    ctx = module_context(user, exercise.module)  # type: ignore[arg-type]
    items = ctx["items"]
    index = next(i for i, item in enumerate(items) if item["obj"] == exercise)
    progress = ExerciseProgress.objects.filter(user=user, exercise=exercise).first()  # type: ignore[misc]
    result = GradeResult.from_json(attempt.result) if attempt and attempt.result else None
    answer = draft if draft is not None else (attempt.answer if attempt else None)
    last_code = ""
    if exercise.kind == "code":
        if isinstance(answer, dict):
            last_code = str(answer.get("code", ""))
        else:
            previous = (
                Attempt.objects.filter(user=user, exercise=exercise).order_by("-number").first()  # type: ignore[misc]
            )
            last_code = (
                str(previous.answer.get("code", ""))
                if previous and isinstance(previous.answer, dict)
                else str(exercise.spec.get("starter", ""))
            )
    revealed = bool(progress and progress.revealed_at)
    return render(
        request,
        "learning/exercise.html",
        {
            **ctx,
            "exercise": exercise,
            "spec": get_grader(exercise.kind).public_spec(exercise.spec),
            "attempt": attempt,
            "result": result,
            "answer": answer,
            "last_code": last_code,
            "error": error,
            "progress": progress,
            "revealed": revealed,
            "show_solution": revealed,
            "token": uuid.uuid4(),
            "previous": items[index - 1] if index > 0 else None,
            "next": items[index + 1] if index + 1 < len(items) else None,
            "attempts_left": (
                max(0, exercise.max_attempts - progress.submissions)
                if exercise.max_attempts and progress
                else exercise.max_attempts or None
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def exercise_page(request: HttpRequest, track: str, module: str, exercise: str) -> HttpResponse:
    obj = access.access_exercise_for(request.user, track, module, exercise)  # type: ignore[arg-type]
    if request.method == "GET":
        attempt = None
        number = request.GET.get("attempt")
        if number is not None:
            if not number.isdigit() or len(number) > 9:
                return _exercise_page(request, obj, None, "That attempt does not exist.", 404)
            attempt = access.access_attempt_for(request.user, obj, int(number))  # type: ignore[arg-type]
        return _exercise_page(request, obj, attempt)
    try:
        token = parse_token(request.POST)
        raw = raw_answer(obj.kind, request.POST)
        mode = Attempt.Mode.RUN if request.POST.get("mode") == "run" else Attempt.Mode.SUBMIT
        submitted = do_submit_answer(request.user, obj, raw, token, mode)  # type: ignore[arg-type]
    except (FormProblem, AnswerError, SubmissionRefused) as exc:
        draft = {"code": request.POST.get("code", "")} if obj.kind == "code" else None
        return _exercise_page(request, obj, None, str(exc), 400, draft=draft)
    if not submitted.created:
        messages.info(request, "You already sent this answer; here is its result.")
    url = reverse("learning:exercise", args=[obj.module.track.slug, obj.module.slug, obj.slug])
    return redirect(f"{url}?attempt={submitted.attempt.number}#result")


@login_required
@require_GET
def attempt_status(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Polled while a code answer waits for or runs in the sandbox."""
    attempt = access.access_attempt_by_id_for(request.user, attempt_id)  # type: ignore[arg-type]
    if attempt.status in {Attempt.Status.QUEUED, Attempt.Status.RUNNING}:
        requeue_stale_attempts([attempt.pk])  # self-healing after a server restart
    ahead = 0
    if attempt.status == Attempt.Status.QUEUED:
        ahead = Attempt.objects.filter(
            status=Attempt.Status.QUEUED, created_at__lt=attempt.created_at
        ).count()
    return JsonResponse(
        {
            "status": attempt.status,
            "label": attempt.get_status_display(),
            "ahead": ahead,
            "done": attempt.status in {Attempt.Status.GRADED, Attempt.Status.ERROR},
        }
    )
