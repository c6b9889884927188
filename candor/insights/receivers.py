"""Where the insights app listens: ingestion, consent changes, erasure, deletion of a person.

Withdrawing consent to ``course_improvement`` (or to signals altogether) subtracts everything
the learner added to the running totals at once; so does deleting the person, and so does an
erasure. Erasure needs care: the contribution records are sealed under the learner's keys, so
the subtraction must happen *before* those keys are destroyed. ``vault.erase_owner`` writes its
erasure-log line first and destroys the keys after (its documented order), so a receiver on
that line runs while the keys still exist — whichever path erases (the learner's own "erase my
signals", an account deletion, an operator).
"""

from __future__ import annotations

import logging
from typing import Any

from candor.insights.accumulate import on_ingest, withdraw, withdraw_owner

__all__ = [
    "consent_changed",
    "erasure_logged",
    "on_ingest",
    "person_deleted",
    "withdraw_before_erasure",
]
log = logging.getLogger(__name__)


def consent_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    if instance.learner_help and instance.course_improvement:
        return
    withdraw(instance.user)


def person_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is not None:
        withdraw(instance)


def withdraw_before_erasure(user: Any) -> int:
    """Subtract the learner's contributions; call before ``vault.erase_owner``."""
    return withdraw(user)


def erasure_logged(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """The vault is about to destroy ``instance.owner``'s keys: subtract their part first.

    Never blocks the erasure: if the subtraction fails, the keys are destroyed anyway (the
    record becomes unreadable) and the failure is logged for an operator.
    """
    if not created or kwargs.get("raw"):
        return
    try:
        withdraw_owner(instance.owner)
    except Exception:
        log.exception("could not subtract an erased learner's part from the running totals")
