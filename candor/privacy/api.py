"""The privacy API: your consent, who accessed your data, your export — yours only.

There is no endpoint that names another person: every route acts on the signed-in learner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from candor.privacy.auditlog import accesses_to
from candor.privacy.consent import consent_for, do_set_consent
from candor.privacy.dsr import do_export
from candor.privacy.export import to_json

router = Router(tags=["privacy"])


class Error(Schema):
    detail: Any


class ConsentOut(Schema):
    learner_help: bool = Field(description="Signals are collected, for you.")
    course_improvement: bool = Field(description="Your signals may enter noisy statistics.")
    notice_version: str = Field(description="The notice your latest choice answered ('' if none).")
    decided: bool
    org_enabled: bool = Field(description="Your organisation enabled signals (DPIA recorded).")
    signals_allowed: bool = Field(description="Collection happens now.")
    needs_choice: bool = Field(description="You should be asked (no choice, or a new notice).")


class ConsentIn(Schema):
    learner_help: bool
    course_improvement: bool = False


class AccessOut(Schema):
    at: dt.datetime
    role: str = Field(description="The role of whoever acted ('system' for Candor itself).")
    what: str
    purpose: str
    why: str


def _consent_out(user: Any) -> ConsentOut:
    c = consent_for(user)
    return ConsentOut(
        learner_help=c.learner_help,
        course_improvement=c.course_improvement,
        notice_version=c.notice_version,
        decided=c.decided,
        org_enabled=c.org_enabled,
        signals_allowed=c.signals_allowed,
        needs_choice=c.needs_choice,
    )


def _learner(request: HttpRequest) -> Any:
    user = request.user
    return user if user.has_role("learner") else None  # type: ignore[union-attr]


NOT_A_LEARNER = {"detail": "Only learners have consent, accesses and exports here."}


@router.get(
    "/privacy/me/consent",
    response={200: ConsentOut, 401: Error, 403: Error},
    summary="Your consent for interaction signals",
)
def get_consent(request: HttpRequest) -> Any:
    user = _learner(request)
    if user is None:
        return Status(403, NOT_A_LEARNER)
    return _consent_out(user)


@router.put(
    "/privacy/me/consent",
    response={200: ConsentOut, 401: Error, 403: Error, 409: Error, 422: Error},
    summary="Record your choice",
    description="A new history row, audited. Turning learner_help off withdraws at once; "
    "course_improvement needs learner_help. 409 when your organisation has not enabled signals.",
)
def put_consent(request: HttpRequest, choice: ConsentIn) -> Any:
    user = _learner(request)
    if user is None:
        return Status(403, NOT_A_LEARNER)
    if not consent_for(user).org_enabled:
        return Status(409, {"detail": "Your organisation has not enabled interaction signals."})
    do_set_consent(
        user, learner_help=choice.learner_help, course_improvement=choice.course_improvement
    )
    return _consent_out(user)


@router.get(
    "/privacy/me/accesses",
    response={200: list[AccessOut], 401: Error, 403: Error},
    summary="Who accessed your data",
    description="Entries of the audit log about you by anyone else: role, purpose, time.",
)
def my_accesses(request: HttpRequest) -> Any:
    user = _learner(request)
    if user is None:
        return Status(403, NOT_A_LEARNER)
    return [
        AccessOut(at=a["at"], role=a["role"], what=a["what"], purpose=a["purpose"], why=a["why"])
        for a in accesses_to(user)
    ]


@router.post(
    "/privacy/me/export",
    response={200: dict[str, Any], 401: Error, 403: Error},
    summary="Export everything Candor holds about you",
    description="Every app's declared data about you plus xAPI 1.0.3 statements; audited.",
)
def export_mine(request: HttpRequest) -> Any:
    import json

    user = _learner(request)
    if user is None:
        return Status(403, NOT_A_LEARNER)
    archive = do_export(user, base_url=request.build_absolute_uri("/"))
    return json.loads(to_json(archive))
