"""What the learner's pages show: assignments with progress, and a module's items."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from candor.accounts.models import User
from candor.catalog.models import Module, Track
from candor.learning.models import Assignment, Certificate, ExerciseProgress, LessonView
from candor.learning.progress import Status, assignment_status, progress_for


def dashboard_context(user: User, modules: list[Module] | None = None) -> dict[str, Any]:
    assignments = {
        a.module_id: a
        for a in Assignment.objects.filter(
            user=user, module__is_retired=False, module__track__is_retired=False
        ).select_related("module__track")
    }
    if modules is None:
        modules = [a.module for a in assignments.values()]
    progress = progress_for([user.pk], [m.pk for m in modules])
    today = timezone.localdate()
    rows: list[dict[str, Any]] = []
    for module in modules:
        p = progress[(user.pk, module.pk)]
        a = assignments.get(module.pk)
        status = (
            assignment_status(a, p, today)
            if a
            else (
                Status.COMPLETED
                if p.completed_at
                else Status.IN_PROGRESS
                if p.started
                else Status.NOT_STARTED
            )
        )
        rows.append(
            {
                "module": module,
                "track": module.track,
                "assignment": a,
                "mandatory": bool(a and a.mandatory),
                "due_on": a.due_on if a else None,
                "days_left": (a.due_on - today).days if a and a.due_on else None,
                "progress": p,
                "status": status,
                "status_label": Status.LABELS[status],
            }
        )
    mandatory = sorted(
        (r for r in rows if r["mandatory"]),
        key=lambda r: (
            r["status"] == Status.COMPLETED,
            r["due_on"] or today.max,
            r["module"].order,
        ),
    )
    optional = [r for r in rows if not r["mandatory"]]
    assigned_tracks = {r["track"].pk for r in rows}
    explore = Track.objects.filter(is_retired=False).exclude(pk__in=assigned_tracks)
    done = sum(1 for r in mandatory if r["status"] == Status.COMPLETED)
    return {
        "certificates": list(
            Certificate.objects.filter(user=user, track__is_retired=False).select_related("track")
        ),
        "rows": rows,
        "mandatory": mandatory,
        "optional": optional,
        "explore": explore,
        "mandatory_done": done,
        "mandatory_total": len(mandatory),
        "overdue": sum(1 for r in mandatory if r["status"] == Status.OVERDUE),
    }


def module_context(user: User, module: Module) -> dict[str, Any]:
    lessons = list(module.lessons.filter(is_retired=False))
    exercises = list(module.exercises.filter(is_retired=False))
    read = set(
        LessonView.objects.filter(user=user, lesson__in=lessons).values_list("lesson_id", flat=True)
    )
    states = {
        p.exercise_id: p for p in ExerciseProgress.objects.filter(user=user, exercise__in=exercises)
    }
    items: list[dict[str, Any]] = []
    for lesson in lessons:
        items.append(
            {
                "kind": "lesson",
                "obj": lesson,
                "order": lesson.order,
                "done": lesson.pk in read,
                "url_name": "learning:lesson",
            }
        )
    for exercise in exercises:
        state = states.get(exercise.pk)
        items.append(
            {
                "kind": "exercise",
                "obj": exercise,
                "order": exercise.order,
                "done": bool(state and state.done),
                "passed": bool(state and state.passed_at),
                "tried": bool(state and state.submissions),
                "url_name": "learning:exercise",
            }
        )
    items.sort(key=lambda item: (item["order"], item["kind"]))
    progress = progress_for([user.pk], [module.pk])[(user.pk, module.pk)]
    assignment = Assignment.objects.filter(user=user, module=module).first()
    certificate = Certificate.objects.filter(user=user, track_id=module.track_id).first()
    return {
        "certificate": certificate,
        "module": module,
        "track": module.track,
        "items": items,
        "module_progress": progress,
        "assignment": assignment,
    }
