"""Tracks → modules → lessons and exercises, imported from content/ (see docs/content-format.md)."""

from __future__ import annotations

from typing import Any

from django.db import models


class Track(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300)
    description_html = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=100)
    is_retired = models.BooleanField(default=False)
    source_path = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="modules")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300)
    intro_html = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    is_retired = models.BooleanField(default=False)
    source_path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["track__order", "order"]
        constraints = [models.UniqueConstraint(fields=["track", "slug"], name="module_slug_unique")]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="lessons")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=160)
    body_html = models.TextField()
    toc = models.JSONField(default=list, blank=True)  # [{"id": anchor, "title": heading}]
    order = models.PositiveIntegerField(default=0)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    is_retired = models.BooleanField(default=False)
    source_path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["module", "order"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="lesson_slug_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Exercise(models.Model):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="exercises")
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=160)
    prompt_html = models.TextField()
    # The grader's full spec (answers, hidden tests, solution): never sent to the browser as is;
    # pages get ``public_spec`` from the grader.
    spec = models.JSONField(default=dict)
    hints = models.JSONField(default=list)
    explanation_html = models.TextField(blank=True)
    max_attempts = models.PositiveIntegerField(default=0)  # 0 = unlimited
    order = models.PositiveIntegerField(default=0)
    is_retired = models.BooleanField(default=False)
    source_path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["module", "order"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="exercise_slug_unique")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def public_spec(self) -> dict[str, Any]:
        from candor.grading.registry import get_grader

        return get_grader(self.kind).public_spec(self.spec)
