"""What the privacy app itself holds about people: consent choices, requests, the audit log."""

from __future__ import annotations

from typing import Any

from candor.privacy.inventory import Declaration, Exempt, LegalBasis
from candor.privacy.purposes import Purpose


def _audit_rows(user: Any) -> list[dict[str, Any]]:
    """Entries about the person or by them. Other people appear as their role, never their
    pseudonym: the export is about you, not about who they are."""
    from django.db.models import Q

    from candor.privacy.audit import subject_pseudonym
    from candor.privacy.models import AuditEntry

    me = subject_pseudonym(user)
    rows = []
    for e in AuditEntry.objects.filter(Q(subject=me) | Q(actor=me)).order_by("seq"):
        rows.append(
            {
                "seq": e.seq,
                "at": e.at,
                "by": "you" if e.actor == me else (e.actor_role or "system"),
                "about": "you" if e.subject == me else ("someone else" if e.subject else ""),
                "action": e.action,
                "purpose": e.purpose,
                "object_ref": e.object_ref,
            }
        )
    return rows


DECLARATIONS: list[Declaration | Exempt] = [
    Declaration(
        model="privacy.ConsentRecord",
        title="Your consent choices for interaction signals",
        category="consent",
        fields={
            "learner_help": "Whether signals are collected, for you",
            "course_improvement": "Whether your signals may enter statistics for authors",
            "notice_version": "The version of the notice you were shown",
            "decided_at": "When you chose",
        },
        purposes=(Purpose.LEARNER_SELF_VIEW, Purpose.DATA_SUBJECT_REQUEST),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        audience=("you", "the privacy officer (counts only, never per person)"),
        retention="Every choice is kept as long as your account exists: it is the proof of "
        "what you agreed to (GDPR Art. 7(1)).",
        on_erasure="Kept with the deactivated account, as proof of consent.",
        in_signals_notice=True,
    ),
    Declaration(
        model="privacy.DataSubjectRequest",
        title="Requests you made about your data",
        category="requests",
        fields={
            "kind": "What you asked for",
            "status": "Where it stands",
            "message": "What you wrote, if anything",
            "received_at": "When it arrived",
            "due_on": "The date by which it must be answered",
            "handled_at": "When it was handled",
            "outcome": "What was done",
        },
        withheld={"handled_by": "who handled it is shown to the privacy officers only"},
        purposes=(Purpose.DATA_SUBJECT_REQUEST,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        audience=("you", "the privacy officer"),
        retention="Kept as long as your account exists, to show your rights were honoured.",
        on_erasure="Kept: it records that your deletion request was carried out.",
    ),
    Declaration(
        model="privacy.AuditEntry",
        title="The access log: who did what with your data, when and why",
        category="audit",
        fields={
            "seq": "Position in the tamper-evident log",
            "at": "When",
            "by": "You, or the role of the person or system who acted",
            "about": "Whose data it concerned",
            "action": "What was done",
            "purpose": "The registered purpose it was done for",
            "object_ref": "What it concerned (never a signal value)",
        },
        subject_field="",
        export=_audit_rows,
        purposes=(Purpose.SECURITY_AUDIT, Purpose.LEARNER_SELF_VIEW),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        audience=(
            "you (entries about you)",
            "the privacy officer (pseudonyms; names only "
            "for a security audit, which is itself logged)",
        ),
        retention="Kept for the life of the deployment: the log is append-only and holds "
        "pseudonyms, never names or signal values.",
        on_erasure="Kept (append-only); it holds your pseudonym only.",
        in_signals_notice=True,
    ),
    Declaration(
        model="privacy.OrgPrivacy",
        title="Organisation privacy switches you changed (administrators)",
        category="account",
        fields={
            "signals_enabled": "Whether interaction signals are enabled",
            "dpia_reference": "The DPIA reference recorded",
            "changed_at": "When you changed it",
        },
        subject_field="changed_by",
        purposes=(Purpose.SECURITY_AUDIT,),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        audience=("administrators", "the privacy officer"),
        retention="As long as the setting exists.",
        on_erasure="Kept: it shows who took responsibility for the switch.",
    ),
]
