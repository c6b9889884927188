"""Second factor: enrolment, the secret at rest, recovery codes, removal (own account only)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pyotp
import pytest
from django.db import connection
from django.urls import reverse

from candor.accounts import second_factor as sf
from candor.accounts import totp
from candor.accounts.models import RecoveryCode, TOTPDevice
from candor.privacy.models import AuditEntry

from .conftest import code_at, enrol, secret_on_page

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:second_factor_setup")


def test_enrolment_happy_path(client_for: Any, people: Any, clock: Any) -> None:
    lena = client_for(people.lena)
    page = lena.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = secret_on_page(html)
    assert len(secret) == 32
    # Not on yet: a pending enrolment asks for nothing at sign-in.
    assert not sf.has_second_factor(people.lena)

    done = lena.post(SETUP, {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    body = done.content.decode()
    assert "Save your recovery codes" in body
    codes = [c for c in body.split("<code>")[1:] if c[4] == "-"]
    assert len(codes) == totp.RECOVERY_CODE_COUNT
    device = TOTPDevice.objects.get(user=people.lena)
    assert device.confirmed and device.recovery_codes.count() == totp.RECOVERY_CODE_COUNT
    assert AuditEntry.objects.filter(action="accounts.second_factor_enrol").count() == 1
    account = lena.get(reverse("accounts:account")).content.decode()
    assert "On (authenticator app)" in account
    # The set-up page is not offered again; the recovery codes are never shown again.
    again = lena.get(SETUP)
    assert again.status_code == 302 and again["Location"] == reverse("accounts:second_factor")
    status = lena.get(reverse("accounts:second_factor")).content.decode()
    assert "Recovery codes left: <strong>10</strong>" in status
    assert codes[0][:19] not in status


def test_a_wrong_code_does_not_turn_it_on(client_for: Any, people: Any, clock: Any) -> None:
    lena = client_for(people.lena)
    secret = secret_on_page(lena.get(SETUP).content.decode())
    wrong = f"{(int(code_at(secret)) + 1) % 1_000_000:06d}"
    for bad, says in [
        (wrong, "That code is not right"),
        ("12345", "That code is not right"),
        ("abcdef", "That code is not right"),
        ("", "Type the code from your authenticator app"),
    ]:
        response = lena.post(SETUP, {"action": "confirm", "code": bad})
        assert response.status_code == 400
        html = response.content.decode()
        assert says in html
        assert secret_on_page(html) == secret  # the same key, to try again
    assert not sf.has_second_factor(people.lena)
    # A code from two steps ago (a minute old) is refused too.
    response = lena.post(SETUP, {"action": "confirm", "code": code_at(secret, -2)})
    assert response.status_code == 400 and not sf.has_second_factor(people.lena)


def test_starting_again_gives_a_new_key(client_for: Any, people: Any) -> None:
    lena = client_for(people.lena)
    first = secret_on_page(lena.get(SETUP).content.decode())
    assert secret_on_page(lena.get(SETUP).content.decode()) == first  # reloading keeps it
    second = secret_on_page(lena.post(SETUP, {"action": "restart"}).content.decode())
    assert second != first
    assert TOTPDevice.objects.filter(user=people.lena).count() == 1


def test_the_uri_and_qr_code_suit_authenticator_apps(people: Any) -> None:
    enrolment = sf.do_start_enrolment(people.lena)
    parsed = pyotp.parse_uri(enrolment.uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert (parsed.digits, parsed.interval, parsed.issuer) == (6, 30, "Candor")
    assert parsed.digest().name == "sha1" and parsed.name == "lena@example.test"
    assert parsed.secret == enrolment.secret
    svg = base64.b64decode(enrolment.qr.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "<script" not in svg


def test_the_secret_is_not_stored_in_plain_text(people: Any, settings: Any) -> None:
    secret, codes = enrol(people.lena)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_totpdevice")
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM accounts_recoverycode")
        code_rows = cursor.fetchall()
    assert len(rows) == 1 and len(code_rows) == len(codes)
    raw = repr(rows).encode() + b"".join(
        bytes(v) for v in rows[0] if isinstance(v, bytes | memoryview)
    )
    for form in (secret, secret.lower(), totp.grouped(secret)):
        assert form.encode() not in raw
    assert base64.b32decode(secret) not in raw  # not the key bytes either
    dumped = repr(code_rows)
    for code in codes:
        assert code not in dumped and code.replace("-", "") not in dumped
        assert hashlib.sha256(code.replace("-", "").encode()).hexdigest() in dumped
    # The sealed secret opens only for its owner, and only with the server's key.
    device = TOTPDevice.objects.get(user=people.lena)
    assert totp.open_secret(device.secret_sealed, people.lena.pk) == (secret, False)
    with pytest.raises(totp.SealError):
        totp.open_secret(device.secret_sealed, people.leo.pk)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-key-" + "y" * 40
    with pytest.raises(totp.SealError):
        totp.open_secret(device.secret_sealed, people.lena.pk)
    settings.SECRET_KEY_FALLBACKS = [old_key]  # a rotated key still opens it
    assert totp.open_secret(device.secret_sealed, people.lena.pk) == (secret, True)


def test_a_rotated_key_reseals_the_secret_at_its_next_use(
    people: Any, settings: Any, clock: Any
) -> None:
    secret, _ = enrol(people.lena)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "rotated-" + "z" * 40, [old_key]
    assert sf.do_check_code(people.lena, code_at(secret)).ok
    settings.SECRET_KEY_FALLBACKS = []
    device = TOTPDevice.objects.get(user=people.lena)
    assert totp.open_secret(device.secret_sealed, people.lena.pk) == (secret, False)


def test_the_secret_never_reaches_the_log(
    client_for: Any, people: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    lena = client_for(people.lena)
    secret = secret_on_page(lena.get(SETUP).content.decode())
    lena.post(SETUP, {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert secret not in caplog.text


def test_new_recovery_codes_replace_the_old_ones(
    verified_for: Any, people: Any, clock: Any
) -> None:
    secret, old = enrol(people.lena)
    lena = verified_for(people.lena)
    url = reverse("accounts:second_factor_recovery_codes")
    refused = lena.post(url, {"code": "000000"})
    assert refused.status_code == 302
    response = lena.post(url, {"code": code_at(secret)})
    assert response.status_code == 200
    assert "Your earlier recovery codes no longer work" in response.content.decode()
    hashes = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(hashes) == totp.RECOVERY_CODE_COUNT
    assert not hashes & {totp.hash_recovery_code(c) for c in old}
    assert AuditEntry.objects.filter(action="accounts.recovery_codes_new").count() == 1


def test_a_learner_can_remove_their_own_with_a_code(
    verified_for: Any, people: Any, clock: Any
) -> None:
    secret, _ = enrol(people.lena)
    lena = verified_for(people.lena)
    url = reverse("accounts:second_factor_remove")
    lena.post(url, {"code": "000000"})
    assert sf.has_second_factor(people.lena)  # a wrong code removes nothing
    response = lena.post(url, {"code": code_at(secret)}, follow=True)
    assert "Your second factor is off" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=people.lena).exists()
    assert not RecoveryCode.objects.exists()
    assert AuditEntry.objects.filter(action="accounts.second_factor_remove").count() == 1


def test_removing_your_own_is_refused_when_your_role_requires_it(
    client_for: Any, people: Any, clock: Any, require_second_factor: None
) -> None:
    for person in (people.adam, people.priya):
        secret, _ = enrol(person)
        client = client_for(person)
        client.post(reverse("accounts:second_factor_verify"), {"code": code_at(secret)})
        response = client.post(
            reverse("accounts:second_factor_remove"), {"code": code_at(secret, 1)}, follow=True
        )
        assert "requires a second factor, so you cannot remove it" in response.content.decode()
        assert sf.has_second_factor(person)
        with pytest.raises(sf.SecondFactorRefused):
            sf.do_remove(person, code_at(secret, 1))
    assert not AuditEntry.objects.filter(action="accounts.second_factor_remove").exists()


def test_anonymous_people_are_sent_to_sign_in(client: Any, people: Any) -> None:
    for name in ("second_factor", "second_factor_setup"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"]
    for name in ("second_factor_recovery_codes", "second_factor_remove"):
        response = client.post(reverse(f"accounts:{name}"), {"code": "123456"})
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert not TOTPDevice.objects.exists()


def test_each_person_only_ever_reaches_their_own_enrolment(
    client_for: Any, people: Any, clock: Any
) -> None:
    lena, leo = client_for(people.lena), client_for(people.leo)
    lena_secret = secret_on_page(lena.get(SETUP).content.decode())
    leo_secret = secret_on_page(leo.get(SETUP).content.decode())
    assert lena_secret != leo_secret
    # Lena's code does not finish Leo's enrolment, nor hers from his session.
    response = leo.post(SETUP, {"action": "confirm", "code": code_at(lena_secret)})
    assert response.status_code == 400
    assert not sf.has_second_factor(people.leo) and not sf.has_second_factor(people.lena)
    # Confirming Leo's own code turns on Leo's, not Lena's.
    leo.post(SETUP, {"action": "confirm", "code": code_at(leo_secret)})
    assert sf.has_second_factor(people.leo) and not sf.has_second_factor(people.lena)


def test_pages_keep_the_strict_csp(client_for: Any, people: Any) -> None:
    response = client_for(people.lena).get(SETUP)
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert "data:" in directives["img-src"] and directives["script-src"] == "'self'"
    body = response.content.decode()
    assert "<script>" not in body and 'style="' not in body
    assert response["Cache-Control"] == "no-store"


def test_export_lists_the_device_without_its_secret(people: Any) -> None:
    from candor.privacy import inventory

    secret, codes = enrol(people.lena)
    device_rows = inventory.load().get("accounts.TOTPDevice").rows_for(people.lena)  # type: ignore[union-attr]
    code_rows = inventory.load().get("accounts.RecoveryCode").rows_for(people.lena)  # type: ignore[union-attr]
    assert len(device_rows) == 1 and device_rows[0]["confirmed_at"] is not None
    assert len(code_rows) == len(codes)
    assert secret not in repr(device_rows) and "secret" not in repr(device_rows)
    assert inventory.load().get("accounts.TOTPDevice").rows_for(people.leo) == []  # type: ignore[union-attr]


def test_a_secret_that_no_longer_opens_leaves_recovery_codes_working(
    people: Any, settings: Any, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """CANDOR_SECRET_KEY replaced without the fallback: no crash, a plain message, a way in."""
    secret, codes = enrol(people.lena)
    settings.SECRET_KEY = "replaced-" + "q" * 40
    check = sf.do_check_code(people.lena, code_at(secret))
    assert check.outcome is sf.Outcome.UNREADABLE and "recovery codes" in check.message
    assert TOTPDevice.objects.get(user=people.lena).failed_attempts == 0
    assert "does not open" in caplog.text and secret not in caplog.text
    assert sf.do_check_code(people.lena, codes[0]).outcome is sf.Outcome.RECOVERY
    # A pending enrolment whose secret no longer opens simply starts again.
    pending = sf.do_start_enrolment(people.leo)
    settings.SECRET_KEY = "replaced-again-" + "r" * 40
    assert sf.do_start_enrolment(people.leo).secret != pending.secret


def test_turning_it_on_ends_the_other_sessions_but_not_this_one(
    client_for: Any, people: Any, clock: Any
) -> None:
    from django.contrib.sessions.models import Session

    elsewhere = client_for(people.lena)  # e.g. a browser left signed in on another computer
    assert elsewhere.get(reverse("accounts:account")).status_code == 200
    other_session = elsewhere.cookies["sessionid"].value
    here = client_for(people.lena)
    secret = secret_on_page(here.get(SETUP).content.decode())
    done = here.post(SETUP, {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert "Your other sign-ins (1) were ended" in done.content.decode()
    assert not Session.objects.filter(session_key=other_session).exists()
    gone = elsewhere.get(reverse("accounts:account"))
    assert gone.status_code == 302 and reverse("accounts:login") in gone["Location"]
    assert here.get(reverse("accounts:account")).status_code == 200
