"""A learner's consent: two separate choices, versioned by the notice they saw, kept as history.

``learner_help``: signals are collected, for the learner themself (hints, their own trends).
``course_improvement``: their signals may also enter aggregate statistics for authors.
Both are off until the learner turns them on; withdrawing takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from candor.privacy.audit import record_event
from candor.privacy.models import ConsentRecord, OrgPrivacy

# Bump when the notice text changes: learners are asked again. The text is generated from the
# data inventory (notice.signals_notice); its digest is pinned here per version, and a test
# fails when the generated text no longer matches — never edit a digest, add a version.
NOTICE_VERSION = "2026-11-signals-v1"
NOTICE_DIGESTS = {
    "2026-11-signals-v1": "f323fcd54c3e9cd993df39d482baeae5e91714dea9031725fbb081437932b6c0",
}


class ConsentWithdrawn(Exception):
    """Signals are not (or no longer) allowed for this learner: nothing may be stored."""


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
    """The learner's consent in force and the organisation's switch, in one query.

    Plain SQL because it runs on every signal upload (twice: the early check and the check
    under the learner's lock) and the ORM's query building costs more than the two index
    lookups; the latest record is the model's ordering (newest decision, then newest row).
    """
    with connection.cursor() as cursor:
        cursor.execute(_CONSENT_SQL, [user.pk])
        org, learner_help, course_improvement, notice_version = cursor.fetchone()
    org = bool(org)
    if learner_help is None:
        return Consent(False, False, "", decided=False, org_enabled=org)
    return Consent(
        bool(learner_help),
        bool(learner_help and course_improvement),
        notice_version,
        decided=True,
        org_enabled=org,
    )


def _consent_sql() -> str:
    consent, org = ConsentRecord._meta.db_table, OrgPrivacy._meta.db_table
    return (
        "SELECT o.signals_enabled, c.learner_help, c.course_improvement, c.notice_version "  # noqa: S608
        "FROM (SELECT 1 AS one) AS x "
        f'LEFT JOIN "{org}" AS o ON o.id = 1 '
        "LEFT JOIN (SELECT learner_help, course_improvement, notice_version "
        f'FROM "{consent}" WHERE user_id = %s ORDER BY decided_at DESC, id DESC LIMIT 1) '
        "AS c ON 1 = 1"
    )


_CONSENT_SQL = _consent_sql()


def do_set_consent(
    user: Any, *, learner_help: bool, course_improvement: bool, actor: Any = None
) -> Consent:
    """Record a choice (a new history row) and audit it. Aggregates need collection on."""
    from candor.privacy.notice import publish

    course_improvement = bool(learner_help and course_improvement)
    with transaction.atomic():
        _lock_person(user)  # serialises with signal uploads that check consent (see below)
        publish(NOTICE_VERSION)
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


def _lock_person(user: Any) -> None:
    """Lock the person's row: consent changes and signal writes for one learner take turns.

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite: a no-op, because Candor's SQLite transactions
    are ``IMMEDIATE`` (one writer at a time already).
    """
    from django.contrib.auth import get_user_model

    if not connection.features.has_select_for_update:
        return  # SQLite: the IMMEDIATE transaction already holds the only write lock
    # Not type(user): a request's user is a lazy proxy, not the model class.
    list(get_user_model()._default_manager.select_for_update().filter(pk=user.pk).values("pk"))


def lock_consent_for_write(user: Any) -> Consent:
    """Call inside the transaction that stores signals, before writing: it waits for a
    consent change in progress and raises ``ConsentWithdrawn`` if signals are off now.

    Checking consent before that transaction is not enough: a withdrawal committed between
    the check and the insert would let an upload land after the learner said stop.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_consent_for_write must run inside the storing transaction")
    _lock_person(user)
    state = consent_for(user)
    if not state.signals_allowed:
        raise ConsentWithdrawn(
            "Interaction signals are off for you (withdrawn or not enabled): nothing was stored."
        )
    return state


def do_withdraw_consent(user: Any) -> Consent:
    """One click: both choices off, collection stops at once. Erasure is offered separately."""
    return do_set_consent(user, learner_help=False, course_improvement=False)
