"""Personal data held by accounts: the person, sign-in sessions, sign-in throttling and the
second factor (authenticator app and recovery codes).

Plain dicts on purpose: ``accounts`` imports nothing from other Candor apps, so it describes
its data in the shape ``candor.privacy.inventory`` reads (see docs/privacy.md).
"""

from __future__ import annotations

from typing import Any


def _person(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "email": user.email,
            "full_name": user.full_name,
            "department": str(user.department) if user.department_id else "",
            "manager": str(user.manager) if user.manager_id else "",
            "roles": sorted(user.roles),
            "is_active": user.is_active,
            "joined_on": user.joined_on,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        }
    ]


def _deactivate(user: Any) -> int:
    """Account deletion keeps the person row (completion records point to it) but closes it:
    no sign-in, no manager link, no roles."""
    from candor.accounts.models import ROLE_FIELDS

    user.is_active = False
    user.set_unusable_password()
    user.manager = None
    for field in ROLE_FIELDS.values():
        setattr(user, field, False)
    user.save()
    return 1


def _my_sessions(user: Any) -> list[Any]:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    mine = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            mine.append(session)
    return mine


def _sessions(user: Any) -> list[dict[str, Any]]:
    return [{"expire_date": s.expire_date} for s in _my_sessions(user)]


def _end_sessions(user: Any) -> int:
    from django.contrib.sessions.models import Session

    keys = [s.session_key for s in _my_sessions(user)]
    return Session.objects.filter(session_key__in=keys).delete()[0]


def _second_factor(user: Any) -> list[dict[str, Any]]:
    from candor.accounts.models import TOTPDevice

    return list(TOTPDevice.objects.filter(user=user).values(*SECOND_FACTOR_FIELDS))


def _recovery_codes(user: Any) -> list[dict[str, Any]]:
    from candor.accounts.models import RecoveryCode

    rows = RecoveryCode.objects.filter(device__user=user).order_by("pk")
    return [dict(row) for row in rows.values("created_at", "used_at")]


def _erase_recovery_codes(user: Any) -> int:
    from candor.accounts.models import RecoveryCode

    return int(RecoveryCode.objects.filter(device__user=user).delete()[0])


def _erase_second_factor(user: Any) -> int:
    """A closed account cannot sign in, so its authenticator key has no use left."""
    from candor.accounts.models import TOTPDevice

    return int(TOTPDevice.objects.filter(user=user).delete()[0])


SECOND_FACTOR_FIELDS = {
    "created_at": "When you started setting up the authenticator app",
    "confirmed_at": "When you turned the second factor on (empty: not finished)",
    "last_used_at": "When a code from the app last signed you in",
    "failed_attempts": "Wrong codes in a row since the last right one",
    "locked_until": "Until when codes are refused after too many wrong ones",
}

THROTTLE_FIELDS = {
    "username": "The email address typed",
    "ip_address": "The network address the attempt came from",
    "user_agent": "The browser's self-description",
    "attempt_time": "When",
}


def _throttle_rows(model_name: str, extra: tuple[str, ...] = ()) -> Any:
    def rows(user: Any) -> list[dict[str, Any]]:
        from django.apps import apps

        model = apps.get_model("axes", model_name)
        fields = (*THROTTLE_FIELDS, *extra)
        return list(model.objects.filter(username__iexact=user.email).values(*fields))

    return rows


def _throttle_erase(model_name: str) -> Any:
    def erase(user: Any) -> int:
        from django.apps import apps

        model = apps.get_model("axes", model_name)
        return int(model.objects.filter(username__iexact=user.email).delete()[0])

    return erase


_SECURITY = {
    "category": "security",
    "subject_field": "",
    "purposes": ["security_audit"],
    "legal_basis": "legitimate_interests",
    "audience": ["administrators investigating a locked account or an attack"],
}

