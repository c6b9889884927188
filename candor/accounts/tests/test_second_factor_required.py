"""CANDOR_REQUIRE_SECOND_FACTOR: admins and privacy officers must have one; the admin reset."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from candor.accounts import second_factor as sf
from candor.accounts.models import TOTPDevice
from candor.privacy.models import AuditEntry

from .conftest import code_at, enrol, secret_on_page, sign_in

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:second_factor_setup")
VERIFY = reverse("accounts:second_factor_verify")
DASHBOARD = reverse("learning:dashboard")
API = "/api/v1/me/progress"
FORCED = ["adam", "priya"]
FREE = ["lena", "maya", "ari"]


def _without_tokens(html: bytes) -> bytes:
    """A page without its per-response random parts (CSRF token, CSP nonce)."""
    return re.sub(rb'(csrfmiddlewaretoken" value|nonce|content)="[^"]*"', b"", html)


def _reset_url(pk: int) -> str:
    return reverse("accounts:second_factor_reset", args=[pk])


@pytest.mark.parametrize("name", FORCED)
def test_admins_and_privacy_officers_must_enrol_first(
    client: Client, people: Any, name: str, require_second_factor: None
) -> None:
    response = sign_in(client, f"{name}@example.test")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2F"
    for url in (DASHBOARD, reverse("accounts:account"), reverse("learning:admin")):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(SETUP), url
    assert client.post(reverse("learning:admin_people")).status_code == 302
    api = client.get(API)
    assert api.status_code == 403 and api["Content-Type"] == "application/json"
    body = api.json()
    assert body["second_factor"] == "enrol"
    assert "Your role requires a second factor" in body["detail"] and SETUP in body["detail"]
    page = client.get(SETUP)
    assert page.status_code == 200
    text = page.content.decode()
    assert "requires a second factor" in text
    role = "admin" if name == "adam" else "privacy officer"
    assert f"Your role ({role})" in text
    assert client.get(VERIFY).status_code == 302  # no device: nothing to verify
    secret = secret_on_page(text)
    done = client.post(SETUP, {"action": "confirm", "code": pyotp.TOTP(secret).now(), "next": "/"})
    assert done.status_code == 200 and "Save your recovery codes" in done.content.decode()
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(API).status_code == 200


@pytest.mark.parametrize("name", FREE)
def test_other_roles_are_not_forced(
    client: Client, people: Any, name: str, require_second_factor: None
) -> None:
    response = sign_in(client, f"{name}@example.test")
    assert response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(API).status_code == 200
    assert sf.required_roles(getattr(people, name)) == []


@pytest.mark.parametrize("name", FORCED)
def test_with_a_device_they_pass_the_code_step(
    client: Client, people: Any, name: str, require_second_factor: None, clock: Any
) -> None:
    secret, _ = enrol(getattr(people, name))
    response = sign_in(client, f"{name}@example.test")
    assert response["Location"].startswith(VERIFY)
    assert client.get(DASHBOARD)["Location"].startswith(VERIFY)
    assert client.get(SETUP)["Location"].startswith(VERIFY)  # not a second enrolment
    assert client.get(API).json()["second_factor"] == "code"
    assert client.post(VERIFY, {"code": code_at(secret)}).status_code == 302
    assert client.get(DASHBOARD).status_code == 200


def test_sessions_of_someone_given_the_role_later_are_held(
    client_for: Any, people: Any, require_second_factor: None
) -> None:
    lena = client_for(people.lena)
    assert lena.get(DASHBOARD).status_code == 200
    people.lena.is_privacy_officer = True
    people.lena.save()
    assert lena.get(DASHBOARD)["Location"].startswith(SETUP)


def test_the_requirement_can_be_turned_off(client: Client, people: Any, settings: Any) -> None:
    settings.CANDOR_REQUIRE_SECOND_FACTOR = False
    assert sign_in(client, "adam@example.test")["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_the_default_is_on_in_production_and_dev_off_in_demo_and_test() -> None:
    import os
    import subprocess
    import sys

    from django.conf import settings

    from candor.accounts.tests.test_security import PRODUCTION

    def value(env: dict[str, str]) -> str:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CANDOR_")}
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import candor.settings as s; print(s.CANDOR_REQUIRE_SECOND_FACTOR)",
            ],
            env={**clean, "DJANGO_SETTINGS_MODULE": "candor.settings", **env},
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=True,
        ).stdout.strip()

    assert value(PRODUCTION) == "True"
    assert value({"CANDOR_ENV": "dev"}) == "True"
    assert value({"CANDOR_ENV": "demo"}) == "False"
    assert value({"CANDOR_ENV": "test"}) == "False"
    assert value({**PRODUCTION, "CANDOR_REQUIRE_SECOND_FACTOR": "off"}) == "False"


# --- the administrator's reset ---------------------------------------------------------------


def test_an_admin_resets_someones_second_factor(client_for: Any, people: Any, clock: Any) -> None:
    secret, _ = enrol(people.priya)
    priya = client_for(people.priya)
    priya.post(VERIFY, {"code": code_at(secret)})
    assert priya.get(DASHBOARD).status_code == 200
    adam = client_for(people.adam)
    page = adam.get(reverse("learning:admin_person", args=[people.priya.pk])).content.decode()
    assert "Reset second factor" in page and _reset_url(people.priya.pk) in page
    response = adam.post(_reset_url(people.priya.pk), follow=True)
    assert "second factor is reset and 1 of their sessions ended" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=people.priya).exists()
    entry = AuditEntry.objects.get(action="accounts.second_factor_reset")
    assert entry.actor_role == "admin" and entry.object_ref == f"person:{people.priya.pk}"
    assert priya.get(DASHBOARD).status_code == 302  # her session ended
    # Nothing to reset any more: said plainly, nothing audited.
    again = adam.post(_reset_url(people.priya.pk), follow=True)
    assert "has no second factor to reset" in again.content.decode()
    assert AuditEntry.objects.filter(action="accounts.second_factor_reset").count() == 1


def test_an_admin_cannot_reset_their_own(client_for: Any, people: Any) -> None:
    enrol(people.adam)
    adam = client_for(people.adam)
    with pytest.raises(sf.SecondFactorRefused):
        sf.do_reset(people.adam, people.adam)
    assert TOTPDevice.objects.filter(user=people.adam).exists()
    # Through the page: the session is held at the code step, so the request goes nowhere.
    adam.post(_reset_url(people.adam.pk))
    assert TOTPDevice.objects.filter(user=people.adam).exists()


@pytest.mark.parametrize("name", ["lena", "maya", "ari", "priya", "otto"])
def test_only_admins_reach_the_reset_and_see_the_same_404(
    client_for: Any, people: Any, name: str
) -> None:
    enrol(people.leo)
    client = client_for(getattr(people, name))
    existing = client.post(_reset_url(people.leo.pk))
    missing = client.post(_reset_url(999_999))
    assert existing.status_code == missing.status_code == 404
    assert _without_tokens(existing.content) == _without_tokens(missing.content)
    assert TOTPDevice.objects.filter(user=people.leo).exists()
    with pytest.raises(sf.SecondFactorRefused):
        sf.do_reset(getattr(people, name), people.leo)


def test_reset_needs_a_post_from_a_signed_in_admin(
    client: Client, client_for: Any, people: Any
) -> None:
    enrol(people.leo)
    assert client.post(_reset_url(people.leo.pk))["Location"].startswith(reverse("accounts:login"))
    assert client_for(people.adam).get(_reset_url(people.leo.pk)).status_code == 405
    assert client_for(people.adam).post(_reset_url(999_999)).status_code == 404
    assert TOTPDevice.objects.filter(user=people.leo).exists()


def test_a_session_signed_in_another_way_is_marked_once_then_costs_no_query(
    client_for: Any, people: Any, require_second_factor: None
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from candor.accounts.middleware import SESSION_KEY

    lena = client_for(people.lena)  # force_login: no sign-in form, no mark yet
    assert lena.get(API).status_code == 200
    assert lena.session[SESSION_KEY] == {"user": people.lena.pk, "verified": False}
    table = TOTPDevice._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        assert lena.get(API).status_code == 200
    assert not [q for q in ctx.captured_queries if table in q["sql"]]
    # Enrolling later still holds her other sessions: they end (see test_second_factor_enrol).
