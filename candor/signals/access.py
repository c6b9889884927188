"""The only ways to reach interaction signals, and the consent gate in front of them.

Signals are read by exactly one person: their subject. There is no function here that takes
a second user, so no screen, API or command can be built on this module to read someone
else's signals (PRODUCT.md §1). Missing and not-yours give the same ``Http404``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.http import Http404

from candor.catalog.models import Exercise
from candor.privacy.consent import consent_for
from candor.privacy.purposes import Purpose, PurposeRefused, parse_purpose
from candor.signals import payload
from candor.signals.models import SignalSummary
from candor.vault import api as vault

# Purposes under which a learner reads their own signals: looking at them, the page's help
# when stuck, and a data-subject request they made themself (export).
SELF_PURPOSES = frozenset(
    {Purpose.LEARNER_SELF_VIEW, Purpose.LEARNER_HELP, Purpose.DATA_SUBJECT_REQUEST}
)


def owner_for(user: Any) -> str:
    """The pseudonym on a learner's signal rows (never their user id)."""
    return vault.pseudonym("signals", str(user.pk))


def signals_allowed(user: Any) -> bool:
    """Collect from this learner now? Their consent, the org's DPIA switch, the learner role."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not user.has_role("learner"):
        return False
    return consent_for(user).signals_allowed


def exercises_for_batch(user: Any, exercise_ids: Iterable[int]) -> dict[int, Exercise]:
    """The exercises among ``exercise_ids`` the learner can open, in one query.

    The same conditions as ``learning.access.access_exercise_by_id_for`` (a test pins the two
    together), batched: ingestion checks a hundred summaries without a hundred queries.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    if not user.has_role("learner"):
        return {}
    rows = Exercise.objects.filter(
        pk__in=set(exercise_ids),
        is_retired=False,
        module__is_retired=False,
        module__track__is_retired=False,
    ).only("pk", "kind")
    return {e.pk: e for e in rows}


def _check_self_purpose(purpose: str | Purpose) -> Purpose:
    chosen = parse_purpose(str(purpose))
    if chosen not in SELF_PURPOSES:
        raise PurposeRefused(f"'{chosen}' is not a purpose for reading your own signals.")
    return chosen


def _decoded(row: SignalSummary, value: bytes | None, error: Exception | None) -> dict[str, Any]:
    if error is not None:
        return {"id": str(row.pk), "period": row.period, "ok": False, "error": str(error)}
    try:
        content = payload.decode(value or b"")
    except (ValueError, KeyError, TypeError) as exc:
        return {"id": str(row.pk), "period": row.period, "ok": False, "error": f"unreadable: {exc}"}
    return {"id": str(row.pk), "period": row.period, "ok": True, **content}


def my_signal_summaries(
    user: Any, purpose: str | Purpose = Purpose.LEARNER_SELF_VIEW
) -> list[dict[str, Any]]:
    """Every summary stored about ``user``, decrypted, newest first.

    A row that cannot be opened (a destroyed or missing key, a corrupted blob) is listed with
    its error, never dropped silently: "My data" must show everything that exists.
    """
    _check_self_purpose(purpose)
    if not getattr(user, "is_authenticated", False):
        return []
    rows = list(SignalSummary.objects.filter(owner=owner_for(user)))
    results = SignalSummary.open_rows(rows)
    out = [_decoded(row, res.value, res.error) for row, res in zip(rows, results, strict=True)]
    out.sort(key=lambda d: (d["ok"], d.get("received_at", "")), reverse=True)
    return out


def access_my_summary_for(
    user: Any, summary_id: str, purpose: str | Purpose = Purpose.LEARNER_SELF_VIEW
) -> dict[str, Any]:
    """One of the learner's own summaries; anyone else's is indistinguishable from none."""
    _check_self_purpose(purpose)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        pk = uuid.UUID(str(summary_id))
    except ValueError:
        raise Http404 from None
    row = SignalSummary.objects.filter(pk=pk, owner=owner_for(user)).first()
    if row is None:
        raise Http404
    (result,) = SignalSummary.open_rows([row])
    return _decoded(row, result.value, result.error)
