"""A learner's own insights: progress, time invested, their signal trends per module, and
where they got stuck — with links back to hints and lesson sections.

Built for the signed-in learner only, from their own rows: their progress (``learning``) and
their own decrypted signals (``signals.access.my_signal_summaries``, which takes no second
person). Nothing here is shown to anyone else, and nothing is stored.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.urls import reverse
from django.utils import timezone

from candor.catalog.models import Exercise, Lesson
from candor.learning.dashboard import dashboard_context
from candor.learning.models import ExerciseProgress
from candor.privacy.consent import consent_for
from candor.privacy.purposes import Purpose
from candor.signals.access import my_signal_summaries

STUCK_ATTEMPTS = 3  # submissions without a pass (or to pass) that count as "stuck"
STUCK_IDLE_SHARE = 0.6
STUCK_MIN_MS = 180_000


def _minutes(ms: int) -> float:
    return round(ms / 60_000, 1)


def duration(ms: int) -> str:
    minutes = round(ms / 60_000)
    if minutes < 1:
        return f"{round(ms / 1000)} s"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{minutes} min"


def _exercise_url(ex: Exercise) -> str:
    track, module = ex.module.track, ex.module
    return reverse("learning:exercise", args=[track.slug, module.slug, ex.slug])


def _sections(ex: Exercise, lessons: list[Lesson]) -> list[dict[str, Any]]:
    """The lessons before the exercise in its module, each with its sections."""
    out = []
    for lesson in lessons:
        if lesson.module_id != ex.module_id or lesson.order > ex.order:
            continue
        url = reverse("learning:lesson", args=[ex.module.track.slug, ex.module.slug, lesson.slug])
        parts = [{"title": t["title"], "url": f"{url}#{t['id']}"} for t in lesson.toc or []]
        out.append({"title": lesson.title, "url": url, "sections": parts[:4]})
    return out[-2:]


def learner_insights(user: Any) -> dict[str, Any]:
    consent = consent_for(user)
    progress = dashboard_context(user)
    rows = [r for r in my_signal_summaries(user, Purpose.LEARNER_SELF_VIEW) if r.get("ok")]
    rows.sort(key=lambda r: r.get("received_at") or "")
    progress_rows = {
        p.exercise_id: p for p in ExerciseProgress.objects.filter(user=user).select_related()
    }
    ids = {int(r["summary"]["exercise_id"]) for r in rows} | set(progress_rows)
    exercises = {
        e.pk: e for e in Exercise.objects.filter(pk__in=ids).select_related("module__track")
    }
    per_exercise: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"ms": 0, "idle": 0, "hints": 0, "attempts_to_pass": None, "summaries": 0}
    )
    modules: dict[int, dict[str, Any]] = {}
    total_ms = 0
    for r in rows:
        s, server = r["summary"], r.get("server") or {}
        ex = exercises.get(int(s["exercise_id"]))
        if ex is None:
            continue
        total_ms += int(s["time_on_task_ms"])
        agg = per_exercise[ex.pk]
        agg["ms"] += int(s["time_on_task_ms"])
        agg["idle"] += int(s["idle_ms"])
        agg["hints"] += int(s["hints_used"])
        agg["summaries"] += 1
        if server.get("attempts_to_pass"):
            agg["attempts_to_pass"] = server["attempts_to_pass"]
        module = modules.setdefault(
            ex.module_id,
            {"title": ex.module.title, "track": ex.module.track.title, "ms": 0, "points": []},
        )
        module["ms"] += int(s["time_on_task_ms"])
        module["points"].append(
            {
                "at": (r.get("received_at") or "")[:10],
                "exercise": ex.title,
                "minutes": _minutes(int(s["time_on_task_ms"])),
                "idle_share": round(int(s["idle_ms"]) / max(1, int(s["time_on_task_ms"])), 2),
                "correction_rate": float(s["correction_rate"]),
            }
        )
    lessons = list(
        Lesson.objects.filter(
            module_id__in={e.module_id for e in exercises.values()}, is_retired=False
        ).order_by("order")
    )
    stuck: list[dict[str, Any]] = []
    for ex_id, ex in exercises.items():
        p = progress_rows.get(ex_id)
        agg = per_exercise.get(ex_id, {})
        reasons = []
        if p and not p.passed_at and p.submissions >= STUCK_ATTEMPTS:
            reasons.append(f"{p.submissions} tries without a pass yet")
        elif (agg.get("attempts_to_pass") or 0) >= STUCK_ATTEMPTS:
            reasons.append(f"passed on try {agg['attempts_to_pass']}")
        if agg.get("hints"):
            reasons.append("you opened a hint")
        if agg.get("ms", 0) >= STUCK_MIN_MS and agg["idle"] / agg["ms"] >= STUCK_IDLE_SHARE:
            reasons.append(f"long pauses ({duration(agg['idle'])} of {duration(agg['ms'])})")
        if reasons:
            stuck.append(
                {
                    "exercise": ex,
                    "reasons": reasons,
                    "passed": bool(p and p.passed_at),
                    "url": _exercise_url(ex),
                    "lessons": _sections(ex, lessons),
                }
            )
    stuck.sort(key=lambda x: (x["passed"], x["exercise"].module_id, x["exercise"].order))
    series = [
        {"id": f"m{mid}", **{k: v for k, v in m.items() if k != "ms"}, "time": duration(m["ms"])}
        for mid, m in modules.items()
    ]
    return {
        "consent": consent,
        "progress": progress,
        "signals": bool(rows),
        "summaries": len(rows),
        "time_total": duration(total_ms) if rows else "",
        "modules": series,
        "stuck": stuck[:12],
        "chart": {"kind": "my-trends", "modules": series},
        "today": timezone.localdate(),
    }
