"""Privacy notices generated from the data inventory, so what Candor says is what it does.

``signals_notice()`` is the consent notice for interaction signals: built from the
declarations marked ``in_signals_notice`` (what is held, for whom, why, how long, on which
legal basis) plus the two choices. Its digest is pinned to ``NOTICE_VERSION`` in
``consent.NOTICE_DIGESTS``: when a declaration changes the notice, a test fails until the
version is bumped — and a new version asks every learner again. Each version's text is kept
(``NoticeSnapshot``) so a choice can always be shown next to the words it answered.

``privacy_notice()`` is the full notice: every declaration, grouped by kind of data.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction

from candor.privacy.inventory import LEGAL_BASIS_TEXT, Declaration, declarations
from candor.privacy.models import NoticeSnapshot
from candor.privacy.purposes import DESCRIPTIONS, Purpose

NEVER_RECORDED = (
    "which keys you press, the characters you type, or the timing between keys (typing "
    "rhythm identifies a person like a fingerprint)",
    "mouse movements, screenshots, clipboard content or window titles",
    "anything outside Candor's own answer fields",
)

CHOICES = {
    "learner_help": (
        "Collect signals, for me: your browser summarises how you worked on each exercise "
        "(never what you typed) and Candor keeps the summary, encrypted, so that you can see "
        "your own trends and get a hint when you seem stuck."
    ),
    "course_improvement": (
        "Also let my signals improve courses: authors see statistics over at least 10 "
        "learners with noise added — never you, never a single learner."
    ),
}

PROMISES = (
    "Off unless you turn it on. Mandatory training works exactly the same without it.",
    "Your manager, administrators and privacy officers cannot see your signals — no screen, "
    "API or command shows them to anyone but you.",
    "Signals are never used to evaluate, rank, hire or fire anyone, nor to infer emotions, "
    "stress, attention or engagement.",
    "Withdrawing takes one click and stops collection at once; you can then erase what was "
    "stored, immediately and for good.",
)


def _describe(decl: Declaration) -> dict[str, Any]:
    return {
        "title": decl.title,
        "what": [f"{text}" for text in decl.fields.values()],
        "who_can_see": list(decl.audience),
        "why": [DESCRIPTIONS[p] for p in decl.purposes],
        "how_long": decl.retention,
        "legal_basis": LEGAL_BASIS_TEXT[decl.legal_basis],
    }


def signals_notice() -> dict[str, Any]:
    return {
        "title": "Interaction signals: your choice",
        "promises": list(PROMISES),
        "choices": dict(CHOICES),
        "never_recorded": list(NEVER_RECORDED),
        "data": [_describe(d) for d in declarations() if d.in_signals_notice],
    }


def digest(notice: dict[str, Any]) -> str:
    canonical = json.dumps(notice, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish(version: str) -> NoticeSnapshot:
    """Keep the text of ``version`` (once); call it where a choice under it is recorded."""
    existing = NoticeSnapshot.objects.filter(version=version).first()
    if existing is not None:
        return existing
    notice = signals_notice()
    try:
        with transaction.atomic():
            return NoticeSnapshot.objects.create(
                version=version, digest=digest(notice), text=notice
            )
    except IntegrityError:  # a concurrent first choice stored it: the same text
        return NoticeSnapshot.objects.get(version=version)


def privacy_notice() -> list[dict[str, Any]]:
    """Every declaration, grouped by category, for the full notice and the DPIA report."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for decl in declarations():
        groups.setdefault(decl.category, []).append(
            {
                **_describe(decl),
                "model": decl.model,
                "fields": dict(decl.fields),
                "withheld": dict(decl.withheld),
                "purposes": [str(p) for p in decl.purposes],
                "legal_basis_key": str(decl.legal_basis),
                "on_erasure": decl.on_erasure,
            }
        )
    return [{"category": c, "items": items} for c, items in groups.items()]


def purpose_rows() -> list[dict[str, str]]:
    return [{"purpose": str(p), "description": DESCRIPTIONS[p]} for p in Purpose]
