"""Personal data held by insights: learners' contribution records and the release ledger.

The running totals are exempt: they are sums over many learners sealed under a system key,
and they are never shown except through the differentially private release.
"""

from __future__ import annotations

import json
from typing import Any

from candor.privacy.inventory import Declaration, Exempt, LegalBasis
from candor.privacy.purposes import Purpose


def _contributions(user: Any) -> list[dict[str, Any]]:
    from candor.insights.models import Contribution
    from candor.signals.access import owner_for

    rows = list(Contribution.objects.filter(owner=owner_for(user)))
    out: list[dict[str, Any]] = []
    for row, result in zip(rows, Contribution.open_rows(rows), strict=True):
        if result.error is not None:
            out.append({"period": row.period, "error": str(result.error)})
            continue
        record = json.loads(result.value or b"{}")
        out.append(
            {
                "period": row.period,
                "quarter": record.get("quarter"),
                "exercises": {k: v.get("state") for k, v in record.get("exercises", {}).items()},
            }
        )
    return out


def _withdraw(user: Any) -> int:
    from candor.insights.accumulate import withdraw

    return withdraw(user)


def _releases(user: Any) -> list[dict[str, Any]]:
    from candor.insights.models import Release

    rows = Release.objects.filter(requested_by=user)
    return [
        {
            "requested_at": r.requested_at,
            "canonical_query": r.canonical_query,
            "status": r.status,
            "epsilon": r.epsilon,
        }
        for r in rows
    ]


def _forget_requester(user: Any) -> int:
    from candor.insights.models import Release

    return Release.objects.filter(requested_by=user).update(
        requested_by=None, requested_by_name="(erased)"
    )


DECLARATIONS: list[Declaration | Exempt] = [
    Declaration(
        model="insights.Contribution",
        title="Your part in course statistics (only if you allow course improvement)",
        category="signals",
        fields={
            "period": "The month it was last updated (its retention period)",
            "quarter": "The quarter of the course statistics it feeds",
            "exercises": "Per exercise: your totals of time on task, idle time, characters "
            "typed, deleted and pasted, hints opened, submissions and whether you passed — "
            "kept so your part can be removed exactly when you withdraw",
        },
        withheld={"blob": "the encrypted form; you receive it decrypted instead"},
        subject_field="",
        export=_contributions,
        erase=_withdraw,
        purposes=(Purpose.COURSE_IMPROVEMENT,),
        legal_basis=LegalBasis.CONSENT,
        audience=(
            "nobody: it is sealed under your own key. Authors see only noisy statistics over "
            "at least k learners.",
        ),
        retention="Like your signals: 180 days after its last change; at once when you "
        "withdraw course improvement or erase your signals.",
        on_erasure="Your part is subtracted from the course totals, then the record is deleted.",
    ),
    Declaration(
        model="insights.Release",
        title="Course reports you released (authors only)",
        category="audit",
        fields={
            "requested_at": "When you asked for the report",
            "canonical_query": "Which course, quarter and statistics",
            "status": "Whether it was released",
            "epsilon": "The privacy budget it spent",
        },
        subject_field="",
        export=_releases,
        erase=_forget_requester,
        purposes=(Purpose.COURSE_IMPROVEMENT, Purpose.SECURITY_AUDIT),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        audience=("authors and privacy officers, in the privacy-budget ledger",),
        retention="Kept with the ledger: it proves what was released and what it spent.",
        on_erasure="Your name is removed from the ledger; the entries stay.",
    ),
    Exempt(
        model="insights.Accumulator",
        reason="Running totals over many learners, sealed under a system key; released only "
        "through the differentially private report (minimum group size, noise, budget).",
    ),
]
