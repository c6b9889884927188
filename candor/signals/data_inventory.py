"""Personal data held by signals: sealed interaction summaries and the upload rate counter.

Written by the privacy centre (issue 6) because every app must declare its data; the signals
app owns it from here on.
"""

from __future__ import annotations

from typing import Any

from candor.privacy.inventory import Declaration, LegalBasis
from candor.privacy.purposes import Purpose

SIGNAL_AUDIENCE = (
    "you, and nobody else — no manager, administrator or privacy officer can read them",
    "authors: only in statistics over at least 10 learners, with noise added, and only if "
    "you allow course improvement",
)


def _summaries(user: Any) -> list[dict[str, Any]]:
    from candor.signals.access import my_signal_summaries

    rows = my_signal_summaries(user, purpose=Purpose.DATA_SUBJECT_REQUEST)
    keys = ("id", "period", "received_at", "summary", "server", "ok", "error")
    return [{k: row.get(k) for k in keys if k in row} for row in rows]


def _erase_summaries(user: Any) -> int:
    from candor.signals.access import owner_for
    from candor.signals.models import SignalSummary
    from candor.vault import api as vault

    report = vault.erase_owner(owner_for(user))
    return int(report.rows_deleted.get(SignalSummary._meta.db_table, 0))


def _bucket(user: Any) -> str:
    from candor.vault import api as vault

    return str(vault.pseudonym("signals_rate", str(user.pk)))


def _rate_rows(user: Any) -> list[dict[str, Any]]:
    from candor.signals.models import RateWindow

    rows = RateWindow.objects.filter(bucket=_bucket(user)).values("window", "count")
    return [dict(r) for r in rows]


def _rate_erase(user: Any) -> int:
    from candor.signals.models import RateWindow

    return int(RateWindow.objects.filter(bucket=_bucket(user)).delete()[0])


DECLARATIONS: list[Declaration] = [
    Declaration(
        model="signals.SignalSummary",
        title="Interaction signals: how you worked on each exercise",
        category="signals",
        fields={
            "period": "The month it belongs to (its retention period)",
            "received_at": "When it arrived, to the second",
            "summary": "What your browser computed: time on task, active/idle/break time, "
            "hidden time, focus losses, pauses, keystrokes, characters typed and deleted, "
            "typing speed, correction rate, undos, pastes (never their content), runs, "
            "submissions, hints shown and used",
            "server": "What the grader adds: attempts so far, attempts to pass, repeated errors",
        },
        withheld={"blob": "the encrypted form; you receive it decrypted instead"},
        subject_field="",
        export=_summaries,
        erase=_erase_summaries,
        purposes=(Purpose.LEARNER_SELF_VIEW, Purpose.LEARNER_HELP, Purpose.COURSE_IMPROVEMENT),
        legal_basis=LegalBasis.CONSENT,
        audience=SIGNAL_AUDIENCE,
        retention="180 days by default, then destroyed with their key; at once when you erase "
        "them.",
        on_erasure="Destroyed at once (crypto-shredding).",
        in_signals_notice=True,
    ),
    Declaration(
        model="signals.RateWindow",
        title="A counter of your signal uploads this minute",
        category="signals",
        fields={"window": "The current minute's number", "count": "Uploads in it"},
        subject_field="",
        export=_rate_rows,
        erase=_rate_erase,
        purposes=(Purpose.SECURITY_AUDIT,),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        audience=("nobody: the server uses it to refuse floods of uploads",),
        retention="One row, overwritten every window.",
        on_erasure="Deleted.",
    ),
]
