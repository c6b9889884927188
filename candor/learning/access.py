"""The only way a view gets a row that belongs to someone.

Each helper checks rights and answers the same 404 for "missing" and "not yours", so a URL
never tells whether something exists. Each condition sits on its own line so coverage shows
every branch was tested.
"""

from __future__ import annotations

from django.http import Http404

from candor.accounts.models import User
from candor.catalog.models import Exercise, Lesson, Module, Track
from candor.learning.models import Attempt


def _require_learner(user: User) -> None:
    if not user.is_authenticated:
        raise Http404
    if not user.has_role("learner"):
        raise Http404


def access_track_for(user: User, track_slug: str) -> Track:
    _require_learner(user)
    track = Track.objects.filter(slug=track_slug, is_retired=False).first()
    if track is None:
        raise Http404
    return track


def access_module_for(user: User, track_slug: str, module_slug: str) -> Module:
    track = access_track_for(user, track_slug)
    module = (
        Module.objects.filter(track=track, slug=module_slug, is_retired=False)
        .select_related("track")
        .first()
    )
    if module is None:
        raise Http404
    return module


def access_lesson_for(user: User, track_slug: str, module_slug: str, lesson_slug: str) -> Lesson:
    module = access_module_for(user, track_slug, module_slug)
    lesson = Lesson.objects.filter(module=module, slug=lesson_slug, is_retired=False).first()
    if lesson is None:
        raise Http404
    lesson.module = module
    return lesson


def access_exercise_for(
    user: User, track_slug: str, module_slug: str, exercise_slug: str
) -> Exercise:
    module = access_module_for(user, track_slug, module_slug)
    exercise = Exercise.objects.filter(module=module, slug=exercise_slug, is_retired=False).first()
    if exercise is None:
        raise Http404
    exercise.module = module
    return exercise


def access_exercise_by_id_for(user: User, exercise_id: int) -> Exercise:
    _require_learner(user)
    exercise = (
        Exercise.objects.filter(
            pk=exercise_id,
            is_retired=False,
            module__is_retired=False,
            module__track__is_retired=False,
        )
        .select_related("module__track")
        .first()
    )
    if exercise is None:
        raise Http404
    return exercise


def access_attempt_for(user: User, exercise: Exercise, number: int) -> Attempt:
    """A learner's own attempt; anyone else's is indistinguishable from a missing one."""
    _require_learner(user)
    attempt = Attempt.objects.filter(exercise=exercise, user=user, number=number).first()
    if attempt is None:
        raise Http404
    return attempt


def access_attempt_by_id_for(user: User, attempt_id: int) -> Attempt:
    _require_learner(user)
    attempt = (
        Attempt.objects.filter(pk=attempt_id, user=user)
        .select_related("exercise__module__track")
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def access_direct_report_for(manager: User, report_id: int) -> User:
    """A manager sees only their own direct reports (completion only, enforced by the view)."""
    if not manager.is_authenticated:
        raise Http404
    if not manager.has_role("manager"):
        raise Http404
    report = User.objects.filter(pk=report_id, manager=manager, is_active=True).first()
    if report is None:
        raise Http404
    return report
