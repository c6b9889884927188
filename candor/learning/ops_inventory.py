"""Personal data of mandatory-training operations (issue 8): reminders and certificates.

Kept apart from ``data_inventory.py`` so that file stays the privacy team's; it adds these
declarations to its ``DECLARATIONS``.
"""

from __future__ import annotations

from typing import Any

from candor.privacy.inventory import Declaration, LegalBasis
from candor.privacy.purposes import Purpose


def _reminders(user: Any) -> list[dict[str, Any]]:
    from candor.learning.models import Reminder

    return [
        {
            "kind": r.get_kind_display(),
            "scheduled_on": r.scheduled_on,
            "status": r.get_status_display(),
            "attempts": r.attempts,
            "email_subject": r.email_subject,
            "body": r.body,
            "sent_at": r.sent_at,
        }
        for r in Reminder.objects.filter(recipient=user).order_by("scheduled_on", "pk")
    ]


DECLARATIONS: list[Declaration] = [
    Declaration(
        model="learning.Reminder",
        title="Reminder emails Candor sent you",
        category="learning",
        subject_field="",
        export=_reminders,
        fields={
            "kind": "Before a due date, overdue, or (managers) the team digest",
            "scheduled_on": "The day it was due to go out",
            "status": "Sent, waiting, or not needed any more",
            "attempts": "How often sending was tried",
            "email_subject": "The subject line",
            "body": "The text you were sent",
            "sent_at": "When the mail server accepted it",
        },
        withheld={"last_error": "the mail server's last error message, for operators"},
        purposes=(Purpose.COMPLIANCE,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        audience=("you", "administrators (delivery status only)"),
        retention="As long as your account exists.",
        on_erasure="Deleted.",
        erase=lambda user: int(user.reminders.all().delete()[0]),
    ),
    Declaration(
        model="learning.Certificate",
        title="Your certificates",
        category="learning",
        fields={
            "track__title": "The track",
            "holder_name": "Your name as printed",
            "completed_on": "When you completed its mandatory modules",
            "code": "The verification code (the public page shows only validity, track, date)",
            "issued_at": "When the certificate was issued",
        },
        purposes=(Purpose.LEARNER_SELF_VIEW, Purpose.COMPLIANCE),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        audience=("you", "anyone you give the code to (validity, track and date only)"),
        retention="As the company's policy for training records requires (proof of training).",
        on_erasure="Kept: it is the proof of training the company may have to show.",
    ),
]
