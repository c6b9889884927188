"""The only ways to reach interaction signals, and the consent gate in front of them.

Signals are read by exactly one person: their subject. There is no function here that takes
a second user, so no screen, API or command can be built on this module to read someone
else's signals (PRODUCT.md §1). Missing and not-yours give the same ``Http404``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.http import Http404

from candor.catalog.models import Exercise, Module, Track
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


def exercises_for_batch(user: Any, exercise_ids: Iterable[int]) -> dict[int, str]:
    """The exercises among ``exercise_ids`` the learner can open, as {id: kind}, in one query.

    The same conditions as ``learning.access.access_exercise_by_id_for`` (a test pins the two
    together), batched: ingestion checks a hundred summaries without a hundred queries. Plain
    SQL, because it runs on every upload and building the ORM's three-table join cost more
    than running it.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    if not user.has_role("learner"):
        return {}
    ids = [int(i) for i in set(exercise_ids)]
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_EXERCISES_SQL.format(marks=", ".join(["%s"] * len(ids))), ids)
        return {pk: kind for pk, kind in cursor.fetchall()}


def _exercises_sql() -> str:
    exercise, module, track = (m._meta.db_table for m in (Exercise, Module, Track))
    return (
        f'SELECT e.id, e.kind FROM "{exercise}" AS e '  # noqa: S608 - table names and marks only
        f'JOIN "{module}" AS m ON m.id = e.module_id '
        f'JOIN "{track}" AS t ON t.id = m.track_id '
        "WHERE e.id IN ({marks}) AND NOT e.is_retired AND NOT m.is_retired AND NOT t.is_retired"
    )


_EXERCISES_SQL = _exercises_sql()


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
