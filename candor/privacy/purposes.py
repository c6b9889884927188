"""The registered purposes (PRODUCT.md §5 rule 2) and which role may use which.

There is deliberately no purpose for evaluating, ranking, hiring, firing or inferring anyone's
emotions, stress, attention or engagement: a read that names an unregistered purpose is refused,
and a test lint fails on such names anywhere in the code.
"""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    LEARNER_SELF_VIEW = "learner_self_view"
    LEARNER_HELP = "learner_help"
    COURSE_IMPROVEMENT = "course_improvement"  # aggregates only
    COMPLIANCE = "compliance"  # completion only
    SECURITY_AUDIT = "security_audit"
    DATA_SUBJECT_REQUEST = "data_subject_request"


DESCRIPTIONS: dict[Purpose, str] = {
    Purpose.LEARNER_SELF_VIEW: "You looking at your own data.",
    Purpose.LEARNER_HELP: "Offering you help (hints) while you learn, decided on your device.",
    Purpose.COURSE_IMPROVEMENT: (
        "Improving courses from statistics over many learners, with noise added."
    ),
    Purpose.COMPLIANCE: (
        "Showing that mandatory training was completed (completion and dates only)."
    ),
    Purpose.SECURITY_AUDIT: "Investigating a security incident or checking the access log.",
    Purpose.DATA_SUBJECT_REQUEST: "Handling a request you made about your data (export, erasure).",
}

# Who may read someone else's personal data, for which purpose. Reading your own data needs no
# entry here (it is always allowed and never audited as an access by someone else).
ROLE_PURPOSES: dict[str, frozenset[Purpose]] = {
    "manager": frozenset({Purpose.COMPLIANCE}),
    "admin": frozenset({Purpose.COMPLIANCE, Purpose.SECURITY_AUDIT}),
    "privacy_officer": frozenset(
        {Purpose.COMPLIANCE, Purpose.SECURITY_AUDIT, Purpose.DATA_SUBJECT_REQUEST}
    ),
    "author": frozenset({Purpose.COURSE_IMPROVEMENT}),
    "learner": frozenset(),
}


class PurposeRefused(Exception):
    """A read named an unregistered purpose, or one the reader's roles may not use."""


def parse_purpose(value: str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        raise PurposeRefused(f"'{value}' is not a registered purpose.") from None


def allowed(roles: set[str], purpose: Purpose) -> bool:
    return any(purpose in ROLE_PURPOSES.get(role, frozenset()) for role in roles)
