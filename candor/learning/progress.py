"""Read-side progress: how far a learner is in each module, computed in a few bulk queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from candor.catalog.models import Module
from candor.learning.models import (
    Assignment,
    Attempt,
    ExerciseProgress,
    LessonView,
    ModuleCompletion,
)


@dataclass(frozen=True)
class ModuleProgress:
    module_id: int
    total: int
    done: int
    started: bool
    completed_at: dt.datetime | None

    @property
    def percent(self) -> int:
        if self.completed_at is not None:
            return 100
        return round(100 * self.done / self.total) if self.total else 0


def module_sizes(module_ids: Iterable[int]) -> dict[int, int]:
    rows = Module.objects.filter(pk__in=list(module_ids)).annotate(
        n_lessons=Count("lessons", filter=Q(lessons__is_retired=False), distinct=True),
        n_exercises=Count("exercises", filter=Q(exercises__is_retired=False), distinct=True),
    )
    return {m.pk: m.n_lessons + m.n_exercises for m in rows}


def progress_for(
    user_ids: Iterable[int], module_ids: Iterable[int]
) -> dict[tuple[int, int], ModuleProgress]:
    """Progress of every (user, module) pair asked for, in five queries whatever the size."""
    users = list(user_ids)
    modules = list(module_ids)
    sizes = module_sizes(modules)
    done: Counter[tuple[int, int]] = Counter()
    started: set[tuple[int, int]] = set()
    for user_id, module_id in LessonView.objects.filter(
        user_id__in=users, lesson__module_id__in=modules, lesson__is_retired=False
    ).values_list("user_id", "lesson__module_id"):
        done[(user_id, module_id)] += 1
        started.add((user_id, module_id))
    for user_id, module_id, passed, revealed in ExerciseProgress.objects.filter(
        user_id__in=users, exercise__module_id__in=modules, exercise__is_retired=False
    ).values_list("user_id", "exercise__module_id", "passed_at", "revealed_at"):
        started.add((user_id, module_id))
        if passed or revealed:
            done[(user_id, module_id)] += 1
    for user_id, module_id in (
        Attempt.objects.filter(user_id__in=users, exercise__module_id__in=modules)
        .values_list("user_id", "exercise__module_id")
        .distinct()
    ):
        started.add((user_id, module_id))
    completed = {
        (u, m): at
        for u, m, at in ModuleCompletion.objects.filter(
            user_id__in=users, module_id__in=modules
        ).values_list("user_id", "module_id", "completed_at")
    }
    return {
        (u, m): ModuleProgress(
            module_id=m,
            total=sizes.get(m, 0),
            done=min(done[(u, m)], sizes.get(m, 0)),
            started=(u, m) in started or (u, m) in completed,
            completed_at=completed.get((u, m)),
        )
        for u in users
        for m in modules
    }


class Status:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    OVERDUE = "overdue"

    LABELS = {
        NOT_STARTED: "Not started",
        IN_PROGRESS: "In progress",
        COMPLETED: "Completed",
        OVERDUE: "Overdue",
    }


def assignment_status(
    assignment: Assignment, progress: ModuleProgress, today: dt.date | None = None
) -> str:
    today = today or timezone.localdate()
    if progress.completed_at is not None:
        return Status.COMPLETED
    if assignment.due_on is not None and assignment.due_on < today:
        return Status.OVERDUE
    return Status.IN_PROGRESS if progress.started else Status.NOT_STARTED
