"""The DPIA report, generated from the data inventory and the code's own settings.

It is a starting point the organisation completes (its context, consultation, sign-off), not
a substitute: but every fact it states about Candor — what is held, why, for whom, how long,
on which basis, with which protections — comes from the same declarations the product runs
on, so the report cannot drift from what the software does.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from candor.privacy import conf
from candor.privacy.consent import NOTICE_VERSION
from candor.privacy.coverage import coverage
from candor.privacy.inventory import LEGAL_BASIS_TEXT, declarations
from candor.privacy.models import DataSubjectRequest as DSR
from candor.privacy.notice import NEVER_RECORDED, purpose_rows
from candor.privacy.org import org_privacy
from candor.privacy.purposes import ROLE_PURPOSES

MEASURES = [
    (
        "Minimisation at the source",
        "Only per-attempt summaries leave the browser, coarsened "
        "(whole seconds, whole characters per minute, rates to two decimals); never keys, "
        "characters, key timings, mouse, clipboard or screenshots.",
    ),
    (
        "Consent, off by default",
        "Signals are collected only for learners who turn them on, "
        "after an administrator recorded this DPIA's reference; withdrawal stops collection at "
        "once. Mandatory training works the same without them.",
    ),
    (
        "Encryption per learner",
        "Signal rows are sealed with AES-256-GCM under a data key per "
        "learner and month, wrapped by a key-encryption key kept outside the database.",
    ),
    (
        "Pseudonyms",
        "Signal rows carry a keyed-HMAC pseudonym (one key per purpose), never a "
        "user id; a copy of the database alone links no signal to a person (breach drill).",
    ),
    (
        "Crypto-shredding and retention",
        "Erasure and retention destroy data keys, making the "
        "data unreadable everywhere, backups included; an erasure log is replayed after a "
        "restore of the key store.",
    ),
    (
        "Aggregates only for authors",
        f"No statistic over fewer than {conf.K_MIN_GROUP} "
        "learners; differential-privacy noise on every released number; a privacy budget per "
        "course and quarter in a persistent ledger.",
    ),
    (
        "Purpose-bound, audited access",
        "Every read of someone else's personal data names a "
        "registered purpose allowed for the reader's role and is written to a hash-chained, "
        "append-only audit log, with Ed25519-signed checkpoints kept outside the database.",
    ),
    (
        "Prohibited uses excluded in code",
        "No purpose and no code path for evaluating, "
        "ranking, hiring or firing people or inferring emotions, stress, attention or "
        "engagement (EU AI Act Art. 5(1)(f)); a lint in the test suite rejects such names.",
    ),
]

RISKS = [
    (
        "Signals used to rate employees",
        "Managers and admins have no screen, API or command "
        "that shows signals; purposes exclude evaluation; audit log visible to each learner.",
    ),
    (
        "Leak of the database",
        "Signals sealed per learner; pseudonyms without the secret; "
        "breach drill checks that nothing readable or linkable remains.",
    ),
    (
        "Keystroke dynamics identifying people",
        "No per-key timings or key identities are "
        "ever computed outside the browser's memory or sent.",
    ),
    (
        "Pressure to consent",
        "Default off; no effect on mandatory training; withdrawal in one "
        "click; managers cannot see who consented (coverage is aggregate, suppressed under k).",
    ),
    (
        "Re-identification from statistics",
        f"k ≥ {conf.K_MIN_GROUP}, differential privacy "
        "with a budget ledger, one contribution bound per learner.",
    ),
    (
        "Silent rewriting of the access log",
        "Database triggers refuse UPDATE/DELETE; hash "
        "chain verification; signed checkpoints detect rollback and truncation.",
    ),
]


def dpia_context() -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "generated_at": timezone.now(),
        "org": org_privacy(),
        "notice_version": NOTICE_VERSION,
        "declarations": declarations(),
        "bases": LEGAL_BASIS_TEXT,
        "purposes": purpose_rows(),
        "role_purposes": sorted(
            (role, sorted(str(p) for p in purposes)) for role, purposes in ROLE_PURPOSES.items()
        ),
        "never_recorded": NEVER_RECORDED,
        "measures": MEASURES,
        "risks": RISKS,
        "coverage": coverage(),
        "requests_open": DSR.objects.filter(status=DSR.Status.OPEN).count(),
        "requests_overdue": DSR.objects.filter(status=DSR.Status.OPEN, due_on__lt=today).count(),
        "response_days": conf.RESPONSE_DAYS,
    }
