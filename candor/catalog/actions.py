"""Writes to the catalogue: importing content. One transaction; nothing half-imported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from candor.catalog.content import ContentTree, exercise_spec
from candor.catalog.markdown import render, render_html
from candor.catalog.models import Exercise, Lesson, Module, Track


class ContentHasErrors(Exception):
    pass


@dataclass
class ImportReport:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, outcome: str) -> None:
        self.counts[f"{what} {outcome}"] += 1

    def lines(self) -> list[str]:
        return [f"{n:>5}  {key}" for key, n in sorted(self.counts.items())]


def _sync(
    model: Any, lookup: dict[str, Any], values: dict[str, Any], what: str, report: ImportReport
) -> Any:
    """update_or_create that also counts whether anything actually changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.add(what, "created")
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save(update_fields=changed)
        report.add(what, "updated")
    else:
        report.add(what, "unchanged")
    return obj


def _retire(queryset: Any, keep_ids: set[int], what: str, report: ImportReport) -> None:
    stale = queryset.exclude(pk__in=keep_ids).filter(is_retired=False)
    n = stale.update(is_retired=True)
    if n:
        report.counts[f"{what} retired"] += n


def do_import_content(
    tree: ContentTree, progress: Callable[[str], None] | None = None
) -> ImportReport:
    """Import a validated tree. Edits update in place (learners' progress stays attached);
    removed items are retired, never deleted, so their attempts stay."""
    if tree.errors:
        raise ContentHasErrors(f"{len(tree.errors)} error(s) in content; nothing imported")
    report = ImportReport()
    with transaction.atomic():
        track_ids: set[int] = set()
        for track_spec in tree.tracks:
            meta = track_spec.doc.meta
            track = _sync(
                Track,
                {"slug": track_spec.slug},
                {
                    "title": meta["title"].strip(),
                    "summary": meta["summary"].strip(),
                    "order": meta.get("order", 100),
                    "description_html": render_html(track_spec.doc.body),
                    "is_retired": False,
                    "source_path": track_spec.slug,
                },
                "tracks",
                report,
            )
            track_ids.add(track.pk)
            module_ids: set[int] = set()
            for module_spec in track_spec.modules:
                mmeta = module_spec.doc.meta
                module = _sync(
                    Module,
                    {"track": track, "slug": module_spec.slug},
                    {
                        "title": mmeta["title"].strip(),
                        "summary": mmeta["summary"].strip(),
                        "intro_html": render_html(module_spec.doc.body),
                        "order": module_spec.order,
                        "estimated_minutes": mmeta.get("estimated_minutes"),
                        "is_retired": False,
                        "source_path": str(module_spec.doc.path.relative_to(tree.root.parent)),
                    },
                    "modules",
                    report,
                )
                module_ids.add(module.pk)
                lesson_ids: set[int] = set()
                exercise_ids: set[int] = set()
                for item in module_spec.items:
                    imeta = item.doc.meta
                    source = str(item.doc.path.relative_to(tree.root.parent))
                    if item.type == "lesson":
                        body_html, toc = render(item.doc.body)
                        lesson = _sync(
                            Lesson,
                            {"module": module, "slug": item.slug},
                            {
                                "title": imeta["title"].strip(),
                                "body_html": body_html,
                                "toc": toc,
                                "order": item.order,
                                "estimated_minutes": imeta.get("estimated_minutes"),
                                "is_retired": False,
                                "source_path": source,
                            },
                            "lessons",
                            report,
                        )
                        lesson_ids.add(lesson.pk)
                    else:
                        exercise = _sync(
                            Exercise,
                            {"module": module, "slug": item.slug},
                            {
                                "kind": imeta["kind"],
                                "title": imeta["title"].strip(),
                                "prompt_html": render_html(item.doc.body),
                                "spec": exercise_spec(imeta),
                                "hints": [h.strip() for h in imeta["hints"]],
                                "explanation_html": render_html(imeta.get("explanation") or ""),
                                "max_attempts": imeta.get("max_attempts", 0),
                                "order": item.order,
                                "is_retired": False,
                                "source_path": source,
                            },
                            "exercises",
                            report,
                        )
                        exercise_ids.add(exercise.pk)
                _retire(Lesson.objects.filter(module=module), lesson_ids, "lessons", report)
                _retire(Exercise.objects.filter(module=module), exercise_ids, "exercises", report)
            _retire(Module.objects.filter(track=track), module_ids, "modules", report)
            if progress:
                progress(track_spec.slug)
        if tree.is_root:
            _retire(Track.objects.all(), track_ids, "tracks", report)
    return report
