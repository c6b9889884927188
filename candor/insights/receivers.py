"""Where the insights app listens: ingestion, consent changes, deletion of a person.

Withdrawing consent to ``course_improvement`` (or to signals altogether) subtracts everything
the learner added to the running totals at once; so does deleting the person. Erasure of a
learner's signals must call ``withdraw_before_erasure`` *before* their keys are destroyed (the
contribution records are sealed under those keys): see README.md.
"""

from __future__ import annotations

from typing import Any

from candor.insights.accumulate import on_ingest, withdraw

__all__ = ["consent_changed", "on_ingest", "person_deleted", "withdraw_before_erasure"]


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
