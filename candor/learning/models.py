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


# --- Mandatory-training operations (issue 8): reminders and certificates ----------------


class Reminder(models.Model):
    """One email Candor owes someone: before a due date, when overdue, or a manager's digest.

    A row is created once per (assignment, kind, scheduled date) — or per (manager, digest
    date) — and unique constraints make a second planning run, even an overlapping one, a
    no-op. It is marked sent only after the mail server accepted it; until then it stays
    pending and is retried, so an SMTP outage neither loses nor doubles a reminder.
    """

    class Kind(models.TextChoices):
        BEFORE_DUE = "before_due", "Before the due date"
        OVERDUE = "overdue", "Overdue"
        DIGEST = "digest", "Team digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be delivered"
        CANCELLED = "cancelled", "Not needed any more"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    # SET_NULL: when a rule stops wanting an assignment, what was already sent stays visible
    # to its recipient; a pending reminder without its assignment is cancelled at send time.
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    scheduled_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    email_subject = models.CharField(max_length=200, blank=True)  # as sent
    body = models.TextField(blank=True)  # as sent: the recipient can read it again
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "scheduled_on"], name="reminder_once_per_assignment"
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "scheduled_on"],
                condition=models.Q(kind="digest"),
                name="reminder_one_digest_per_day",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_on"])]


class Certificate(models.Model):
    """Proof that a learner completed every mandatory module of a track.

    The code is 128 random bits (``secrets.token_urlsafe(16)``): it cannot be guessed or
    enumerated, and the public verification page shows only validity, track and date.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=32, unique=True)
    holder_name = models.CharField(max_length=150)  # as printed, even if the name changes
    completed_on = models.DateField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="certificate_once_per_track")
        ]
