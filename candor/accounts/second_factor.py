"""The second factor: who needs one, enrolment, checking a code, removal and reset.

Every write is atomic and writes its audit entry in the same transaction. Checking a code
locks the person's device row, so two requests racing with the same code cannot both pass
(the replay guard) and wrong codes are counted exactly (the throttle).

``accounts`` sits below ``privacy``; the audit log is reached through a function-local import
so that importing ``accounts`` never pulls ``privacy`` in (see README.md).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candor.accounts import totp
from candor.accounts.models import RecoveryCode, Role, TOTPDevice, User
from candor.accounts.sessions import end_sessions

# Roles that may not work without a second factor when CANDOR_REQUIRE_SECOND_FACTOR is on.
REQUIRED_ROLES = (Role.ADMIN, Role.PRIVACY_OFFICER)
LOCK_AFTER = 5  # wrong codes in a row
LOCK_FOR = dt.timedelta(minutes=15)

log = logging.getLogger(__name__)


def _audit(**kwargs: Any) -> None:
    from candor.privacy.audit import record_event

    record_event(**kwargs)


class SecondFactorRefused(Exception):
    """A request the rules refuse; the message is plain language for the person."""


def required_roles(user: Any) -> list[str]:
    """The roles of this person that require a second factor here (empty: optional for them)."""
    if not getattr(settings, "CANDOR_REQUIRE_SECOND_FACTOR", False):
        return []
    return [Role(role).label.lower() for role in REQUIRED_ROLES if user.has_role(role)]


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_second_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


# --- enrolment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr: str

    @property
    def grouped_secret(self) -> str:
        return totp.grouped(self.secret)


def _enrolment_of(user: User, secret: str) -> Enrolment:
    uri = totp.provisioning_uri(secret, user.email)
    return Enrolment(secret=secret, uri=uri, qr=totp.qr_data_uri(uri))


def do_start_enrolment(user: User, *, restart: bool = False) -> Enrolment:
    """The pending enrolment (a new secret the first time or on ``restart``)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed:
            raise SecondFactorRefused("Your second factor is already on.")
        if device is not None and not restart:
            secret = _open(device)
            if secret:
                return _enrolment_of(user, secret)
        secret = totp.new_secret()
        sealed = totp.seal_secret(secret, user.pk)
        if device is None:
            TOTPDevice.objects.create(user=user, secret_sealed=sealed)
        else:
            device.secret_sealed = sealed
            device.created_at = timezone.now()
            device.last_used_step = 0
            device.save(update_fields=["secret_sealed", "created_at", "last_used_step"])
    return _enrolment_of(user, secret)


class Outcome(enum.Enum):
    OK = "ok"
    RECOVERY = "recovery"  # accepted a recovery code
    WRONG = "wrong"
    REPLAYED = "replayed"
    LOCKED = "locked"
    NO_DEVICE = "no_device"
    UNREADABLE = "unreadable"  # the stored secret does not open with the server's keys


MESSAGES = {
    Outcome.WRONG: "That code is not right. Check the time on your phone and type the newest "
    "6-digit code from your authenticator app.",
    Outcome.REPLAYED: "That code was already used. Wait for the next code in your app (a new "
    "one comes every 30 seconds) and type it.",
    Outcome.NO_DEVICE: "There is no authenticator app set up for your account.",
    Outcome.UNREADABLE: "Codes from your app cannot be checked at the moment (the server's "
    "key changed). Sign in with one of your recovery codes, or ask an administrator to reset "
    "your second factor.",
}


@dataclass
class Check:
    outcome: Outcome
    locked_until: dt.datetime | None = None
    recovery_left: int = 0
    new_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.OK, Outcome.RECOVERY)

    @property
    def message(self) -> str:
        if self.outcome is Outcome.LOCKED and self.locked_until is not None:
            until = timezone.localtime(self.locked_until).strftime("%H:%M")
            return (
                f"Too many wrong codes. For your account's safety, codes are not accepted "
                f"until {until} ({int(LOCK_FOR.total_seconds() // 60)} minutes). Try again "
                "then, or ask an administrator to reset your second factor."
            )
        return MESSAGES.get(self.outcome, "")


def _check_locked(device: TOTPDevice, code: str, *, recovery: bool, now: float) -> Check:
    """Check ``code`` against a device already locked for update; counts wrong codes."""
    moment = timezone.now()
    if device.locked_until is not None and device.locked_until > moment:
        return Check(Outcome.LOCKED, locked_until=device.locked_until)
    secret = _open(device)
    code = totp.normalise_code(code)
    if not secret and totp.looks_like_totp(code):
        return Check(Outcome.UNREADABLE)  # not the person's fault: not counted as wrong
    step = totp.matching_step(secret, code, now) if secret else None
    if step is not None and step > device.last_used_step:
        device.last_used_step = step
        device.failed_attempts = 0
        device.locked_until = None
        device.last_used_at = moment
        device.save(
            update_fields=["last_used_step", "failed_attempts", "locked_until", "last_used_at"]
        )
        return Check(Outcome.OK)
    if step is not None:
        # A replay is not counted as a wrong guess: the person typed a real code, just late.
        return Check(Outcome.REPLAYED)
    if recovery and totp.looks_like_recovery_code(code):
        used = RecoveryCode.objects.filter(
            device=device, code_hash=totp.hash_recovery_code(code), used_at__isnull=True
        ).update(used_at=moment)
        if used:
            device.failed_attempts = 0
            device.locked_until = None
            device.last_used_at = moment
            device.save(update_fields=["failed_attempts", "locked_until", "last_used_at"])
            left = device.recovery_codes.filter(used_at__isnull=True).count()
            _audit(
                actor=device.user,
                subject=device.user,
                action="accounts.recovery_code_use",
                object_ref=f"person:{device.user_id};left={left}",
            )
            return Check(Outcome.RECOVERY, recovery_left=left)
    device.failed_attempts += 1
    if device.failed_attempts >= LOCK_AFTER:
        device.failed_attempts = 0
        device.locked_until = moment + LOCK_FOR
        device.save(update_fields=["failed_attempts", "locked_until"])
        _audit(
            actor=device.user,
            subject=device.user,
            action="accounts.second_factor_lock",
            object_ref=f"person:{device.user_id};minutes={int(LOCK_FOR.total_seconds() // 60)}",
        )
        return Check(Outcome.LOCKED, locked_until=device.locked_until)
    device.save(update_fields=["failed_attempts"])
    return Check(Outcome.WRONG)


