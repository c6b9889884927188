"""Learning API: progress and answering exercises (the same actions as the pages)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from candor.grading.base import AnswerError
from candor.learning import access
from candor.learning.actions import SubmissionRefused, do_submit_answer
from candor.learning.dashboard import dashboard_context
from candor.learning.models import Attempt

router = Router(tags=["learning"])


class Error(Schema):
    detail: Any


class ModuleStatusOut(Schema):
    track: str
    module: str
    title: str
    mandatory: bool
    due_on: dt.date | None
    status: str
    percent: int


class AnswerIn(Schema):
    # Raw answer: option index, list of indices, number or text, or {"code", "mode"} for code.
    answer: str | int | float | list[str | int] | dict[str, str] = Field(
        description="The answer in the form the exercise kind expects."
    )
    token: uuid.UUID = Field(description="Client-generated id: a retry with it counts once.")
    mode: str = Field("submit", pattern="^(submit|run)$")


class AttemptOut(Schema):
    id: int
    number: int
    mode: str
    status: str
    correct: bool | None
    score: float | None
    result: dict[str, Any] | None


def _attempt_out(attempt: Attempt) -> AttemptOut:
    return AttemptOut(
        id=attempt.pk,
        number=attempt.number,
        mode=attempt.mode,
        status=attempt.status,
        correct=attempt.correct,
        score=attempt.score,
        result=attempt.result,
    )


@router.get("/me/progress", response={200: list[ModuleStatusOut], 401: Error, 404: Error})
def my_progress(request: HttpRequest) -> list[ModuleStatusOut]:
    access._require_learner(request.user)  # type: ignore[arg-type]
    ctx = dashboard_context(request.user)  # type: ignore[arg-type]
    return [
        ModuleStatusOut(
            track=r["track"].slug,
            module=r["module"].slug,
            title=r["module"].title,
            mandatory=r["mandatory"],
            due_on=r["due_on"],
            status=r["status"],
            percent=r["progress"].percent,
        )
        for r in ctx["rows"]
    ]


@router.post(
    "/exercises/{exercise_id}/attempts",
    response={
        200: AttemptOut,
        201: AttemptOut,
        400: Error,
        401: Error,
        404: Error,
        409: Error,
        422: Error,
    },
)
def submit_attempt(request: HttpRequest, exercise_id: int, payload: AnswerIn) -> Any:
    """Answer an exercise. 201: a new attempt; 200: the same token was sent before (retry)."""
    exercise = access.access_exercise_by_id_for(request.user, exercise_id)  # type: ignore[arg-type]
    raw: Any = payload.answer
    if exercise.kind == "code":
        if not isinstance(raw, dict) or not isinstance(raw.get("code"), str):
            return Status(
                422,
                {
                    "detail": [
                        {
                            "loc": ["body", "payload", "answer"],
                            "msg": 'Code exercises take {"code": "..."}.',
                        }
                    ]
                },
            )
        raw = {"code": raw["code"], "mode": payload.mode}
    elif isinstance(raw, dict):
        return Status(
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "payload", "answer"],
                        "msg": "This exercise does not take an object.",
                    }
                ]
            },
        )
    try:
        submitted = do_submit_answer(
            request.user,  # type: ignore[arg-type]
            exercise,
            raw if not isinstance(raw, (int, float)) or isinstance(raw, bool) else str(raw),
            payload.token,
            payload.mode,
        )
    except AnswerError as exc:
        return Status(400, {"detail": str(exc)})
    except SubmissionRefused as exc:
        return Status(409, {"detail": str(exc)})
    return Status(201 if submitted.created else 200, _attempt_out(submitted.attempt))


@router.get("/attempts/{attempt_id}", response={200: AttemptOut, 401: Error, 404: Error})
def get_attempt(request: HttpRequest, attempt_id: int) -> AttemptOut:
    return _attempt_out(access.access_attempt_by_id_for(request.user, attempt_id))  # type: ignore[arg-type]