DECLARATIONS: list[dict[str, Any]] = [
    {
        "model": "accounts.User",
        "title": "Your account",
        "category": "account",
        "fields": {
            "email": "Your work email address (you sign in with it)",
            "full_name": "Your name",
            "department": "Your department",
            "manager": "Your manager",
            "roles": "What you can do in Candor",
            "is_active": "Whether the account can sign in",
            "joined_on": "When you joined the company",
            "date_joined": "When the account was created",
            "last_login": "When you last signed in",
        },
        "withheld": {"password": "an Argon2 hash of your password: a credential, never shown"},
        "subject_field": "",
        "export": _person,
        "erase": _deactivate,
        "purposes": ["learner_self_view", "compliance"],
        "legal_basis": "contract",
        "audience": ["you", "your manager (your name)", "administrators"],
        "retention": "As long as you work for the company and a little after, per its policy.",
        "on_erasure": "Deactivated: you can no longer sign in; your name and email stay only "
        "because your completion records must remain attributable.",
    },
    {
        "model": "sessions.Session",
        "title": "Your signed-in sessions",
        "category": "security",
        "fields": {"expire_date": "When the session ends (8 hours at most)"},
        "withheld": {"session_key": "a credential: whoever holds it is signed in as you"},
        "subject_field": "",
        "export": _sessions,
        "erase": _end_sessions,
        "purposes": ["security_audit"],
        "legal_basis": "contract",
        "audience": ["nobody reads them; the server checks them on each request"],
        "retention": "8 hours, or until you sign out or close the browser.",
        "on_erasure": "Ended at once.",
    },
    {
        "model": "accounts.TOTPDevice",
        "title": "Your second factor (authenticator app)",
        "category": "security",
        "fields": SECOND_FACTOR_FIELDS,
        "withheld": {
            "secret_sealed": "the key your app shares with Candor, encrypted: a credential, "
            "never shown again after set-up",
            "last_used_step": "the time step of the last accepted code (stops its reuse)",
        },
        "subject_field": "user",
        "export": _second_factor,
        "erase": _erase_second_factor,
        "purposes": ["security_audit"],
        "legal_basis": "legitimate_interests",
        "audience": ["nobody reads it; the server checks your codes with it"],
        "retention": "Until you remove it, an administrator resets it, or your account closes.",
        "on_erasure": "Deleted, with its recovery codes.",
    },
    {
        "model": "accounts.RecoveryCode",
        "title": "Your second-factor recovery codes",
        "category": "security",
        "fields": {"created_at": "When the code was made", "used_at": "When it was used"},
        "withheld": {"code_hash": "a SHA-256 hash of the code: a credential, never shown"},
        "subject_field": "",
        "export": _recovery_codes,
        "erase": _erase_recovery_codes,
        "purposes": ["security_audit"],
        "legal_basis": "legitimate_interests",
        "audience": ["nobody reads them; the server checks a code you type against them"],
        "retention": "Until you make new ones, remove the second factor, or your account closes.",
        "on_erasure": "Deleted with the second factor.",
    },
    {
        **_SECURITY,
        "model": "axes.AccessAttempt",
        "title": "Failed sign-in attempts with your email address",
        "fields": {**THROTTLE_FIELDS, "failures_since_start": "Failures in a row"},
        "withheld": {"get_data": "request parameters", "post_data": "the form (password masked)"},
        "export": _throttle_rows("AccessAttempt", ("failures_since_start",)),
        "erase": _throttle_erase("AccessAttempt"),
        "retention": "Until a successful sign-in, or the 15-minute lock expires.",
        "on_erasure": "Deleted.",
    },
    {
        **_SECURITY,
        "model": "axes.AccessFailureLog",
        "title": "Log of failed sign-ins with your email address",
        "fields": {**THROTTLE_FIELDS, "locked_out": "Whether it locked the account"},
        "export": _throttle_rows("AccessFailureLog", ("locked_out",)),
        "erase": _throttle_erase("AccessFailureLog"),
        "retention": "Until an administrator clears it (django-axes keeps it).",
        "on_erasure": "Deleted.",
    },
    {
        **_SECURITY,
        "model": "axes.AccessLog",
        "title": "Log of your sign-ins",
        "fields": {**THROTTLE_FIELDS, "logout_time": "When you signed out"},
        "withheld": {"session_hash": "a hash of the session credential"},
        "export": _throttle_rows("AccessLog", ("logout_time",)),
        "erase": _throttle_erase("AccessLog"),
        "retention": "Until an administrator clears it (django-axes keeps it).",
        "on_erasure": "Deleted.",
    },
]
