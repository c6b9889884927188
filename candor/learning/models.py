"""Assignments, attempts, progress and completion records."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from candor.accounts.models import Department
from candor.catalog.models import Exercise, Lesson, Module, Track


class AssignmentRule(models.Model):
    """Who must (or may) take what, and by when. Rules materialise into Assignments."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        DEPARTMENT = "department", "A department (and its sub-departments)"
        ROLE = "role", "A role"
        PERSON = "person", "One person"

    class RelativeTo(models.TextChoices):
        JOINED = "joined", "after the person joined"
        ASSIGNED = "assigned", "after the assignment"

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="rules")
    module = models.ForeignKey(
        Module,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rules",
        help_text="Empty: every module of the track.",
    )
    audience = models.CharField(max_length=16, choices=Audience.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT)
    include_subdepartments = models.BooleanField(default=True)
    role = models.CharField(max_length=32, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_rules",
    )
    mandatory = models.BooleanField(default=True)
    due_date = models.DateField(null=True, blank=True)
    due_days = models.PositiveIntegerField(null=True, blank=True)
    relative_to = models.CharField(
        max_length=16, choices=RelativeTo.choices, default=RelativeTo.ASSIGNED
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        target = self.module or self.track
        return f"{target} → {self.get_audience_display()}"


class Assignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="assignments")
    rule = models.ForeignKey(
        AssignmentRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    mandatory = models.BooleanField(default=True)
    due_on = models.DateField(null=True, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "module"], name="assignment_unique")]


class LessonView(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_view_unique")
        ]


class Attempt(models.Model):
    """One answer to an exercise. ``mode=run`` (code: visible tests only) never counts."""

    class Mode(models.TextChoices):
        SUBMIT = "submit", "Submit"
        RUN = "run", "Run"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a free grader"
        RUNNING = "running", "Running"
        GRADED = "graded", "Graded"
        ERROR = "error", "Could not be graded"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()  # per (user, exercise), from 1: stable in URLs
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.SUBMIT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.GRADED)
    answer = models.JSONField()
    correct = models.BooleanField(null=True)
    score = models.FloatField(null=True)
    result = models.JSONField(null=True, blank=True)
    # One token per rendered form: a double-clicked or re-sent submit finds the same attempt.
    client_token = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exercise", "number"], name="attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "exercise", "client_token"], name="attempt_token_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]


class ExerciseProgress(models.Model):
    """Per learner and exercise: counted submissions and when it was passed (or revealed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT)
    submissions = models.PositiveIntegerField(default=0)
    passed_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise"], name="exercise_progress_unique")
        ]

    @property
    def done(self) -> bool:
        return self.passed_at is not None or self.revealed_at is not None


class ModuleCompletion(models.Model):
    """The compliance record: who completed which module, when. Kept per retention policy."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="module_completion_unique")
        ]
