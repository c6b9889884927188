"""xAPI 1.0.3 statements for a learner's own export: answers, completions and signals.

The export is the learner's: the actor is identified by an account on this deployment (its
address as ``homePage``, their email as ``name``), which any LRS accepts. Activity ids are
the pages' own URLs; signal fields travel as result extensions under this deployment's
``/xapi/extensions/signals/`` IRIs. Statement ids are UUIDv5 of the row they describe, so
exporting twice gives the same ids (an LRS deduplicates them instead of doubling them).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from candor.catalog.models import Exercise, Module

XAPI_VERSION = "1.0.3"
NAMESPACE = uuid.UUID("6f1c1d1e-6a55-4d0e-9d3e-0c4e1a5d1a03")  # Candor's statement namespace
VERB = {
    "answered": ("http://adlnet.gov/expapi/verbs/answered", "answered"),
    "attempted": ("http://adlnet.gov/expapi/verbs/attempted", "attempted"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "completed"),
    "interacted": ("http://adlnet.gov/expapi/verbs/interacted", "interacted"),
}
QUESTION = "http://adlnet.gov/expapi/activities/question"
MODULE = "http://adlnet.gov/expapi/activities/module"
COURSE = "http://adlnet.gov/expapi/activities/course"
# Wire fields of a summary that are bookkeeping, not a measurement.
NOT_MEASURED = {"client_id", "exercise_id", "attempt_token", "schema"}


def _verb(name: str) -> dict[str, Any]:
    iri, display = VERB[name]
    return {"id": iri, "display": {"en-US": display}}


def _iso(moment: Any) -> str:
    return moment.isoformat(timespec="milliseconds")


def _duration(ms: int) -> str:
    seconds = Decimal(int(ms)) / 1000
    return f"PT{seconds.normalize():f}S"


class StatementBuilder:
    def __init__(self, user: Any, base_url: str):
        self.user = user
        self.base = base_url.rstrip("/")
        self.actor = {
            "objectType": "Agent",
            "name": user.full_name or user.email,
            "account": {"homePage": f"{self.base}/", "name": user.email},
        }

    def _id(self, *parts: object) -> str:
        return str(uuid.uuid5(NAMESPACE, "|".join([self.base, *map(str, parts)])))

    def module_iri(self, module: Module) -> str:
        return f"{self.base}/tracks/{module.track.slug}/{module.slug}/"

    def exercise_iri(self, exercise: Exercise) -> str:
        return f"{self.module_iri(exercise.module)}exercises/{exercise.slug}/"

    def _activity(self, iri: str, name: str, kind: str) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": kind}
        if name:
            definition["name"] = {"en": name}
        return {"objectType": "Activity", "id": iri, "definition": definition}

    def _context(self, module: Module | None) -> dict[str, Any]:
        context: dict[str, Any] = {"platform": "Candor", "language": "en"}
        if module is not None:
            context["contextActivities"] = {
                "parent": [self._activity(self.module_iri(module), module.title, MODULE)],
                "grouping": [
                    self._activity(
                        f"{self.base}/tracks/{module.track.slug}/", module.track.title, COURSE
                    )
                ],
            }
        return context

    def _statement(self, sid: str, verb: str, obj: dict[str, Any], **extra: Any) -> dict[str, Any]:
        stmt = {"id": sid, "actor": self.actor, "verb": _verb(verb), "object": obj}
        stmt.update({k: v for k, v in extra.items() if v})
        stmt["version"] = XAPI_VERSION
        return stmt

    def attempt(self, attempt: Any) -> dict[str, Any]:
        exercise = attempt.exercise
        result: dict[str, Any] = {}
        if attempt.status == "graded" and attempt.correct is not None:
            result["success"] = bool(attempt.correct)
        if attempt.score is not None:
            result["score"] = {"scaled": round(max(-1.0, min(1.0, float(attempt.score))), 4)}
        answer = attempt.answer if isinstance(attempt.answer, str) else json.dumps(attempt.answer)
        if answer:
            result["response"] = answer
        if attempt.mode == "submit":
            result["completion"] = True
        return self._statement(
            self._id("attempt", attempt.pk),
            "answered" if attempt.mode == "submit" else "attempted",
            self._activity(self.exercise_iri(exercise), exercise.title, QUESTION),
            result=result,
            context=self._context(exercise.module),
            timestamp=_iso(attempt.created_at),
        )

    def completion(self, completion: Any) -> dict[str, Any]:
        module = completion.module
        return self._statement(
            self._id("completion", completion.pk),
            "completed",
            self._activity(self.module_iri(module), module.title, MODULE),
            result={"completion": True},
            context=self._context(None),
            timestamp=_iso(completion.completed_at),
        )

    def signal(self, row: dict[str, Any], exercises: dict[int, Exercise]) -> dict[str, Any]:
        summary = dict(row.get("summary") or {})
        exercise = exercises.get(int(summary.get("exercise_id") or 0))
        if exercise is not None:
            obj = self._activity(self.exercise_iri(exercise), exercise.title, QUESTION)
        else:  # a retired-and-removed exercise: keep the statement, name it by id
            obj = self._activity(
                f"{self.base}/xapi/activities/exercise/{summary.get('exercise_id')}", "", QUESTION
            )
        extensions = {
            f"{self.base}/xapi/extensions/signals/{name}": value
            for name, value in sorted(summary.items())
            if name not in NOT_MEASURED
        }
        for name, value in sorted((row.get("server") or {}).items()):
            extensions[f"{self.base}/xapi/extensions/grader/{name}"] = value
        result: dict[str, Any] = {"extensions": extensions}
        if summary.get("time_on_task_ms") is not None:
            result["duration"] = _duration(int(summary["time_on_task_ms"]))
        return self._statement(
            self._id("signal", row["id"]),
            "interacted",
            obj,
            result=result,
            context=self._context(exercise.module if exercise else None),
            timestamp=str(row.get("received_at") or "") or None,
        )


def statements_for(
    user: Any, base_url: str, signal_rows: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every statement about ``user``: answers, completions, readable signal summaries."""
    from candor.learning.models import Attempt, ModuleCompletion

    builder = StatementBuilder(user, base_url)
    out = [
        builder.attempt(a)
        for a in Attempt.objects.filter(user=user)
        .select_related("exercise__module__track")
        .order_by("created_at", "pk")
    ]
    out += [
        builder.completion(c)
        for c in ModuleCompletion.objects.filter(user=user)
        .select_related("module__track")
        .order_by("completed_at", "pk")
    ]
    readable = [r for r in signal_rows if r.get("ok") and r.get("summary")]
    ids = {int(r["summary"].get("exercise_id") or 0) for r in readable}
    exercises = {
        e.pk: e for e in Exercise.objects.filter(pk__in=ids).select_related("module__track")
    }
    out += [builder.signal(r, exercises) for r in readable]
    return out