def _open(device: TOTPDevice) -> str:
    """The device's secret; "" when it no longer opens (SECRET_KEY replaced without keeping
    the old one in the fallbacks): codes from the app then fail, recovery codes still work."""
    try:
        secret, old_key = totp.open_secret(device.secret_sealed, device.user_id)
    except totp.SealError:
        log.error(
            "The second-factor secret of person %s does not open: CANDOR_SECRET_KEY changed "
            "without CANDOR_SECRET_KEY_FALLBACKS. They can sign in with a recovery code, or "
            "an administrator can reset their second factor.",
            device.user_id,
        )
        return ""
    if old_key:  # SECRET_KEY was rotated: seal it again under the current key
        device.secret_sealed = totp.seal_secret(secret, device.user_id)
        device.save(update_fields=["secret_sealed"])
    return secret


def _locked_device(user: Any, *, confirmed: bool) -> TOTPDevice | None:
    return (
        TOTPDevice.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user=user, confirmed_at__isnull=not confirmed)
        .first()
    )


def do_confirm_enrolment(user: User, code: str, *, now: float | None = None) -> Check:
    """Turn the pending device on with a first correct code; the check carries the recovery
    codes to show once."""
    with transaction.atomic():
        device = _locked_device(user, confirmed=False)
        if device is None:
            return Check(Outcome.NO_DEVICE)
        check = _check_locked(device, code, recovery=False, now=now or time.time())
        if not check.ok:
            return check
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        check.new_codes = _replace_recovery_codes(device)
        _audit(
            actor=user,
            subject=user,
            action="accounts.second_factor_enrol",
            object_ref=f"person:{user.pk};totp",
        )
    return check


def _replace_recovery_codes(device: TOTPDevice) -> list[str]:
    device.recovery_codes.all().delete()
    codes = totp.new_recovery_codes()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=digest) for digest in codes.hashes
    )
    return codes.plain


def do_check_code(user: Any, code: str, *, now: float | None = None) -> Check:
    """The sign-in step: a code from the app, or one recovery code (used up)."""
    with transaction.atomic():
        device = _locked_device(user, confirmed=True)
        if device is None:
            return Check(Outcome.NO_DEVICE)
        return _check_locked(device, code, recovery=True, now=now or time.time())


def do_new_recovery_codes(user: User, code: str, *, now: float | None = None) -> Check:
    """Replace the recovery codes (the old ones stop working), after a correct code."""
    with transaction.atomic():
        device = _locked_device(user, confirmed=True)
        if device is None:
            return Check(Outcome.NO_DEVICE)
        check = _check_locked(device, code, recovery=True, now=now or time.time())
        if check.ok:
            check.new_codes = _replace_recovery_codes(device)
            _audit(
                actor=user,
                subject=user,
                action="accounts.recovery_codes_new",
                object_ref=f"person:{user.pk}",
            )
    return check


def do_remove(user: User, code: str, *, now: float | None = None) -> Check:
    """Remove your own second factor, after a correct code; refused where a role needs it."""
    roles = required_roles(user)
    if roles:
        raise SecondFactorRefused(
            f"Your role ({' and '.join(roles)}) requires a second factor, so you cannot remove "
            "it. To move to a new phone, ask another administrator to reset it, then set it up "
            "again."
        )
    with transaction.atomic():
        device = _locked_device(user, confirmed=True)
        if device is None:
            return Check(Outcome.NO_DEVICE)
        check = _check_locked(device, code, recovery=True, now=now or time.time())
        if check.ok:
            device.delete()
            _audit(
                actor=user,
                subject=user,
                action="accounts.second_factor_remove",
                object_ref=f"person:{user.pk}",
            )
    return check


def do_reset(admin: User, person: User) -> int:
    """An administrator removes someone else's second factor (lost phone) and ends their
    sessions; they set it up again at their next sign-in. Returns the sessions ended."""
    if not admin.has_role(Role.ADMIN):
        raise SecondFactorRefused("Only an administrator can reset a second factor.")
    if admin.pk == person.pk:
        raise SecondFactorRefused(
            "You cannot reset your own second factor: ask another administrator."
        )
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=person).delete()
        if not deleted:
            raise SecondFactorRefused(f"{person.full_name} has no second factor to reset.")
        _audit(
            actor=admin,
            subject=person,
            action="accounts.second_factor_reset",
            object_ref=f"person:{person.pk}",
        )
        return end_sessions([person.pk])
