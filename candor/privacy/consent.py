"""A learner's consent: two separate choices, versioned by the notice they saw, kept as history.

``learner_help``: signals are collected, for the learner themself (hints, their own trends).
``course_improvement``: their signals may also enter aggregate statistics for authors.
Both are off until the learner turns them on; withdrawing takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from candor.privacy.audit import record_event
from candor.privacy.models import ConsentRecord
from candor.privacy.org import signals_enabled

# Bump when the notice text changes: learners are asked again.
NOTICE_VERSION = "2026-11-signals-v1"


@dataclass(frozen=True)
class Consent:
    learner_help: bool
    course_improvement: bool
    notice_version: str
    decided: bool  # False until the learner has made a choice
    org_enabled: bool

    @property
    def signals_allowed(self) -> bool:
        """Collect signals for this learner now? Needs their choice and the org's switch."""
        return self.org_enabled and self.learner_help

    @property
    def aggregates_allowed(self) -> bool:
        return self.signals_allowed and self.course_improvement

    @property
    def needs_choice(self) -> bool:
        return self.org_enabled and (not self.decided or self.notice_version != NOTICE_VERSION)


def consent_for(user: Any) -> Consent:
    org = signals_enabled()
    latest = ConsentRecord.objects.filter(user_id=user.pk).first() if user.pk else None
    if latest is None:
        return Consent(False, False, "", decided=False, org_enabled=org)
    return Consent(
        latest.learner_help,
        latest.learner_help and latest.course_improvement,
        latest.notice_version,
        decided=True,
        org_enabled=org,
    )


def do_set_consent(
    user: Any, *, learner_help: bool, course_improvement: bool, actor: Any = None
) -> Consent:
    """Record a choice (a new history row) and audit it. Aggregates need collection on."""
    course_improvement = bool(learner_help and course_improvement)
    with transaction.atomic():
        ConsentRecord.objects.create(
            user=user,
            learner_help=bool(learner_help),
            course_improvement=course_improvement,
            notice_version=NOTICE_VERSION,
        )
        record_event(
            actor=actor or user,
            subject=user,
            action="consent.change",
            object_ref=f"learner_help={int(bool(learner_help))};"
            f"course_improvement={int(course_improvement)};notice={NOTICE_VERSION}",
        )
    return consent_for(user)
